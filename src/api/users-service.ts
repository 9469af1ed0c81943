/**
 * The Users API's operations over ports: lookups, create (password, pre-hashed password, or an
 * invitation), merge-patch update, delete, and the actions. HTTP-free: the routes parse and render,
 * this decides. Every write goes through one {@link UsersApiStore} method, which writes the audit
 * entry (and the webhook event) in the same transaction as the change, and answers preconditions
 * (the version a client read) with `precondition_failed`.
 */
import type { Clock } from '../clock.js';
import { IdbridgeError, invalidFields, type FieldIssue } from '../errors.js';
import type { Logger } from '../log.js';
import type { MailTemplateId, OutgoingMail } from '../mail/mailer.js';
import type { HashRegistry } from '../users/hashes/registry.js';
import { parsePhc, type PasswordHasher } from '../users/password-hasher.js';
import type { DirectoryUser, UserDirectory } from '../users/user.js';
import type { UserRevocation } from '../users/user-revocation.js';
import { DuplicateUserError, type StoredUser } from '../users/user-store.js';
import { randomToken, sha256Base64Url } from '../util/bytes.js';
import type { ApiCaller } from './api-tokens.js';
import type { AuditEntry, AuditStore, ListPosition, UsersApiStore, WriteOutcome } from './ports.js';
import { acceptAnyAttributes, toNewUser, toUserChanges, toUserResource, type AttributeValidator, type UserCreate, type UserPatch, type UserResource } from './user-resource.js';

/**
 * Issues the one-time links the mails carry. The email-token mechanism (hashed, single-use,
 * expiring tokens) belongs to the sign-up flows (`identity/`); the app factory fills this port
 * with it. `kind`: verify-email confirms the address, reset-password and set-password open the
 * "choose a password" page.
 */
export interface UserEmailLinks {
  issue(user: DirectoryUser, kind: 'verify-email' | 'reset-password' | 'set-password'): Promise<{ link: string; expiresInMinutes: number }>;
}

/** A user as the API returns it, with its entity tag and version (for preconditions). */
export interface VersionedUser {
  resource: UserResource;
  etag: string;
  /** The row's update_time: what a write conditioned on `etag` compares. */
  version: number;
}

export interface UsersApiDeps {
  tenant: string;
  /** The built-in table. */
  store: UsersApiStore;
  /**
   * The configured directory. When it is not the built-in one (a site database), reads go
   * through it and writes are refused (`writable: false`).
   */
  directory: UserDirectory;
  /** False for a site (federated/migrate) directory: the site's database is the source of truth. */
  writable: boolean;
  /** Why writes are refused, named in the 501 problem. */
  readOnlyReason?: string;
  hasher: PasswordHasher;
  /** Identifies pre-hashed passwords; absent: only the configured KDF's own hashes are accepted. */
  hashes?: HashRegistry;
  revocation: UserRevocation;
  mail: OutgoingMail;
  links: UserEmailLinks;
  audit: AuditStore;
  attributeValidator?: AttributeValidator;
  defaultLocale: string;
  clock: Clock;
  logger: Logger;
}

/** A page of the list and the cursor of the next one (null: no more). */
export interface UserPage {
  users: VersionedUser[];
  nextCursor: string | null;
}

export class UsersApi {
  readonly #validateAttributes: AttributeValidator;

  constructor(private readonly deps: UsersApiDeps) {
    this.#validateAttributes = deps.attributeValidator ?? acceptAnyAttributes;
  }

  // ---- reads -------------------------------------------------------------------------------

  async get(id: string): Promise<VersionedUser> {
    const user = this.deps.writable ? await this.deps.store.findById(id) : await this.deps.directory.findById(id);
    if (!user) throw notFound();
    return this.versioned(user);
  }

  async byEmail(email: string): Promise<VersionedUser> {
    const normalized = email.trim().toLowerCase();
    const user = this.deps.writable ? await this.deps.store.findByEmail(normalized) : await this.deps.directory.findByEmail(normalized);
    if (!user) throw notFound();
    return this.versioned(user);
  }

  async byCustomer(customer: string): Promise<VersionedUser> {
    this.builtinOnly('lookup by customer id');
    const user = await this.deps.store.findByCustomerId(customer);
    if (!user) throw notFound();
    return this.versioned(user);
  }

  /** Search by one criterion; every match (at most `limit`), an empty list when none. */
  async search(criteria: { email?: string; phone?: string; externalId?: string }, limit: number): Promise<VersionedUser[]> {
    if (criteria.email !== undefined) {
      const normalized = criteria.email.trim().toLowerCase();
      const user = this.deps.writable ? await this.deps.store.findByEmail(normalized) : await this.deps.directory.findByEmail(normalized);
      return user ? [await this.versioned(user)] : [];
    }
    this.builtinOnly('search by phone or external id');
    if (criteria.phone !== undefined) return Promise.all((await this.deps.store.findByPhone(criteria.phone, limit)).map((u) => this.versioned(u)));
    const user = await this.deps.store.findByExternalId(criteria.externalId!);
    return user ? [await this.versioned(user)] : [];
  }

  async list(cursor: string | undefined, limit: number): Promise<UserPage> {
    this.builtinOnly('listing users');
    const after = cursor === undefined ? null : decodeCursor(cursor);
    // One more than asked tells whether there is a next page without a count query.
    const rows = await this.deps.store.listAfter(after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      users: await Promise.all(page.map((u) => this.versioned(u))),
      nextCursor: rows.length > limit && last ? encodeCursor({ createTime: last.createTime, id: last.id }) : null,
    };
  }

  /**
   * A page by position (SCIM's 1-based `startIndex`/`count`) in the list's (create_time, id)
   * order, with the total. Positions shift when rows are inserted meanwhile: the cursor list is
   * the stable one; SCIM clients ask for this one.
   */
  async listByOffset(offset: number, limit: number): Promise<{ users: VersionedUser[]; total: number }> {
    this.builtinOnly('listing users');
    const [total, rows] = await Promise.all([this.deps.store.count(), limit > 0 ? this.deps.store.list({ offset, limit }) : Promise.resolve([])]);
    return { users: await Promise.all(rows.map((u) => this.versioned(u))), total };
  }

  // ---- writes ------------------------------------------------------------------------------

  async create(body: UserCreate, caller: ApiCaller): Promise<VersionedUser> {
    this.writableOnly();
    this.checkAttributes(body.attributes);
    let passwordHash: string | null = null;
    if (body.password !== undefined) passwordHash = await this.deps.hasher.hash(body.password);
    else if (body.password_hash !== undefined) passwordHash = this.acceptHash(body.password_hash);
    const id = `u_${randomToken(128)}`;
    const now = this.deps.clock.now();
    const fields = Object.keys(body).filter((k) => k !== 'send_invitation' && k !== 'locale').map((k) => (k === 'password_hash' ? 'password' : k));
    try {
      await this.deps.store.insert(toNewUser(body, id, passwordHash, now), this.entry(caller, 'user.create', id, fields, now));
    } catch (error) {
      throw conflictOr(error);
    }
    const created = await this.deps.store.findById(id);
    if (!created) throw notFound();
    if (passwordHash === null && body.send_invitation !== false) {
      // The account exists either way; a failed mail is reported (503) and can be resent with
      // the reset action, which for a password-less account sends the same kind of link.
      await this.sendMail(created, 'set-password', body.locale);
    }
    return this.versioned(created);
  }

  async patch(id: string, patch: UserPatch, ifMatch: string | undefined, caller: ApiCaller): Promise<VersionedUser> {
    this.writableOnly();
    if (patch.attributes) {
      const next = Object.fromEntries(Object.entries(patch.attributes).filter((e): e is [string, string] => e[1] !== null));
      this.checkAttributes(next);
    }
    // Read, merge, write conditioned on the version read. With If-Match the client's version
    // must be that one (else 412); without, a concurrent write just makes us merge again.
    for (let attempt = 0; ; attempt++) {
      const current = await this.deps.store.findById(id);
      if (!current) throw notFound();
      const version = await this.versioned(current);
      checkPrecondition(ifMatch, version.etag);
      const { changes, fields } = toUserChanges(patch, current);
      if (fields.length === 0) return version;
      let outcome: WriteOutcome;
      const now = this.deps.clock.now();
      try {
        outcome = await this.deps.store.update(id, changes, now, { ifUpdateTime: current.updateTime }, this.entry(caller, 'user.update', id, fields, now));
      } catch (error) {
        throw conflictOr(error);
      }
      if (outcome === 'not_found') throw notFound();
      if (outcome === 'conflict') {
        if (ifMatch !== undefined) throw preconditionFailed();
        if (attempt < 3) continue;
        throw new IdbridgeError('conflict', 'The user changed concurrently several times; retry the request.');
      }
      return this.get(id);
    }
  }

  async delete(id: string, ifMatch: string | undefined, caller: ApiCaller): Promise<void> {
    this.writableOnly();
    const current = await this.conditionFor(id, ifMatch);
    // Revoke first: if that fails nothing was deleted and the call can be repeated; deleted
    // first, a failed revocation would leave sessions of a user nobody can address any more.
    await this.deps.revocation.revokeAll(id, { consents: true });
    const now = this.deps.clock.now();
    const audit = this.entry(caller, 'user.delete', id, [], now);
    const outcome = await this.deps.store.delete(id, now, { ifUpdateTime: current.updateTime }, audit);
    this.outcome(outcome, ifMatch);
    if (outcome === 'conflict') {
      // No precondition was asked for: the user changed meanwhile, delete it all the same.
      this.outcome(await this.deps.store.delete(id, now, {}, audit), undefined);
    }
  }

  async setBlocked(id: string, blocked: boolean, ifMatch: string | undefined, caller: ApiCaller): Promise<VersionedUser> {
    this.writableOnly();
    const current = await this.conditionFor(id, ifMatch);
    if (current.blocked !== blocked) {
      const now = this.deps.clock.now();
      const audit = this.entry(caller, blocked ? 'user.block' : 'user.unblock', id, ['blocked'], now);
      const outcome = await this.deps.store.setBlocked(id, blocked, now, ifMatch === undefined ? {} : { ifUpdateTime: current.updateTime }, audit);
      this.outcome(outcome, ifMatch);
    }
    // Blocked first, then revoked: no new session can start in between. Repeating a block
    // revokes again, so a failed revocation is retried by repeating the call.
    if (blocked) await this.deps.revocation.revokeAll(id);
    return this.get(id);
  }

  async markEmailVerified(id: string, ifMatch: string | undefined, caller: ApiCaller): Promise<VersionedUser> {
    this.writableOnly();
    const current = await this.conditionFor(id, ifMatch);
    if (!current.emailVerified) {
      const now = this.deps.clock.now();
      const audit = this.entry(caller, 'user.mark_email_verified', id, ['email_verified'], now);
      const outcome = await this.deps.store.markEmailVerified(id, now, ifMatch === undefined ? {} : { ifUpdateTime: current.updateTime }, audit);
      this.outcome(outcome, ifMatch);
    }
    return this.get(id);
  }

  async sendVerificationEmail(id: string, locale: string | undefined, caller: ApiCaller): Promise<void> {
    this.writableOnly();
    const user = await this.deps.store.findById(id);
    if (!user) throw notFound();
    if (user.emailVerified) throw new IdbridgeError('conflict', 'The email address is already verified.');
    await this.sendMail(user, 'verify-email', locale);
    await this.record(caller, 'user.send_verification_email', id, []);
  }

  /** The reset mail; for an account without a password, the set-password mail (same link kind). */
  async sendResetEmail(id: string, locale: string | undefined, caller: ApiCaller): Promise<void> {
    this.writableOnly();
    const user = await this.deps.store.findById(id);
    if (!user) throw notFound();
    if (user.blocked) throw new IdbridgeError('conflict', 'The account is blocked; unblock it first.');
    await this.sendMail(user, user.passwordHash === null ? 'set-password' : 'reset-password', locale);
    await this.record(caller, 'user.send_reset_email', id, []);
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** The resource, its strong ETag (a digest of the representation) and the row's version. */
  private async versioned(user: DirectoryUser | StoredUser): Promise<VersionedUser> {
    const hasPassword = 'passwordHash' in user ? user.passwordHash !== null : true;
    const resource = toUserResource(user, this.deps.tenant, hasPassword);
    const etag = `"${(await sha256Base64Url(JSON.stringify(resource))).slice(0, 27)}"`;
    return { resource, etag, version: user.updateTime };
  }

  private async conditionFor(id: string, ifMatch: string | undefined): Promise<StoredUser> {
    const current = await this.deps.store.findById(id);
    if (!current) throw notFound();
    checkPrecondition(ifMatch, (await this.versioned(current)).etag);
    return current;
  }

  private outcome(outcome: WriteOutcome, ifMatch: string | undefined): void {
    if (outcome === 'not_found') throw notFound();
    if (outcome === 'conflict' && ifMatch !== undefined) throw preconditionFailed();
  }

  /** A pre-hashed password must be one a verifier can check later, else nobody could sign in. */
  private acceptHash(hash: string): string {
    if (hash.startsWith('$scrypt$')) {
      // idbridge's own format, verified by the PasswordHasher (rehashed if its cost differs).
      if (!parsePhc(hash)) throw unusableHash('malformed');
      return hash;
    }
    if (!this.deps.hashes) throw unusableHash('unknown_format');
    const identity = this.deps.hashes.identify(hash);
    if (identity.format === null || identity.problem) throw unusableHash(identity.problem ?? 'unknown_format');
    // Salted digests need a per-row salt column the built-in table does not have.
    if (identity.format.startsWith('salted-')) throw unusableHash('unknown_format');
    return hash;
  }

  private checkAttributes(attributes: Record<string, string> | undefined): void {
    if (!attributes) return;
    const issues = this.#validateAttributes(attributes);
    if (issues.length > 0) throw invalidFields(issues.map((i) => ({ ...i, path: ['attributes', ...i.path] })), {}, 'attributes');
  }

  private async sendMail(user: DirectoryUser, template: Extract<MailTemplateId, 'verify-email' | 'reset-password' | 'set-password'>, locale: string | undefined): Promise<void> {
    const { link, expiresInMinutes } = await this.deps.links.issue(user, template);
    const name = user.profile.fullname ?? user.profile.nickname;
    try {
      await this.deps.mail.send(user.email, template, locale ?? user.profile.language ?? this.deps.defaultLocale, { link, expiresInMinutes, ...(name ? { name } : {}) });
    } catch (error) {
      this.deps.logger.log('error', 'users_api_mail_failed', { template, user: user.id, error: error instanceof Error ? error.name : typeof error });
      throw new IdbridgeError('server_error', 'The mail could not be sent; try again later.', { status: 503, retryAfter: 60, cause: error });
    }
  }

  /** The audit entry of a write; the store writes it with the change, in one transaction. */
  private entry(caller: ApiCaller, operation: string, userId: string, fields: string[], at: number): AuditEntry {
    return { at, actor: caller.actor, operation, userId, fields };
  }

  /** Audit entries of operations that write no user row (mails). */
  private async record(caller: ApiCaller, operation: string, userId: string, fields: string[]): Promise<void> {
    await this.deps.audit.append({ at: this.deps.clock.now(), actor: caller.actor, operation, userId, fields });
  }

  private writableOnly(): void {
    if (!this.deps.writable) {
      throw new IdbridgeError('not_implemented', `Writes are not available: ${this.deps.readOnlyReason ?? 'the user directory is read-only'}.`);
    }
  }

  private builtinOnly(what: string): void {
    if (!this.deps.writable) {
      throw new IdbridgeError('not_implemented', `${what} is not available: ${this.deps.readOnlyReason ?? 'the user directory is read-only'}; look users up by id or email.`);
    }
  }
}

/**
 * If-Match (RFC 9110 §13.1.1): `*` or a list of strong tags; weak tags never match (strong
 * comparison). Absent: no precondition.
 */
export function checkPrecondition(ifMatch: string | undefined, etag: string): void {
  if (ifMatch === undefined) return;
  const value = ifMatch.trim();
  if (value === '*') return;
  const tags = value.split(',').map((t) => t.trim());
  if (!tags.includes(etag)) throw preconditionFailed();
}

function preconditionFailed(): IdbridgeError {
  return new IdbridgeError('precondition_failed', 'The user has changed since it was read (If-Match does not match its ETag); read it again.');
}

function notFound(): IdbridgeError {
  return new IdbridgeError('not_found', 'No such user.');
}

function unusableHash(problem: string): IdbridgeError {
  return invalidFields([{ path: ['password_hash'], message: `not a password hash idbridge can verify (${problem})` } satisfies FieldIssue], {}, 'user');
}

function conflictOr(error: unknown): unknown {
  if (error instanceof DuplicateUserError) {
    const field = error.field === 'customer_id' ? 'customer' : error.field;
    return new IdbridgeError('conflict', `A user with this ${field.replace('_', ' ')} already exists.`, { extra: { field } });
  }
  return error;
}

/** Opaque cursor: base64url of `create_time.id` (the last row of the page). */
export function encodeCursor(position: ListPosition): string {
  return btoa(`${position.createTime}.${position.id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor(cursor: string): ListPosition {
  try {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw new Error('alphabet');
    const text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const m = /^(\d{1,15})\.(u_[A-Za-z0-9_-]{1,64}|[A-Za-z0-9_.-]{1,128})$/.exec(text);
    if (!m) throw new Error('shape');
    return { createTime: Number(m[1]), id: m[2]! };
  } catch {
    throw invalidFields([{ path: ['cursor'], message: 'not a cursor this API issued' }], {}, 'cursor');
  }
}

import type { Logger } from '../log.js';
import { randomToken } from '../util/bytes.js';
import { BuiltinUserDirectory, toDirectoryUser } from './builtin-directory.js';
import type { DirectoryLink, DirectoryLinkStore } from './directory-links.js';
import { MAX_PASSWORD_LENGTH, type PasswordHasher } from './password-hasher.js';
import { SREG_FIELDS, type SregProfile } from './profile.js';
import { DirectoryUnavailableError, type SiteUserRecord, type SiteUserSource } from './site-source.js';
import type { AuthenticationResult, DirectoryUser, UserDirectory } from './user.js';
import { DuplicateUserError, type UserStore } from './user-store.js';

/** How a site directory treats the site's users (`directory.mode`, `directory.writeBack`, `directory.name`). */
export interface SiteDirectoryOptions {
  /**
   * federated: the site stays the source of truth, idbridge only reads. migrate: a user's first
   * successful sign-in copies them into the built-in table with a fresh idbridge hash; from then on
   * the built-in table serves them.
   */
  mode: 'federated' | 'migrate';
  /** Federated only: allow rewriting a hash in the site's own format when the source says it should be upgraded. */
  writeBack: boolean;
  /** The directory's stable name in `directory_links` (changing it would give every user a new id). */
  name: string;
}

export interface SiteDirectoryDeps {
  source: SiteUserSource;
  /** The built-in table (migrate mode's destination; unused in federated mode). */
  store: UserStore;
  hasher: PasswordHasher;
  links: DirectoryLinkStore;
  clock: { now(): number };
  logger: Logger;
}

/**
 * The site's own user database as a {@link UserDirectory}, over a {@link SiteUserSource} (SQL or
 * HTTP). It owns what no source should: the stable mapping of the site's keys to idbridge's opaque
 * user ids (`directory_links`), the federated / migrate modes, and write-back.
 *
 * Failures of the site surface as {@link DirectoryUnavailableError} (503, nothing counted against
 * the user), never as "wrong password".
 */
export class SiteDirectory implements UserDirectory {
  readonly #builtin: BuiltinUserDirectory;

  constructor(
    private readonly deps: SiteDirectoryDeps,
    readonly options: SiteDirectoryOptions,
  ) {
    this.#builtin = new BuiltinUserDirectory(deps.store, deps.hasher, deps.clock);
  }

  get source(): SiteUserSource {
    return this.deps.source;
  }

  async authenticate(identifier: string, password: string): Promise<AuthenticationResult> {
    const { source } = this.deps;
    const login = identifier.trim();
    if (this.options.mode === 'migrate' && login && (await this.deps.store.findByLogin(login.toLowerCase()))) {
      // Migrated (or native built-in) users: served by the built-in table alone, the site's
      // database is never asked again for them.
      return this.#builtin.authenticate(login, password);
    }
    if (!login || password.length > MAX_PASSWORD_LENGTH) {
      await this.deps.hasher.burn(password);
      return { ok: false, reason: 'invalid_credentials' };
    }
    const result = await source.verifyCredentials(login, password);
    if (!result.ok) return { ok: false, reason: 'invalid_credentials' };
    const { record } = result;
    // Blocked is only reported after a right password, so it tells a guesser nothing.
    if (record.blocked) return { ok: false, reason: 'blocked' };
    const link = await this.linkOf(record);
    if (this.options.mode === 'migrate') {
      const migrated = await this.migrate(link, record, password);
      if (migrated) return { ok: true, user: migrated };
    } else if (this.options.writeBack && result.upgrade && source.rewriteHash) {
      // The source rewrites in the stored hash's own format (`result.format`), one the site's own
      // application verifies: never idbridge's scrypt in the site's table.
      await source.rewriteHash(record.key, password, result.format).catch((error: unknown) => {
        this.deps.logger.log('warn', 'directory_hash_rewrite_failed', { format: result.format, error: describe(error) });
      });
    }
    return { ok: true, user: siteUser(link, record) };
  }

  async findById(id: string): Promise<DirectoryUser | null> {
    const link = await this.deps.links.findByUserId(id);
    if (!link) {
      // Native built-in users keep working next to a migrating directory.
      return this.options.mode === 'migrate' ? this.#builtin.findById(id) : null;
    }
    if (link.migratedAt !== null) return this.#builtin.findById(id);
    const record = await this.deps.source.findByKey(link.siteKey);
    // A key the site no longer has: the user is gone (its id is never given to anyone else).
    return record ? siteUser(link, record) : null;
  }

  async findByEmail(email: string): Promise<DirectoryUser | null> {
    const normalized = email.trim();
    if (!normalized) return null;
    if (this.options.mode === 'migrate') {
      const builtin = await this.#builtin.findByEmail(normalized);
      if (builtin) return builtin;
    }
    const record = await this.deps.source.findByEmail(normalized);
    if (!record) return null;
    const link = await this.linkOf(record);
    // Migrated after all (the built-in email changed since): the built-in table is the truth.
    if (link.migratedAt !== null) return this.#builtin.findById(link.userId);
    return siteUser(link, record);
  }

  async recordLogin(id: string, at: number): Promise<void> {
    const link = await this.deps.links.findByUserId(id);
    if (link && link.migratedAt === null) await this.deps.links.recordLogin(id, at);
    else await this.deps.store.recordLogin(id, at);
  }

  /** The link of a site record, made on first sight with a fresh opaque id (the built-in id format). */
  private linkOf(record: SiteUserRecord): Promise<DirectoryLink> {
    return this.deps.links.link(this.options.name, record.key, `u_${randomToken(128)}`, this.deps.clock.now());
  }

  /**
   * Copy a site user into the built-in table under their linked id with a fresh idbridge hash,
   * then mark the link migrated. Safe against a racing second sign-in: the insert is keyed by the
   * linked id, so the loser finds the winner's row instead of creating a second user. A crash
   * between the two steps is repaired by the next sign-in the same way.
   *
   * Returns null when the user cannot be migrated without losing anything (no email: the built-in
   * table needs one); they stay served by the site, as in federated mode.
   */
  private async migrate(link: DirectoryLink, record: SiteUserRecord, password: string): Promise<DirectoryUser | null> {
    const { store, hasher, links, clock, logger } = this.deps;
    if (link.migratedAt !== null) {
      // Linked as migrated, yet the built-in lookup by this login missed: the built-in email or
      // username changed since. The built-in row is the truth; the site's password does not count.
      const user = await store.findById(link.userId);
      if (user) return toDirectoryUser(user);
    }
    if (!record.email) {
      logger.log('warn', 'directory_migration_skipped', { user_id: link.userId, reason: 'no_email' });
      return null;
    }
    const now = clock.now();
    try {
      await store.insert({
        id: link.userId,
        email: record.email.toLowerCase(),
        username: record.username?.toLowerCase() ?? null,
        passwordHash: await hasher.hash(password),
        profile: profileOf(record),
        // What the user completed while the site served them moves with them.
        attributes: link.attributes,
        phone: record.attributes.phone ?? null,
        customerId: record.attributes.customer_id ?? null,
        externalId: null,
        emailVerified: record.emailVerified,
        blocked: record.blocked,
        createTime: now,
      });
    } catch (error) {
      const existing = await store.findById(link.userId);
      if (!existing) {
        // Another built-in user already has this email / username (or customer id). Merging them
        // silently could hand one person's identity to another, and "wrong password" would be a
        // lie: sign-in is unavailable for this account until the operator resolves it (logged).
        const field = error instanceof DuplicateUserError ? error.field : 'unknown';
        logger.log('error', 'directory_migration_conflict', { user_id: link.userId, field });
        throw new DirectoryUnavailableError('conflict', `migrating ${link.userId} collides with a built-in user on ${field}`, { cause: error });
      }
      // A racing sign-in (or an interrupted earlier one) inserted this user already.
    }
    if (await links.markMigrated(this.options.name, record.key, now)) {
      logger.log('info', 'directory_user_migrated', { user_id: link.userId });
    }
    const user = await store.findById(link.userId);
    return user ? toDirectoryUser(user) : null;
  }
}

/** The SREG profile of a site record (email excluded: the built-in table keeps it in its own column). */
function profileOf(record: SiteUserRecord): Omit<SregProfile, 'email'> {
  const profile: Omit<SregProfile, 'email'> = {};
  for (const field of SREG_FIELDS) {
    const value = record.attributes[field];
    if (field !== 'email' && typeof value === 'string' && value !== '') profile[field] = value;
  }
  return profile;
}

/** A user the site serves, under their linked id. */
function siteUser(link: DirectoryLink, record: SiteUserRecord): DirectoryUser {
  const email = record.email ?? '';
  const profile: SregProfile = { ...profileOf(record) };
  if (email) profile.email = email;
  const updated = Number(record.attributes.updated_at);
  return {
    id: link.userId,
    email,
    username: record.username,
    emailVerified: record.emailVerified,
    blocked: record.blocked,
    profile,
    // Custom profile fields live in idbridge's own table (the link); the site's columns map to SREG/extended names.
    attributes: { ...link.attributes },
    phone: record.attributes.phone ?? null,
    customerId: record.attributes.customer_id ?? null,
    externalId: null,
    loginsCount: link.loginsCount,
    loginTime: link.loginTime,
    createTime: link.createdAt,
    updateTime: Number.isFinite(updated) && updated > 0 ? updated * 1000 : link.createdAt,
  };
}

function describe(error: unknown): string {
  if (error instanceof DirectoryUnavailableError) return `${error.reason}: ${error.detail}`;
  return error instanceof Error ? error.name : typeof error;
}

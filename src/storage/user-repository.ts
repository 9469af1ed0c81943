import { and, asc, count, eq, gt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { AuditEntry, ListPosition, UserChanges, UsersApiStore, WriteCondition, WriteOutcome } from '../api/ports.js';
import type { ProfileChanges, ProfileStore } from '../identity/ports.js';
import type { UserEventType } from '../users/user-events.js';
import { DuplicateUserError, type NewUser, type StoredUser } from '../users/user-store.js';
import { auditStep } from './audit-repository.js';
import { once, sqlErrorMessage, type Database } from './database.js';
import { users } from './schema.js';
import { UserWrites, type UserChange } from './user-writes.js';

type UserRow = typeof users.$inferSelect;

/** The standard profile fields' columns (identity/profile-model.ts names them like SREG). */
const PROFILE_COLUMNS = {
  fullname: users.fullname,
  nickname: users.nickname,
  dob: users.dob,
  gender: users.gender,
  postcode: users.postcode,
  country: users.country,
  language: users.language,
  timezone: users.timezone,
  phone: users.phone,
} as const;

/**
 * {@link UsersApiStore} (and so `UserStore`) on the `users` table, with the profile writes the
 * {@link ProfileStore} (storage/profile-store.ts) builds on.
 *
 * Every write goes through {@link UserWrites.write}, which records the change notification in the
 * webhook outbox in the same transaction (`user.created`, `user.updated`, `user.login`, …). The
 * repository keeps only a read-only view of the database, so a new write method cannot bypass the
 * outbox: it has to call `this.writes.write({ userId, at, statement: (db) => db.update(users)…, event })`.
 * The Users API's audit entry, when given, is written in that same transaction too (`alongside`).
 */
export class UserRepository implements UsersApiStore {
  private readonly db: Pick<Database, 'select'>;
  private readonly writes: UserWrites;

  constructor(
    db: Database,
    private readonly tenant: string,
    options: { newEventId?: () => string } = {},
  ) {
    this.db = db;
    this.writes = new UserWrites(db, tenant, options.newEventId);
  }

  private readonly byId = once(() =>
    this.db.select().from(users).where(and(eq(users.tenant, this.tenant), eq(users.id, sql.placeholder('id')))).limit(1).prepare(),
  );
  private readonly byLogin = once(() =>
    this.db
      .select()
      .from(users)
      .where(and(eq(users.tenant, this.tenant), or(eq(users.email, sql.placeholder('login')), eq(users.username, sql.placeholder('login')))))
      .limit(1)
      .prepare(),
  );

  async insert(user: NewUser, audit?: AuditEntry): Promise<void> {
    try {
      await this.writes.write({
        userId: user.id,
        at: user.createTime,
        event: 'user.created',
        statement: (db) =>
          db.insert(users).values({
            tenant: this.tenant,
            id: user.id,
            email: user.email,
            username: user.username,
            passwordHash: user.passwordHash,
            ...user.profile,
            phone: user.phone,
            customerId: user.customerId,
            externalId: user.externalId,
            attributes: JSON.stringify(user.attributes ?? {}),
            emailVerified: user.emailVerified,
            blocked: user.blocked,
            createTime: user.createTime,
            updateTime: user.createTime,
          }),
        ...this.audited(audit),
      });
    } catch (error) {
      throw duplicateOr(error);
    }
  }

  async findById(id: string): Promise<StoredUser | null> {
    const rows = await this.byId().all({ id });
    return rows[0] ? toStoredUser(rows[0]) : null;
  }

  async findByLogin(identifier: string): Promise<StoredUser | null> {
    const rows = await this.byLogin().all({ login: identifier });
    return rows[0] ? toStoredUser(rows[0]) : null;
  }

  async list(options: { limit: number; offset: number }): Promise<StoredUser[]> {
    const rows = await this.db
      .select()
      .from(users)
      .where(eq(users.tenant, this.tenant))
      .orderBy(asc(users.createTime), asc(users.id))
      .limit(options.limit)
      .offset(options.offset);
    return rows.map(toStoredUser);
  }

  async count(): Promise<number> {
    const rows = await this.db.select({ n: count() }).from(users).where(eq(users.tenant, this.tenant));
    return rows[0]?.n ?? 0;
  }

  async recordLogin(id: string, at: number): Promise<void> {
    await this.writes.write({
      userId: id,
      at,
      event: 'user.login',
      // One statement: concurrent sign-ins cannot lose a count.
      statement: (db) =>
        db
          .update(users)
          .set({ loginsCount: sql`${users.loginsCount} + 1`, loginTime: at })
          .where(and(eq(users.tenant, this.tenant), eq(users.id, id))),
    });
  }

  /** Whether the user has a row here (built-in and migrated users; not a site directory's). */
  async hasOwnRow(userId: string): Promise<boolean> {
    return (await this.byId().all({ id: userId })).length > 0;
  }

  /** One UPDATE of the columns and the attributes JSON; false when the user has no row. */
  async saveProfile(userId: string, changes: ProfileChanges, now: number): Promise<boolean> {
    const columns: Partial<Record<keyof typeof PROFILE_COLUMNS, string>> = {};
    const cleared: Partial<Record<keyof typeof PROFILE_COLUMNS, null>> = {};
    for (const [name, value] of Object.entries(changes.standard)) {
      if (Object.hasOwn(PROFILE_COLUMNS, name)) columns[name as keyof typeof PROFILE_COLUMNS] = value;
    }
    // A null-prototype object: field names are the operator's, `$offered` is ours.
    const patch: Record<string, string | null> = Object.assign(Object.create(null), changes.custom);
    for (const name of changes.cleared ?? []) {
      // json_patch (RFC 7396) removes a key whose patch value is null.
      if (Object.hasOwn(PROFILE_COLUMNS, name)) cleared[name as keyof typeof PROFILE_COLUMNS] = null;
      else if (!name.startsWith('$')) patch[name] = null;
    }
    patch['$offered'] = changes.offered.join(',');
    // One statement: json_patch merges into the stored object, so keys of other fields (written by
    // another tab or the Users API in the meantime) are kept.
    // user.updated even when only `$offered` moved (the user was asked, said nothing): the row's
    // update_time and attributes changed, and a receiver holding the User resource sees that.
    const changed = await this.writes.write({
      userId,
      at: now,
      event: 'user.updated',
      statement: (db) =>
        db
          .update(users)
          .set({ ...cleared, ...columns, attributes: sql`json_patch(${users.attributes}, ${JSON.stringify(patch)})`, updateTime: now })
          .where(and(eq(users.tenant, this.tenant), eq(users.id, userId))),
    });
    return changed === 1;
  }

  async findByEmail(email: string): Promise<StoredUser | null> {
    return this.findOne(eq(users.email, email));
  }

  async findByCustomerId(customerId: string): Promise<StoredUser | null> {
    return this.findOne(eq(users.customerId, customerId));
  }

  async findByExternalId(externalId: string): Promise<StoredUser | null> {
    return this.findOne(eq(users.externalId, externalId));
  }

  async findByPhone(phone: string, limit: number): Promise<StoredUser[]> {
    const rows = await this.db
      .select()
      .from(users)
      .where(and(eq(users.tenant, this.tenant), eq(users.phone, phone)))
      .orderBy(asc(users.createTime), asc(users.id))
      .limit(limit);
    return rows.map(toStoredUser);
  }

  async listAfter(after: ListPosition | null, limit: number): Promise<StoredUser[]> {
    // Keyset, not OFFSET: a row inserted while a client pages through lands either before the
    // cursor (not seen, as it did not exist when the listing began) or after it (seen once); no
    // row is skipped or repeated.
    const position = after
      ? or(gt(users.createTime, after.createTime), and(eq(users.createTime, after.createTime), gt(users.id, after.id)))
      : undefined;
    const rows = await this.db
      .select()
      .from(users)
      .where(and(eq(users.tenant, this.tenant), position))
      .orderBy(asc(users.createTime), asc(users.id))
      .limit(limit);
    return rows.map(toStoredUser);
  }

  async update(id: string, changes: UserChanges, at: number, condition: WriteCondition = {}, audit?: AuditEntry): Promise<WriteOutcome> {
    const set: Partial<typeof users.$inferInsert> = {};
    if (changes.email !== undefined) set.email = changes.email;
    if (changes.emailVerified !== undefined) set.emailVerified = changes.emailVerified;
    if (changes.username !== undefined) set.username = changes.username;
    if (changes.phone !== undefined) set.phone = changes.phone;
    if (changes.customerId !== undefined) set.customerId = changes.customerId;
    if (changes.externalId !== undefined) set.externalId = changes.externalId;
    if (changes.attributes !== undefined) set.attributes = JSON.stringify(changes.attributes);
    if (changes.passwordHash !== undefined) set.passwordHash = changes.passwordHash;
    for (const [field, value] of Object.entries(changes.profile ?? {})) {
      if (value !== undefined) (set as Record<string, unknown>)[field] = value;
    }
    // Verifying the address is its own event (receivers may subscribe to it alone); anything
    // else the patch changed, including un-verifying, is user.updated.
    const events: UserEventType[] = [];
    if (Object.keys(set).some((k) => k !== 'emailVerified') || changes.emailVerified === false) events.push('user.updated');
    if (changes.emailVerified === true) events.push('user.email_verified');
    try {
      return await this.conditionalUpdate(id, set, at, condition, events.length > 0 ? events : 'user.updated', audit);
    } catch (error) {
      throw duplicateOr(error);
    }
  }

  async delete(id: string, at: number, condition: WriteCondition = {}, audit?: AuditEntry): Promise<WriteOutcome> {
    const changed = await this.writes.write({
      userId: id,
      at,
      event: 'user.deleted',
      statement: (db) => db.delete(users).where(this.target(id, condition)),
      ...this.audited(audit),
    });
    return changed === 1 ? 'updated' : this.missOutcome(id);
  }

  /** `user.blocked` for both directions: the payload's `blocked` tells which. */
  setBlocked(id: string, blocked: boolean, at: number, condition: WriteCondition = {}, audit?: AuditEntry): Promise<WriteOutcome> {
    return this.conditionalUpdate(id, { blocked }, at, condition, 'user.blocked', audit);
  }

  markEmailVerified(id: string, at: number, condition: WriteCondition = {}, audit?: AuditEntry): Promise<WriteOutcome> {
    return this.conditionalUpdate(id, { emailVerified: true }, at, condition, 'user.email_verified', audit);
  }

  /**
   * One UPDATE that applies `set`, moves `update_time` strictly forward (so the version a client
   * read is never seen again, even for two writes in the same millisecond) and, with a condition,
   * only touches the row while it still has the version the caller read.
   */
  private async conditionalUpdate(
    id: string,
    set: Partial<typeof users.$inferInsert>,
    at: number,
    condition: WriteCondition,
    event: UserChange['event'],
    audit: AuditEntry | undefined,
  ): Promise<WriteOutcome> {
    const changed = await this.writes.write({
      userId: id,
      at,
      event,
      statement: (db) =>
        db
          .update(users)
          .set({ ...set, updateTime: sql`max(${at}, ${users.updateTime} + 1)` })
          .where(this.target(id, condition)),
      ...this.audited(audit),
    });
    return changed === 1 ? 'updated' : this.missOutcome(id);
  }

  /** The audit entry as a step of the same transaction, written only if the change happened. */
  private audited(audit: AuditEntry | undefined): Pick<UserChange, 'alongside'> {
    return audit ? { alongside: (db, happened) => auditStep(db, this.tenant, audit, happened) } : {};
  }

  private target(id: string, condition: WriteCondition): SQL | undefined {
    return and(
      eq(users.tenant, this.tenant),
      eq(users.id, id),
      condition.ifUpdateTime === undefined ? undefined : eq(users.updateTime, condition.ifUpdateTime),
    );
  }

  /** A conditional write touched nothing: was the row gone, or had it moved on? */
  private async missOutcome(id: string): Promise<WriteOutcome> {
    return (await this.findById(id)) ? 'conflict' : 'not_found';
  }

  private async findOne(where: SQL): Promise<StoredUser | null> {
    const rows = await this.db.select().from(users).where(and(eq(users.tenant, this.tenant), where)).limit(1);
    return rows[0] ? toStoredUser(rows[0]) : null;
  }

  /**
   * Two alternatives in one transaction, excluding each other, so the events say exactly what
   * changed: the address was the user's and unverified → `user.email_verified`; the address is a
   * new one (an email change confirmed by its link) → `user.updated` (the email changed) and
   * `user.email_verified` (it is verified). Already the verified address: nothing changes, no event.
   */
  async confirmEmail(id: string, email: string, at: number): Promise<void> {
    const row = and(eq(users.tenant, this.tenant), eq(users.id, id));
    try {
      await this.writes.writeAll([
        {
          userId: id,
          at,
          event: 'user.email_verified',
          statement: (db) =>
            db
              .update(users)
              .set({ emailVerified: true, updateTime: at })
              .where(and(row, eq(users.email, email), eq(users.emailVerified, false))),
        },
        {
          userId: id,
          at,
          event: ['user.updated', 'user.email_verified'],
          statement: (db) =>
            db
              .update(users)
              .set({ email, emailVerified: true, updateTime: at })
              .where(and(row, ne(users.email, email))),
        },
      ]);
    } catch (error) {
      if (sqlErrorMessage(error).includes('UNIQUE constraint failed')) throw new DuplicateUserError('email');
      throw error;
    }
  }

  /**
   * The transparent re-hash at sign-in (stronger cost or format). Sends no notification: nothing a
   * receiver can see changed (the User resource carries no hash), and the sign-in that caused it
   * already sends `user.login`. A password the user chose is {@link setPassword}.
   */
  async updatePasswordHash(id: string, hash: string, at: number): Promise<void> {
    await this.writes.write({
      userId: id,
      at,
      event: { silent: 'password-hash upgrade at sign-in: not a user-visible change' },
      statement: (db) =>
        db
          .update(users)
          .set({ passwordHash: hash, updateTime: at })
          .where(and(eq(users.tenant, this.tenant), eq(users.id, id))),
    });
  }

  /**
   * A password the user chose (reset link): `user.updated`. Unlike the re-hash, it is a change
   * the platform may act on (sessions ended, `has_password` may turn true, security mail).
   */
  async setPassword(id: string, hash: string, at: number): Promise<void> {
    await this.writes.write({
      userId: id,
      at,
      event: 'user.updated',
      statement: (db) =>
        db
          .update(users)
          .set({ passwordHash: hash, updateTime: sql`max(${at}, ${users.updateTime} + 1)` })
          .where(and(eq(users.tenant, this.tenant), eq(users.id, id))),
    });
  }
}

/** A UNIQUE violation as the field it names; anything else unchanged. */
function duplicateOr(error: unknown): unknown {
  const message = sqlErrorMessage(error);
  if (message.includes('UNIQUE constraint failed')) {
    if (message.includes('users.email')) return new DuplicateUserError('email');
    if (message.includes('users.username')) return new DuplicateUserError('username');
    if (message.includes('users.customer_id')) return new DuplicateUserError('customer_id');
    if (message.includes('users.external_id')) return new DuplicateUserError('external_id');
  }
  return error;
}

function toStoredUser(row: UserRow): StoredUser {
  const profile: StoredUser['profile'] = { email: row.email };
  for (const field of ['nickname', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone'] as const) {
    const value = row[field];
    if (value) profile[field] = value;
  }
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    passwordHash: row.passwordHash,
    emailVerified: row.emailVerified,
    blocked: row.blocked,
    profile,
    phone: row.phone,
    customerId: row.customerId,
    externalId: row.externalId,
    attributes: parseAttributes(row.attributes),
    loginsCount: row.loginsCount,
    loginTime: row.loginTime,
    createTime: row.createTime,
    updateTime: row.updateTime,
  };
}

/** The stored custom-field object; anything but a flat object of strings reads as none. */
/** An `attributes` JSON column: an object of string values; anything else reads as empty. */
export function parseAttributes(json: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(json);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

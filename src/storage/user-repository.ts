import { and, asc, count, eq, or, sql } from 'drizzle-orm';
import { DuplicateUserError, type NewUser, type StoredUser, type UserStore } from '../users/user-store.js';
import { once, sqlErrorMessage, type Database } from './database.js';
import { users } from './schema.js';
import { UserWrites } from './user-writes.js';

type UserRow = typeof users.$inferSelect;

/**
 * {@link UserStore} on the `users` table.
 *
 * Every write goes through {@link UserWrites.write}, which records the change notification in the
 * webhook outbox in the same transaction (`user.created`, `user.login`, …). The repository keeps
 * only a read-only view of the database, so a new write method cannot bypass the outbox: it has
 * to call `this.writes.write({ userId, at, statement: (db) => db.update(users)…, event })`.
 */
export class UserRepository implements UserStore {
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

  async insert(user: NewUser): Promise<void> {
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
      });
    } catch (error) {
      const message = sqlErrorMessage(error);
      if (message.includes('UNIQUE constraint failed')) {
        if (message.includes('users.email')) throw new DuplicateUserError('email');
        if (message.includes('users.username')) throw new DuplicateUserError('username');
        if (message.includes('users.customer_id')) throw new DuplicateUserError('customer_id');
        if (message.includes('users.external_id')) throw new DuplicateUserError('external_id');
      }
      throw error;
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

  /**
   * The transparent re-hash at sign-in (stronger cost or format). Sends no notification: nothing a
   * receiver can see changed (the User resource carries no hash), and the sign-in that caused it
   * already sends `user.login`. A password the user chose (reset, change) is a different write.
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
function parseAttributes(json: string): Record<string, string> {
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

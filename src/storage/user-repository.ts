import { and, asc, count, eq, or, sql } from 'drizzle-orm';
import { DuplicateUserError, type NewUser, type StoredUser, type UserStore } from '../users/user-store.js';
import { once, setPlaceholder, sqlErrorMessage, type Database } from './database.js';
import { users } from './schema.js';

type UserRow = typeof users.$inferSelect;

/** {@link UserStore} on the `users` table. */
export class UserRepository implements UserStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

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

  /** Built once (see `once`): it runs on every sign-in. */
  private readonly countLogin = once(() =>
    this.db
      .update(users)
      .set({ loginsCount: sql`${users.loginsCount} + 1`, loginTime: setPlaceholder('at') })
      .where(and(eq(users.tenant, this.tenant), eq(users.id, sql.placeholder('id'))))
      .prepare(),
  );

  async insert(user: NewUser): Promise<void> {
    try {
      await this.db.insert(users).values({
        tenant: this.tenant,
        id: user.id,
        email: user.email,
        username: user.username,
        passwordHash: user.passwordHash,
        ...user.profile,
        phone: user.phone,
        customerId: user.customerId,
        externalId: user.externalId,
        emailVerified: user.emailVerified,
        blocked: user.blocked,
        createTime: user.createTime,
        updateTime: user.createTime,
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
    // One statement: concurrent sign-ins cannot lose a count.
    await this.countLogin().run({ id, at });
  }

  async updatePasswordHash(id: string, hash: string, at: number): Promise<void> {
    await this.db
      .update(users)
      .set({ passwordHash: hash, updateTime: at })
      .where(and(eq(users.tenant, this.tenant), eq(users.id, id)));
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
    loginsCount: row.loginsCount,
    loginTime: row.loginTime,
    createTime: row.createTime,
    updateTime: row.updateTime,
  };
}

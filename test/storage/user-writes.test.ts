/** Every write of the user table and its outbox row: one transaction (better-sqlite3 here; D1 in user-writes-d1.test.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type NodeDatabase } from '../../src/entry/node/database.js';
import { sqlErrorMessage } from '../../src/storage/database.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { users } from '../../src/storage/schema.js';
import { UserWrites } from '../../src/storage/user-writes.js';
import { and, eq } from 'drizzle-orm';
import { DuplicateUserError } from '../../src/users/user-store.js';
import { newUser } from '../helpers/users.js';


/** The driver's reason, looking through Drizzle's "Failed query" wrapper. */
const failedWith = (pattern: RegExp) => (error: unknown) => pattern.test(sqlErrorMessage(error));

interface EventRow {
  id: string;
  user_id: string;
  sequence: number;
  type: string;
  occurred_at: number;
  data: string;
}

describe('user writes and the webhook outbox', () => {
  let database: NodeDatabase;
  let repo: UserRepository;
  const events = () => database.db.all<EventRow>(sql`select * from webhook_events order by user_id, sequence`) as unknown as EventRow[];
  const userRows = () => database.db.all<{ id: string; logins_count: number }>(sql`select id, logins_count from users`) as unknown as Array<{ id: string; logins_count: number }>;

  beforeEach(() => {
    database = openDatabase(':memory:');
    repo = new UserRepository(database.db, 'default');
  });
  afterEach(() => database.close());

  it('insert writes user.created with a snapshot of the row and no secret', async () => {
    await repo.insert(newUser('u1'));
    const [event] = events();
    expect(event).toMatchObject({ user_id: 'u1', sequence: 1, type: 'user.created', occurred_at: 1_700_000_000_000 });
    expect(event!.id).toMatch(/^evt_[A-Za-z0-9_-]{20,}$/);
    const data = JSON.parse(event!.data);
    expect(data).toMatchObject({ id: 'u1', email: 'u1@example.com', fullname: 'Ada Lovelace', customer_id: 'cust-u1', email_verified: 0, blocked: 0, logins_count: 0, attributes: {} });
    expect(event!.data).not.toContain('secret-hash');
    expect(Object.keys(data)).not.toContain('password_hash');
  });

  it('recordLogin writes user.login with the counted login, in per-user sequence', async () => {
    await repo.insert(newUser('u1'));
    await repo.insert(newUser('u2'));
    await repo.recordLogin('u1', 1_700_000_001_000);
    await repo.recordLogin('u1', 1_700_000_002_000);
    await repo.recordLogin('u2', 1_700_000_003_000);
    const rows = events();
    expect(rows.map((e) => [e.user_id, e.sequence, e.type])).toEqual([
      ['u1', 1, 'user.created'],
      ['u1', 2, 'user.login'],
      ['u1', 3, 'user.login'],
      ['u2', 1, 'user.created'],
      ['u2', 2, 'user.login'],
    ]);
    expect(JSON.parse(rows[2]!.data)).toMatchObject({ logins_count: 2, login_time: 1_700_000_002_000 });
    expect(new Set(rows.map((e) => e.id)).size).toBe(5);
  });

  it('a login for an unknown user changes nothing and writes no event', async () => {
    await repo.recordLogin('nobody', 1);
    expect(events()).toEqual([]);
  });

  it('the password-hash upgrade at sign-in writes no event (not a user-visible change)', async () => {
    await repo.insert(newUser('u1'));
    await repo.updatePasswordHash('u1', 'scrypt$stronger', 5);
    expect((await repo.findById('u1'))!.passwordHash).toBe('scrypt$stronger');
    expect(events().map((e) => e.type)).toEqual(['user.created']);
  });

  it('a failing user write leaves no event', async () => {
    await repo.insert(newUser('u1'));
    await expect(repo.insert(newUser('u2', { email: 'u1@example.com' }))).rejects.toBeInstanceOf(DuplicateUserError);
    expect(events().map((e) => e.user_id)).toEqual(['u1']);
    expect(userRows().map((u) => u.id)).toEqual(['u1']);
  });

  it('a failing event insert leaves no user change', async () => {
    await repo.insert(newUser('u1'));
    // A real failure of the outbox insert, inside the same transaction.
    database.db.run(sql`create trigger outbox_down before insert on webhook_events begin select raise(abort, 'outbox is down'); end`);
    await expect(repo.insert(newUser('u2'))).rejects.toSatisfy(failedWith(/outbox is down/));
    await expect(repo.recordLogin('u1', 9)).rejects.toSatisfy(failedWith(/outbox is down/));
    expect(userRows()).toEqual([{ id: 'u1', logins_count: 0 }]);
    expect(events()).toHaveLength(1);
  });

  it('an event id collision (failing event insert) rolls the login back too', async () => {
    let n = 0;
    const fixed = new UserRepository(database.db, 'default', { newEventId: () => (n++ < 2 ? 'evt_same' : `evt_${n}`) });
    await fixed.insert(newUser('u1'));
    await expect(fixed.recordLogin('u1', 9)).rejects.toSatisfy(failedWith(/UNIQUE constraint failed: webhook_events/));
    expect(userRows()).toEqual([{ id: 'u1', logins_count: 0 }]);
  });

  it('every users write in the repository goes through the outbox helper', () => {
    // The design rule, checked on the source: no INSERT/UPDATE/DELETE of `users` outside a
    // `statement: (db) => db…` handed to UserWrites.write (the repository holds no writable db).
    const source = readFileSync(join(import.meta.dirname, '../../src/storage/user-repository.ts'), 'utf8');
    const writes = source.match(/\.(insert|update|delete)\(users\)/g) ?? [];
    const routed = source.match(/statement: \(db\) =>\s*db\s*\.(insert|update|delete)\(users\)/g) ?? [];
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(routed.length).toBe(writes.length);
    expect(source).not.toMatch(/this\.db\s*\.(insert|update|delete)\b/);
  });

  it('user.deleted snapshots the row before the delete; a delete that matched nothing leaves no event', async () => {
    // The pattern the Users API's delete/update methods follow (see UserWrites).
    await repo.insert(newUser('u1'));
    const writes = new UserWrites(database.db, 'default');
    const remove = (id: string) =>
      writes.write({ userId: id, at: 7, event: 'user.deleted', statement: (db) => db.delete(users).where(and(eq(users.tenant, 'default'), eq(users.id, id))) });
    expect(await remove('u1')).toBe(1);
    expect(await remove('u1')).toBe(0);
    expect(await remove('ghost')).toBe(0);
    const rows = events();
    expect(rows.map((e) => [e.type, e.sequence])).toEqual([
      ['user.created', 1],
      ['user.deleted', 2],
    ]);
    expect(JSON.parse(rows[1]!.data)).toMatchObject({ id: 'u1', email: 'u1@example.com' });
    expect(userRows()).toEqual([]);
  });

  it('a conditional update that matched nothing (stale ETag) writes no event', async () => {
    await repo.insert(newUser('u1'));
    const writes = new UserWrites(database.db, 'default');
    const block = (updateTime: number) =>
      writes.write({
        userId: 'u1',
        at: 8,
        event: 'user.blocked',
        statement: (db) => db.update(users).set({ blocked: true, updateTime: 8 }).where(and(eq(users.tenant, 'default'), eq(users.id, 'u1'), eq(users.updateTime, updateTime))),
      });
    expect(await block(123)).toBe(0);
    expect(await block(1_700_000_000_000)).toBe(1);
    const rows = events();
    expect(rows.map((e) => e.type)).toEqual(['user.created', 'user.blocked']);
    expect(JSON.parse(rows[1]!.data)).toMatchObject({ blocked: 1, update_time: 8 });
  });
});

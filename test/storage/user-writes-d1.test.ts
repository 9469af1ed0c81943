/** The same outbox guarantees on D1 (a real local D1 in Miniflare): `atomicWrite` as one `db.batch`. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/storage/database.js';
import * as schema from '../../src/storage/schema.js';
import { sqlErrorMessage } from '../../src/storage/database.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { DuplicateUserError } from '../../src/users/user-store.js';
import { newUser } from '../helpers/users.js';

const migrations = join(import.meta.dirname, '..', '..', 'drizzle');

describe('user writes and the webhook outbox on D1', () => {
  let mf: Miniflare;
  let db: Database;
  const events = async () => (await db.all(sql`select user_id, sequence, type from webhook_events order by user_id, sequence`)) as Array<Record<string, unknown>>;
  const logins = async () => (await db.all(sql`select id, logins_count from users order by id`)) as Array<Record<string, unknown>>;

  beforeAll(async () => {
    mf = new Miniflare({ modules: true, script: 'export default { fetch() { return new Response("") } }', d1Databases: ['DB'] });
    const d1 = await mf.getD1Database('DB');
    for (const file of readdirSync(migrations).filter((f) => f.endsWith('.sql')).sort()) {
      for (const statement of readFileSync(join(migrations, file), 'utf8').split('--> statement-breakpoint')) {
        if (statement.trim()) await d1.prepare(statement).run();
      }
    }
    db = drizzle(d1 as never, { schema }) as unknown as Database;
  }, 60_000);
  afterAll(() => mf?.dispose());

  it('writes each change with its event, in per-user order; failures on either side leave neither', async () => {
    const repo = new UserRepository(db, 'default');
    await repo.insert(newUser('u1'));
    await repo.recordLogin('u1', 2);
    await repo.recordLogin('nobody', 3);
    await repo.updatePasswordHash('u1', 'scrypt$new', 4);
    expect(await events()).toEqual([
      { user_id: 'u1', sequence: 1, type: 'user.created' },
      { user_id: 'u1', sequence: 2, type: 'user.login' },
    ]);

    await expect(repo.insert(newUser('u2', { email: 'u1@example.com' }))).rejects.toBeInstanceOf(DuplicateUserError);
    expect(await events()).toHaveLength(2);

    await db.run(sql`create trigger outbox_down before insert on webhook_events begin select raise(abort, 'outbox is down'); end`);
    await expect(repo.recordLogin('u1', 5)).rejects.toSatisfy((e: unknown) => /outbox is down/.test(sqlErrorMessage(e)));
    await expect(repo.insert(newUser('u3'))).rejects.toSatisfy((e: unknown) => /outbox is down/.test(sqlErrorMessage(e)));
    expect(await logins()).toEqual([{ id: 'u1', logins_count: 1 }]);
    await db.run(sql`drop trigger outbox_down`);
  });

  it('two events of one change, the audit row alongside, and a stale version writing nothing, in one batch', async () => {
    const repo = new UserRepository(db, 'default');
    await repo.insert(newUser('d1'));
    const audit = { at: 10, actor: 'admin', operation: 'user.block', userId: 'd1', fields: ['blocked'] };
    expect(await repo.setBlocked('d1', true, 10, { ifUpdateTime: 1 }, audit)).toBe('conflict');
    expect(await repo.setBlocked('d1', true, 10, {}, audit)).toBe('updated');
    await repo.confirmEmail('d1', 'moved@example.com', 11);
    expect(await db.all(sql`select sequence, type from webhook_events where user_id = 'd1' order by sequence`)).toEqual([
      { sequence: 1, type: 'user.created' },
      { sequence: 2, type: 'user.blocked' },
      { sequence: 3, type: 'user.updated' },
      { sequence: 4, type: 'user.email_verified' },
    ]);
    expect(await db.all(sql`select operation, user_id from audit_log`)).toEqual([{ operation: 'user.block', user_id: 'd1' }]);
  });
});

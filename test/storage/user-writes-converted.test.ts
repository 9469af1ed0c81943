/**
 * The users writes main gained (Users API, profile completion, email confirmation, password
 * reset), converted to UserWrites: each emits its event with the change, a write that changed
 * nothing (stale If-Match, unknown id) emits none, and the Users API's audit row is written in
 * the same transaction (or not at all).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/api/ports.js';
import { toUserResource } from '../../src/api/user-resource.js';
import { snapshotResource } from '../../src/api/webhooks/snapshot.js';
import { openDatabase, type NodeDatabase } from '../../src/entry/node/database.js';
import { sqlErrorMessage } from '../../src/storage/database.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { DuplicateUserError } from '../../src/users/user-store.js';
import { newUser } from '../helpers/users.js';

interface EventRow {
  user_id: string;
  sequence: number;
  type: string;
  occurred_at: number;
  data: string;
}

const T0 = 1_700_000_000_000;

describe('converted users writes emit their events', () => {
  let database: NodeDatabase;
  let repo: UserRepository;
  const events = () =>
    (database.db.all(sql`select user_id, sequence, type, occurred_at, data from webhook_events order by user_id, sequence`) as unknown as EventRow[]).filter(
      (e) => e.type !== 'user.created',
    );
  const types = () => events().map((e) => e.type);
  const audit = () => database.db.all<{ operation: string; user_id: string; fields: string }>(sql`select operation, user_id, fields from audit_log order by seq`) as unknown as Array<{ operation: string; user_id: string; fields: string }>;
  const entry = (operation: string, fields: string[] = []): AuditEntry => ({ at: T0 + 5, actor: 'token:t1', operation, userId: 'u1', fields });

  beforeEach(async () => {
    database = openDatabase(':memory:');
    repo = new UserRepository(database.db, 'default');
    await repo.insert(newUser('u1'));
  });
  afterEach(() => database.close());

  it('Users API update: user.updated with the audit row; a stale If-Match writes neither', async () => {
    expect(await repo.update('u1', { phone: '+4930123456' }, T0 + 5, { ifUpdateTime: T0 - 1 }, entry('user.update', ['phone']))).toBe('conflict');
    expect(await repo.update('ghost', { phone: '+4930123456' }, T0 + 5, {}, entry('user.update'))).toBe('not_found');
    expect(types()).toEqual([]);
    expect(audit()).toEqual([]);
    expect(await repo.update('u1', { phone: '+4930123456' }, T0 + 5, { ifUpdateTime: T0 }, entry('user.update', ['phone']))).toBe('updated');
    expect(types()).toEqual(['user.updated']);
    expect(JSON.parse(events()[0]!.data)).toMatchObject({ phone: '+4930123456', update_time: T0 + 5 });
    expect(audit()).toEqual([{ operation: 'user.update', user_id: 'u1', fields: '["phone"]' }]);
    // update_time moves strictly forward even when the clock did not (same millisecond).
    expect(await repo.update('u1', { phone: '+4930999999' }, T0 + 5, { ifUpdateTime: T0 + 5 })).toBe('updated');
    expect((await repo.findById('u1'))!.updateTime).toBe(T0 + 6);
  });

  it('Users API update: verifying the address is user.email_verified; with other fields also user.updated', async () => {
    await repo.update('u1', { emailVerified: true }, T0 + 1);
    expect(types()).toEqual(['user.email_verified']);
    await repo.update('u1', { email: 'new@example.com', emailVerified: false }, T0 + 2);
    await repo.update('u1', { username: 'ada', emailVerified: true }, T0 + 3);
    expect(events().map((e) => [e.sequence, e.type])).toEqual([
      [2, 'user.email_verified'],
      [3, 'user.updated'],
      [4, 'user.updated'],
      [5, 'user.email_verified'],
    ]);
  });

  it('Users API update: a duplicate email fails as DuplicateUserError and writes nothing', async () => {
    await repo.insert(newUser('u2'));
    await expect(repo.update('u1', { email: 'u2@example.com' }, T0 + 1, {}, entry('user.update'))).rejects.toBeInstanceOf(DuplicateUserError);
    expect(types()).toEqual([]);
    expect(audit()).toEqual([]);
  });

  it('delete: user.deleted (the user as it was) with the audit row; a stale version deletes nothing', async () => {
    expect(await repo.delete('u1', T0 + 7, { ifUpdateTime: 1 }, entry('user.delete'))).toBe('conflict');
    expect(types()).toEqual([]);
    expect(audit()).toEqual([]);
    expect(await repo.delete('u1', T0 + 7, { ifUpdateTime: T0 }, entry('user.delete'))).toBe('updated');
    const [deleted] = events();
    expect(deleted).toMatchObject({ type: 'user.deleted', occurred_at: T0 + 7 });
    expect(JSON.parse(deleted!.data)).toMatchObject({ id: 'u1', email: 'u1@example.com' });
    expect(audit()).toEqual([{ operation: 'user.delete', user_id: 'u1', fields: '[]' }]);
    expect(await repo.delete('u1', T0 + 8, {}, entry('user.delete'))).toBe('not_found');
    expect(types()).toEqual(['user.deleted']);
    expect(audit()).toHaveLength(1);
  });

  it('block and unblock: user.blocked both ways; mark verified: user.email_verified; stale versions: none', async () => {
    expect(await repo.setBlocked('u1', true, T0 + 1, { ifUpdateTime: 3 }, entry('user.block'))).toBe('conflict');
    expect(await repo.markEmailVerified('u1', T0 + 1, { ifUpdateTime: 3 }, entry('user.mark_email_verified'))).toBe('conflict');
    expect(types()).toEqual([]);
    expect(await repo.setBlocked('u1', true, T0 + 1, { ifUpdateTime: T0 }, entry('user.block', ['blocked']))).toBe('updated');
    expect(await repo.setBlocked('u1', false, T0 + 2, {}, entry('user.unblock', ['blocked']))).toBe('updated');
    expect(await repo.markEmailVerified('u1', T0 + 3, {}, entry('user.mark_email_verified', ['email_verified']))).toBe('updated');
    const rows = events();
    expect(rows.map((e) => e.type)).toEqual(['user.blocked', 'user.blocked', 'user.email_verified']);
    expect(rows.map((e) => JSON.parse(e.data).blocked)).toEqual([1, 0, 0]);
    expect(audit().map((a) => a.operation)).toEqual(['user.block', 'user.unblock', 'user.mark_email_verified']);
  });

  it('a failing audit insert undoes the change and its event', async () => {
    database.db.run(sql`create trigger audit_down before insert on audit_log begin select raise(abort, 'audit is down'); end`);
    await expect(repo.setBlocked('u1', true, T0 + 1, {}, entry('user.block'))).rejects.toSatisfy((e: unknown) => /audit is down/.test(sqlErrorMessage(e)));
    expect((await repo.findById('u1'))!.blocked).toBe(false);
    expect(types()).toEqual([]);
  });

  it('profile completion (json_patch merge): user.updated; an unknown user: none', async () => {
    expect(await repo.saveProfile('u1', { standard: { nickname: 'ada' }, custom: { team: 'blue' }, offered: ['team'] }, T0 + 1)).toBe(true);
    expect(await repo.saveProfile('ghost', { standard: {}, custom: {}, offered: [] }, T0 + 1)).toBe(false);
    const [event] = events();
    expect(event!.type).toBe('user.updated');
    expect(JSON.parse(event!.data)).toMatchObject({ nickname: 'ada', attributes: { team: 'blue', $offered: 'team' } });
  });

  it('email confirmation: same address → user.email_verified, once; a new address → user.updated and user.email_verified', async () => {
    await repo.confirmEmail('u1', 'u1@example.com', T0 + 1);
    await repo.confirmEmail('u1', 'u1@example.com', T0 + 2); // already verified: nothing changes
    expect(types()).toEqual(['user.email_verified']);
    expect((await repo.findById('u1'))!.updateTime).toBe(T0 + 1);
    await repo.confirmEmail('u1', 'changed@example.com', T0 + 3);
    const rows = events();
    expect(rows.map((e) => [e.sequence, e.type])).toEqual([
      [2, 'user.email_verified'],
      [3, 'user.updated'],
      [4, 'user.email_verified'],
    ]);
    expect(JSON.parse(rows[1]!.data)).toMatchObject({ email: 'changed@example.com', email_verified: 1 });
    expect(rows[2]!.data).toBe(rows[1]!.data);
    await repo.insert(newUser('u2'));
    await expect(repo.confirmEmail('u2', 'changed@example.com', T0 + 4)).rejects.toBeInstanceOf(DuplicateUserError);
    expect(events().filter((e) => e.user_id === 'u2')).toEqual([]);
  });

  it("password reset's write is user.updated; the re-hash at sign-in stays silent", async () => {
    await repo.updatePasswordHash('u1', 'scrypt$rehash', T0 + 1);
    expect(types()).toEqual([]);
    await repo.setPassword('u1', 'scrypt$chosen', T0 + 2);
    expect(types()).toEqual(['user.updated']);
    expect(events()[0]!.data).not.toContain('scrypt$');
    expect((await repo.findById('u1'))!.passwordHash).toBe('scrypt$chosen');
    await repo.setPassword('ghost', 'scrypt$x', T0 + 3);
    expect(types()).toEqual(['user.updated']);
  });

  it('the webhook payload is the Users API User resource of the row', async () => {
    await repo.update('u1', { attributes: { team: 'blue' }, profile: { country: 'GB' } }, T0 + 1);
    await repo.recordLogin('u1', T0 + 2);
    const snapshot = JSON.parse(events().at(-1)!.data) as Record<string, unknown>;
    const stored = (await repo.findById('u1'))!;
    expect(snapshotResource('default', snapshot)).toEqual(toUserResource(stored, 'default', true));
    await repo.insert(newUser('u3', { passwordHash: null })); // an invited, password-less account
    await repo.setBlocked('u3', true, T0 + 3);
    expect(snapshotResource('default', JSON.parse(events().at(-1)!.data))).toMatchObject({ id: 'u3', has_password: false, blocked: true });
    expect(snapshotResource('default', {})).toBeNull();
  });

  it('no code writes the users table outside UserWrites (whole src/)', () => {
    const root = join(import.meta.dirname, '../../src');
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
      });
    const offenders: string[] = [];
    for (const path of files(root)) {
      const file = relative(root, path);
      // Code only: the one write helper documents the pattern in its comments.
      const code = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      const writes = code.match(/\.(insert|update|delete)\(users\)/g) ?? [];
      if (writes.length === 0) continue;
      const routed = code.match(/statement: \(db\) =>\s*db\s*\.(insert|update|delete)\(users\)/g) ?? [];
      if (file !== 'storage/user-repository.ts' || routed.length !== writes.length) offenders.push(`${file}: ${writes.length - routed.length} unrouted`);
    }
    expect(offenders).toEqual([]);
  });
});

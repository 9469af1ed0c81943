/** The importer end to end on a real (in-memory) SQLite database with the migrated schema. */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type NodeDatabase } from '../../../../src/entry/node/database.js';
import { DryRunStore, importUserIds, nodeHashIdentify, sqliteImportStore, transientJob } from '../../../../src/entry/node/import/file-import.js';
import { iterateUsers } from '../../../../src/entry/node/import/sqlite-import-store.js';
import { exportRecord } from '../../../../src/import/export.js';
import { runImport } from '../../../../src/import/importer.js';
import type { ImportFormat, ImportOptions } from '../../../../src/import/ports.js';
import type { RowError } from '../../../../src/import/row.js';

const BCRYPT = '$2b$10$ud8BKHi0zjwQ5mCtGQtZMO95GIVVqkip1tYa15TesU5K/I7prTYzm';
let database: NodeDatabase;
afterEach(() => database?.close());

function setup() {
  database = openDatabase(':memory:');
  const events: [string, string][] = [];
  const store = sqliteImportStore(database.sqlite, 'default', { recordEvent: (type, id) => events.push([type, id]) });
  return { store, events };
}

async function importText(
  store: ReturnType<typeof setup>['store'],
  text: string,
  format: ImportFormat,
  options: Partial<ImportOptions> = {},
  extra: { batchSize?: number } = {},
) {
  const bytes = Buffer.from(text);
  const job = store.createJob({
    id: `imp_${Math.random().toString(36).slice(2)}`,
    origin: 'cli',
    source: '/test',
    fingerprint: 'f',
    format,
    options: { match: 'email', onConflict: 'fail', events: true, ...options },
    totalBytes: bytes.length,
  });
  const counts = await runImport({
    job,
    source: Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]),
    store,
    identifyHash: nodeHashIdentify(),
    hashPassword: async (p) => `$scrypt$fake-for-${p.length}`,
    batchSize: extra.batchSize,
  });
  return { job, counts, errors: [...store.errors(job.id)] };
}

const users = () => [...iterateUsers(database.sqlite, 'default')];

describe('import into SQLite', () => {
  it('a 10,000-row file with 1 % bad rows lands 9,900 and reports the 100 with line, field and reason', async () => {
    const { store } = setup();
    const lines = ['email,fullname,password_hash,country,attributes.plan'];
    const bad: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const line = i + 2;
      if (i % 100 === 37) {
        bad.push(line);
        // Four kinds of bad row: bad email, bad country, unknown hash format, wrong field count.
        const kind = bad.length % 4;
        if (kind === 0) lines.push(`not-an-email,User ${i},${BCRYPT},DE,pro`);
        else if (kind === 1) lines.push(`u${i}@example.org,User ${i},${BCRYPT},Germany,pro`);
        else if (kind === 2) lines.push(`u${i}@example.org,User ${i},plaintext-not-a-hash,DE,pro`);
        else lines.push(`u${i}@example.org,User ${i}`);
      } else lines.push(`u${i}@example.org,"User ${i}, ""Jr.""",${BCRYPT},DE,${i % 2 ? 'pro' : 'free'}`);
    }
    const { counts, errors } = await importText(store, `${lines.join('\r\n')}\r\n`, 'csv', {}, { batchSize: 1000 });
    expect(counts).toEqual({ inserted: 9900, updated: 0, skipped: 0, rejected: 100 });
    expect(users()).toHaveLength(9900);
    expect(errors.map((e) => e.line)).toEqual(bad);
    const byKind = (field: string) => errors.filter((e) => e.field === field);
    expect(byKind('email')[0]).toMatchObject({ reason: expect.stringMatching(/email/i) });
    expect(byKind('country')[0]).toMatchObject({ reason: 'must be an ISO 3166-1 alpha-2 code' });
    expect(byKind('password_hash')[0]).toMatchObject({ reason: 'not a password hash format idbridge can verify' });
    expect(byKind('row')[0]).toMatchObject({ reason: 'has 2 fields, the header has 5' });
    const sample = users().find((u) => u.email === 'u1@example.org')!;
    expect(sample).toMatchObject({ passwordHash: BCRYPT, profile: { fullname: 'User 1, "Jr."', country: 'DE' }, attributes: { plan: 'pro' } });
  });

  it('JSONL: bad lines are reported, blank lines ignored, the rest lands', async () => {
    const { store } = setup();
    const text = [
      '{"email":"a@x.org","email_verified":true,"attributes":{"tier":"gold"}}',
      '',
      '{"email":"b@x.org",',
      '[1,2]',
      '{"email":"c@x.org","shoe_size":44}',
      '{"email":"d@x.org","email_verified":"yes"}',
      '{"email":"e@x.org","password":"short"}',
      '{"email":"f@x.org","password":"long enough password","password_hash":"' + BCRYPT + '"}',
      '{"email":"g@x.org","password":"long enough password"}',
      '{"email":"h@x.org","password_hash":"$2b$31$ud8BKHi0zjwQ5mCtGQtZMO95GIVVqkip1tYa15TesU5K/I7prTYzm"}',
    ].join('\n');
    const { counts, errors } = await importText(store, text, 'jsonl');
    expect(counts.inserted).toBe(2);
    expect(errors).toEqual<RowError[]>([
      { line: 3, field: 'row', reason: 'not valid JSON' },
      { line: 4, field: 'row', reason: 'must be a JSON object' },
      { line: 5, field: 'shoe_size', reason: 'unknown field' },
      { line: 6, field: 'email_verified', reason: expect.stringMatching(/boolean/) },
      { line: 7, field: 'password', reason: 'must be at least 8 characters' },
      { line: 8, field: 'password', reason: 'give password or password_hash, not both' },
      { line: 10, field: 'password_hash', reason: 'bcrypt hash with a cost over the limits' },
    ]);
    const a = users().find((u) => u.email === 'a@x.org');
    const g = users().find((u) => u.email === 'g@x.org');
    expect(a).toMatchObject({ email: 'a@x.org', emailVerified: true, attributes: { tier: 'gold' }, passwordHash: null });
    expect(g).toMatchObject({ email: 'g@x.org', passwordHash: '$scrypt$fake-for-20' });
  });

  it('on-conflict: fail rejects the row, skip leaves the user, update overwrites it (keeping its password)', async () => {
    const { store, events } = setup();
    await importText(store, `email,fullname,password_hash,username\na@x.org,Ann,${BCRYPT},ann\nb@x.org,Bob,,bob\n`, 'csv');
    const ann = users().find((u) => u.email === 'a@x.org');
    const again = 'email,fullname,username\na@x.org,Ann Smith,ann\nc@x.org,Cy,bob\n';

    const failed = await importText(store, again, 'csv', { onConflict: 'fail' });
    expect(failed.counts).toEqual({ inserted: 0, updated: 0, skipped: 0, rejected: 2 });
    expect(failed.errors).toEqual([
      { line: 2, field: 'email', reason: 'a user with this email already exists' },
      { line: 3, field: 'username', reason: 'already taken by another user' },
    ]);

    const skipped = await importText(store, again, 'csv', { onConflict: 'skip' });
    expect(skipped.counts).toMatchObject({ skipped: 1, rejected: 1 });
    expect(users().find((u) => u.email === 'a@x.org')!.profile.fullname).toBe('Ann');

    events.length = 0;
    const updated = await importText(store, again, 'csv', { onConflict: 'update' });
    expect(updated.counts).toMatchObject({ updated: 1, rejected: 1 });
    const after = users().find((u) => u.email === 'a@x.org')!;
    expect(after).toMatchObject({ id: ann!.id, passwordHash: BCRYPT, profile: { fullname: 'Ann Smith' } });
    expect(events).toEqual([['user.updated', ann!.id]]);
  });

  it('--match external_id: finds users by external id (the email may change), needs one on every row', async () => {
    const { store } = setup();
    await importText(store, 'email,external_id\na@x.org,crm-1\n', 'csv', { match: 'external_id' });
    const { counts, errors } = await importText(store, 'email,external_id\nnew@x.org,crm-1\nb@x.org,\n', 'csv', { match: 'external_id', onConflict: 'update' });
    expect(counts).toMatchObject({ updated: 1, rejected: 1 });
    expect(errors).toEqual([{ line: 3, field: 'external_id', reason: 'required when matching by external id' }]);
    expect(users().map((u) => u.email)).toEqual(['new@x.org']);
  });

  it('emits user.created per inserted row, in the batch transaction, unless events are off', async () => {
    const { store, events } = setup();
    await importText(store, 'email\na@x.org\nb@x.org\n', 'csv');
    expect(events.map((e) => e[0])).toEqual(['user.created', 'user.created']);
    await importText(store, 'email\nc@x.org\n', 'csv', { events: false });
    expect(events).toHaveLength(2);
  });

  it('a dry run validates and checks conflicts but writes nothing', async () => {
    const { store } = setup();
    await importText(store, 'email,username\na@x.org,ann\n', 'csv');
    const before = database.sqlite.prepare('SELECT count(*) FROM users').pluck().get();
    const jobsBefore = database.sqlite.prepare('SELECT count(*) FROM import_jobs').pluck().get();
    const reported: RowError[] = [];
    const dry = new DryRunStore(database.sqlite, 'default', (e) => reported.push(...e));
    const text = 'email,username,country\na@x.org,,\nb@x.org,ann,\nc@x.org,,XYZ\nd@x.org,,\n';
    const job = transientJob({ source: '/t', format: 'csv', options: { match: 'email', onConflict: 'fail', events: false }, totalBytes: text.length, fingerprint: 'f' });
    const counts = await runImport({ job, source: Readable.from([Buffer.from(text)]), store: dry, identifyHash: nodeHashIdentify(), hashPassword: async () => '' });
    expect(counts).toEqual({ inserted: 1, updated: 0, skipped: 0, rejected: 3 });
    expect(reported.map((e) => [e.line, e.field])).toEqual([[4, 'country'], [2, 'email'], [3, 'username']]);
    expect(database.sqlite.prepare('SELECT count(*) FROM users').pluck().get()).toBe(before);
    expect(database.sqlite.prepare('SELECT count(*) FROM import_jobs').pluck().get()).toBe(jobsBefore);
    expect(database.sqlite.prepare('SELECT count(*) FROM import_errors').pluck().get()).toBe(0);
  });

  it('export → import round trip: the same users, ids and hashes in a fresh database', async () => {
    const { store } = setup();
    await importText(
      store,
      [
        JSON.stringify({ email: 'a@x.org', username: 'ann', password_hash: BCRYPT, fullname: 'Ann "A" Smith', dob: '1990-02-03', gender: 'F', country: 'de', language: 'de-DE', timezone: 'Europe/Berlin', phone: '+49 (30) 1234', customer: 'C1', external_id: 'E1', email_verified: true, attributes: { tier: 'gold' } }),
        JSON.stringify({ email: 'b@x.org', blocked: true }),
      ].join('\n'),
      'jsonl',
    );
    const original = users();
    const exported = original.map((u) => JSON.stringify(exportRecord(u, { withHashes: true }))).join('\n');
    database.close();
    const second = setup();
    const { counts } = await importText(second.store, exported, 'jsonl');
    expect(counts.inserted).toBe(2);
    const copy = users();
    const strip = (u: (typeof copy)[number]) => ({ ...u, updateTime: 0 });
    expect(copy.map(strip)).toEqual(original.map(strip));
    expect(original.map((u) => exportRecord(u, { withHashes: false })).every((r) => !('password_hash' in r))).toBe(true);
  });

  it('import ids grow with time and are distinct', () => {
    let now = 1_700_000_000_000;
    const next = importUserIds(() => now++);
    const ids = Array.from({ length: 5000 }, next);
    expect(new Set(ids).size).toBe(5000);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^u_[A-Za-z0-9_-]{24}$/);
  });
});

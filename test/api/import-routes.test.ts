/** The import API: upload, follow the job, page through its error report; 501 without a runner. */
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { openDatabase } from '../../src/entry/node/database.js';
import { NodeImportJobs } from '../../src/entry/node/import/import-jobs.js';
import { nodeHashPrimitives } from '../../src/entry/node/hash-primitives.js';
import { nodeScrypt } from '../../src/entry/node/scrypt.js';
import { memoryLogger } from '../../src/log.js';
import { testConfig } from '../helpers/config.js';

const TOKEN = 'admin-token-admin-token-admin-token-0123';
const BCRYPT = '$2b$10$ud8BKHi0zjwQ5mCtGQtZMO95GIVVqkip1tYa15TesU5K/I7prTYzm';
const database = openDatabase(':memory:');
afterAll(() => database.close());
const config = testConfig({ IDBRIDGE_ADMIN_TOKEN: TOKEN });
const logger = memoryLogger();
const jobs = new NodeImportJobs({ sqlite: database.sqlite, tenant: config.tenant, databasePath: ':memory:', hashPassword: async () => '$scrypt$x', logger });
const deps = { config, db: database.db, scrypt: nodeScrypt, hashPrimitives: nodeHashPrimitives, logger, fetch: async () => Promise.reject(new Error('no network')) };
const { app } = await createApp({ ...deps, importJobs: jobs });
const auth = { authorization: `Bearer ${TOKEN}` };

describe('POST /api/v1/users/imports', () => {
  it('takes a file larger than the app-wide body limit, imports it in the background, reports its rejected rows by page', async () => {
    const rows = ['email,fullname,password_hash'];
    for (let i = 0; i < 3000; i++) rows.push(i % 500 === 7 ? `bad-${i},X,` : `api${i}@example.org,User ${i} with a longer name,${BCRYPT}`);
    const body = `${rows.join('\n')}\n`;
    expect(body.length).toBeGreaterThan(64 * 1024);
    const res = await app.request('/api/v1/users/imports?on_conflict=skip', { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body });
    expect(res.status).toBe(202);
    const started = (await res.json()) as { id: string; state: string; format: string };
    expect(started).toMatchObject({ state: 'queued', format: 'csv', options: { match: 'email', on_conflict: 'skip', events: true } });
    expect(res.headers.get('location')).toBe(`/api/v1/users/imports/${started.id}`);
    await jobs.idle();

    const status = await (await app.request(`/api/v1/users/imports/${started.id}`, { headers: auth })).json();
    expect(status).toMatchObject({ state: 'completed', inserted: 2994, rejected: 6, done_bytes: body.length, total_bytes: body.length });
    const page1 = (await (await app.request(`/api/v1/users/imports/${started.id}/errors?limit=4`, { headers: auth })).json()) as { errors: { line: number }[]; next_after_line: number };
    expect(page1.errors.map((e) => e.line)).toEqual([9, 509, 1009, 1509]);
    expect(page1.errors[0]).toEqual({ line: 9, field: 'email', reason: 'Invalid email address' });
    const page2 = (await (await app.request(`/api/v1/users/imports/${started.id}/errors?limit=4&after_line=${page1.next_after_line}`, { headers: auth })).json()) as { errors: { line: number }[]; next_after_line: number | null };
    expect(page2.errors.map((e) => e.line)).toEqual([2009, 2509]);
    expect(page2.next_after_line).toBeNull();
  });

  it('JSONL by content type; a bad header fails the job with a reason', async () => {
    const ok = await app.request('/api/v1/users/imports', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: '{"email":"j@example.org"}\n' });
    const bad = await app.request('/api/v1/users/imports?format=csv', { method: 'POST', headers: auth, body: 'mail,name\nx@example.org,X\n' });
    await jobs.idle();
    const okJob = await (await app.request(res(ok), { headers: auth })).json();
    const badJob = await (await app.request(res(bad), { headers: auth })).json();
    expect(okJob).toMatchObject({ format: 'jsonl', state: 'completed', inserted: 1 });
    expect(badJob).toMatchObject({ state: 'failed', error: expect.stringMatching(/^line 1 \(the header\): unknown column "mail"/) });
  });

  it('answers bad input and missing credentials with JSON errors', async () => {
    const noAuth = await app.request('/api/v1/users/imports', { method: 'POST', body: 'email\n' });
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toBe('Bearer');
    const badOption = await app.request('/api/v1/users/imports?on_conflict=merge', { method: 'POST', headers: auth, body: 'email\n' });
    expect(badOption.status).toBe(400);
    expect(await badOption.json()).toEqual({ error: 'invalid_request', error_description: 'on_conflict: must be skip, update, fail' });
    const empty = await app.request('/api/v1/users/imports', { method: 'POST', headers: auth, body: '' });
    expect(empty.status).toBe(400);
    expect((await app.request('/api/v1/users/imports/imp_nope', { headers: auth })).status).toBe(404);
    expect((await app.request('/api/v1/users/imports/imp_nope/errors?limit=0', { headers: auth })).status).toBe(400);
  });

  it('where no job runner exists (Workers), every route answers 501 after authentication', async () => {
    const other = openDatabase(':memory:');
    const { app: bare } = await createApp({ ...deps, db: other.db });
    const r = await bare.request('/api/v1/users/imports', { method: 'POST', headers: auth, body: 'email\n' });
    expect(r.status).toBe(501);
    expect(((await r.json()) as { error_description: string }).error_description).toMatch(/run only in the Node server/);
    expect((await bare.request('/api/v1/users/imports', { method: 'POST', body: 'email\n' })).status).toBe(401);
    other.close();
  });

  it('the rest of the app keeps its 64 KiB body limit', async () => {
    const r = await app.request('/admin/clients', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(70 * 1024) }) });
    expect(r.status).toBe(413);
  });
});

function res(r: Response): string {
  return r.headers.get('location')!;
}

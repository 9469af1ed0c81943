/**
 * Users imported with their old site's hash (bcrypt, argon2, PBKDF2, phpass, …) sign in to the
 * built-in directory, and their hash is replaced by idbridge's scrypt at that first sign-in.
 * Hashes from independent implementations (test/fixtures/hashes, generate.py).
 */
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app.js';
import { openDatabase } from '../../src/entry/node/database.js';
import { nodeHashPrimitives } from '../../src/entry/node/hash-primitives.js';
import { nodeHashIdentify, sqliteImportStore } from '../../src/entry/node/import/file-import.js';
import { nodeScrypt } from '../../src/entry/node/scrypt.js';
import { runImport } from '../../src/import/importer.js';
import { memoryLogger } from '../../src/log.js';
import { testConfig } from '../helpers/config.js';
import { fixture } from './hashes/known-answers.js';

const FORMATS = ['bcrypt', 'wordpress-bcrypt', 'argon2id', 'argon2i', 'django-argon2', 'django-pbkdf2-sha256', 'pbkdf2-sha512', 'phpass', 'sha512-crypt', 'aspnet-identity-v3', 'ldap-ssha256', 'scrypt', 'drupal7'];
const samples = FORMATS.map((format) => fixture.entries.find((e) => e.format === format && e.password === fixture.plain && !e.salt && !e.settings && !e.slow)!);

const database = openDatabase(':memory:');
afterAll(() => database.close());
const services = createServices({
  config: testConfig(),
  db: database.db,
  scrypt: nodeScrypt,
  hashPrimitives: nodeHashPrimitives,
  logger: memoryLogger(),
  fetch: async () => Promise.reject(new Error('no network')),
});

describe('built-in directory with imported hashes', () => {
  it('imports every sample (its format is recognised, within the cost limits)', async () => {
    const text = samples.map((s, i) => JSON.stringify({ email: `u${i}@example.org`, password_hash: s.hash })).join('\n');
    const store = sqliteImportStore(database.sqlite, services.config.tenant);
    const job = store.createJob({ id: 'imp_t', origin: 'cli', source: '/t', fingerprint: 'f', format: 'jsonl', options: { match: 'email', onConflict: 'fail', events: false }, totalBytes: text.length });
    const counts = await runImport({ job, source: Readable.from([Buffer.from(text)]), store, identifyHash: nodeHashIdentify(), hashPassword: (p) => services.hasher.hash(p) });
    expect([...store.errors(job.id)]).toEqual([]);
    expect(counts.inserted).toBe(samples.length);
  });

  it.each(samples.map((s, i) => [s.format, i] as const))('%s: the right password signs in and upgrades the hash to scrypt; a wrong one does not', async (_format, i) => {
    const email = `u${i}@example.org`;
    const before = (await services.userStore.findByLogin(email))!.passwordHash!;
    expect(await services.directory.authenticate(email, 'wrong password')).toEqual({ ok: false, reason: 'invalid_credentials' });
    expect((await services.userStore.findByLogin(email))!.passwordHash).toBe(before);

    const result = await services.directory.authenticate(email, fixture.plain);
    expect(result.ok).toBe(true);
    const after = (await services.userStore.findByLogin(email))!.passwordHash!;
    expect(after).toMatch(/^\$scrypt\$ln=\d+,r=\d+,p=\d+\$/);
    expect(services.hasher.needsRehash(after)).toBe(false);
    // Upgraded: from now on idbridge's own hash is checked.
    expect((await services.directory.authenticate(email, fixture.plain)).ok).toBe(true);
    expect((await services.userStore.findByLogin(email))!.passwordHash).toBe(after);
  });

  it('an unknown or over-limit stored hash never signs in (and does not throw)', async () => {
    await services.userStore.insert({ id: 'u_odd', email: 'odd@example.org', username: null, passwordHash: '$2b$31$ud8BKHi0zjwQ5mCtGQtZMO95GIVVqkip1tYa15TesU5K/I7prTYzm', profile: {}, phone: null, customerId: null, externalId: null, emailVerified: false, blocked: false, createTime: 1 });
    expect(await services.directory.authenticate('odd@example.org', fixture.plain)).toEqual({ ok: false, reason: 'invalid_credentials' });
  });
});

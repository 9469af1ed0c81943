/**
 * The deployment secret against a real SQLite database: the start-up check (check value, and the
 * sampled sealed values of a database older than the check) and `rewrap`; and that cookies and CSRF
 * tokens issued under the previous secret keep working during a rotation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app.js';
import { openDatabase, type NodeDatabase } from '../../src/entry/node/database.js';
import { nodeScrypt } from '../../src/entry/node/scrypt.js';
import { memoryLogger } from '../../src/log.js';
import { checkDeploymentSecret, rewrapSealedValues, SecretMismatchError } from '../../src/entry/secret-rotation.js';
import { SECRET_CHECK_SETTING } from '../../src/storage/sealed-value-repository.js';
import { SettingsRepository } from '../../src/storage/settings-repository.js';
import { Hono } from 'hono';
import { SealedCookies } from '../../src/http/cookies.js';
import { CsrfTokens } from '../../src/http/csrf.js';
import { utf8 } from '../../src/util/bytes.js';
import { deriveSecret } from '../../src/util/secret-box.js';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';

const OLD = 'old-secret-old-secret-old-secret-old-0123456789';
const NEW = 'new-secret-new-secret-new-secret-new-0123456789';
const THIRD = 'third-secret-third-secret-third-secret-0123456';

let database: NodeDatabase | undefined;
afterEach(() => database?.close());

/** Services on one shared database under the given secrets; creates the API key and signing keys. */
async function populate(db: NodeDatabase['db'], secret: string, previous?: string) {
  const config = testConfig({ IDBRIDGE_SECRET: secret, IDBRIDGE_SECRET_PREVIOUS: previous, IDBRIDGE_API_KEY: undefined });
  const services = createServices({ config, db, fetch: async () => new Response(), scrypt: nodeScrypt, logger: memoryLogger() });
  return { config, services, apiKey: await services.apiKeys.ensure(), jwks: await services.signingKeys.jwks() };
}

const cfg = (secret: string, previous?: string) => testConfig({ IDBRIDGE_SECRET: secret, IDBRIDGE_SECRET_PREVIOUS: previous });

describe('checkDeploymentSecret', () => {
  it('writes the check value on a new database, then accepts the same secret', async () => {
    database = openDatabase(':memory:');
    expect(await checkDeploymentSecret(cfg(OLD), database.db, 1)).toBe('created');
    expect(await new SettingsRepository(database.db, 'default').get(SECRET_CHECK_SETTING)).toMatch(/^v1\./);
    expect(await checkDeploymentSecret(cfg(OLD), database.db, 2)).toBe('current');
  });

  it('refuses another secret with one sentence that says what to do', async () => {
    database = openDatabase(':memory:');
    await checkDeploymentSecret(cfg(OLD), database.db, 1);
    const error = await checkDeploymentSecret(cfg(NEW), database.db, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretMismatchError);
    const [problem] = (error as SecretMismatchError).problems;
    expect(problem).toMatch(/^IDBRIDGE_SECRET: does not open the check value .*IDBRIDGE_SECRET_PREVIOUS .*`idbridge secret rewrap`/);
    expect(problem).not.toContain(NEW);
  });

  it('catches a changed secret on a database from before the check value, by its sealed values', async () => {
    database = openDatabase(':memory:');
    await populate(database.db, OLD); // API key and signing keys, no check value
    expect(await new SettingsRepository(database.db, 'default').get(SECRET_CHECK_SETTING)).toBeNull();
    await expect(checkDeploymentSecret(cfg(NEW), database.db, 2)).rejects.toBeInstanceOf(SecretMismatchError);
    expect(await new SettingsRepository(database.db, 'default').get(SECRET_CHECK_SETTING)).toBeNull();
    expect(await checkDeploymentSecret(cfg(OLD), database.db, 3)).toBe('created');
  });

  it('reports a rotation in progress while the previous secret still opens the check value', async () => {
    database = openDatabase(':memory:');
    await checkDeploymentSecret(cfg(OLD), database.db, 1);
    expect(await checkDeploymentSecret(cfg(NEW, OLD), database.db, 2)).toBe('previous');
  });
});

describe('rewrapSealedValues', () => {
  it('re-seals the API key, signing keys and associations under the new secret; the old one then fails', async () => {
    database = openDatabase(':memory:');
    const before = await populate(database.db, OLD);
    await before.services.associations.save({ handle: 'h1', type: 'HMAC-SHA256', secret: new Uint8Array(32).fill(7), expiresAt: 10 ** 13, private: false });
    await checkDeploymentSecret(before.config, database.db, 1);

    const report = await rewrapSealedValues(cfg(NEW, OLD), database.db, 2);
    expect(report).toEqual({ rewrapped: 4, current: 0, unreadable: [] }); // API key, ES256, RS256, association
    expect(await rewrapSealedValues(cfg(NEW, OLD), database.db, 3)).toEqual({ rewrapped: 0, current: 4, unreadable: [] });

    // The new secret alone now opens everything, with the same key material.
    expect(await checkDeploymentSecret(cfg(NEW), database.db, 4)).toBe('current');
    const after = await populate(database.db, NEW);
    expect(after.apiKey).toBe(before.apiKey);
    expect(after.jwks).toEqual(before.jwks);
    expect((await after.services.associations.find('h1'))!.secret).toEqual(new Uint8Array(32).fill(7));
    await expect(checkDeploymentSecret(cfg(OLD), database.db, 5)).rejects.toBeInstanceOf(SecretMismatchError);
  });

  it('leaves values that neither secret opens alone, names them, and keeps the check value', async () => {
    database = openDatabase(':memory:');
    await populate(database.db, THIRD);
    await checkDeploymentSecret(cfg(THIRD), database.db, 1);
    const report = await rewrapSealedValues(cfg(NEW, OLD), database.db, 2);
    expect(report.rewrapped).toBe(0);
    expect(report.unreadable).toEqual(expect.arrayContaining(['settings/aw_api_key', expect.stringMatching(/^signing_keys\/es256-/)]));
    expect(await checkDeploymentSecret(cfg(THIRD), database.db, 3)).toBe('current');
  });
});

describe('cookies and CSRF tokens during a rotation', () => {
  /** A tiny app that writes a sealed cookie under one set of passwords and reads it under another. */
  function cookieApp(write: SealedCookies, read: SealedCookies) {
    const app = new Hono();
    app.get('/write', async (c) => {
      await write.write(c, 'idb_test', { browser: 'b-1' }, 600);
      return c.text('ok');
    });
    app.get('/read', async (c) => c.json((await read.read<{ browser: string }>(c, 'idb_test', 600)) ?? null));
    return app;
  }

  it('unseals a cookie sealed under the previous secret, and seals new ones under the current one', async () => {
    // Separate instances (and clocks): nothing comes from one another's unseal cache.
    const old = new SealedCookies(await deriveSecret(OLD, 'cookie-seal'), false, new TestClock());
    const both = new SealedCookies([await deriveSecret(NEW, 'cookie-seal'), await deriveSecret(OLD, 'cookie-seal')], false, new TestClock());
    const onlyNew = new SealedCookies(await deriveSecret(NEW, 'cookie-seal'), false, new TestClock());
    const cookieFrom = async (app: Hono) => (await app.request('/write')).headers.get('set-cookie')!.split(';')[0]!;

    const sealedOld = await cookieFrom(cookieApp(old, old));
    expect(await (await cookieApp(old, both).request('/read', { headers: { cookie: sealedOld } })).json()).toEqual({ browser: 'b-1' });
    expect(await (await cookieApp(old, onlyNew).request('/read', { headers: { cookie: sealedOld } })).json()).toBeNull();

    const sealedBoth = await cookieFrom(cookieApp(both, both));
    expect(await (await cookieApp(both, onlyNew).request('/read', { headers: { cookie: sealedBoth } })).json()).toEqual({ browser: 'b-1' });
  });

  it('accepts CSRF tokens issued under the previous secret, and issues under the current one', async () => {
    const key = async (secret: string) => utf8(await deriveSecret(secret, 'csrf'));
    const old = new CsrfTokens(await key(OLD));
    const both = new CsrfTokens([await key(NEW), await key(OLD)]);
    const onlyNew = new CsrfTokens(await key(NEW));
    expect(await both.verify('b-1', await old.issue('b-1'))).toBe(true);
    expect(await onlyNew.verify('b-1', await old.issue('b-1'))).toBe(false);
    expect(await onlyNew.verify('b-1', await both.issue('b-1'))).toBe(true);
    expect(await both.verify('b-2', await old.issue('b-1'))).toBe(false);
  });
});

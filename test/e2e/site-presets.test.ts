/**
 * Full sign-ins through the bridge against site databases laid out like the real applications'
 * schemas, configured by preset + URL only, opened by the Node entry itself (openSiteSource: the
 * SQL drivers and the hash registry), with hashes made by independent implementations (passlib,
 * PHP's password_hash / WordPress 6.8's wp_hash_password, argon2-cffi: test/fixtures/hashes):
 * WordPress on MariaDB, Django on PostgreSQL, Laravel on SQLite (migrate mode), Devise on MariaDB.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/document.js';
import { directoryCheck } from '../../src/entry/node/directory-commands.js';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { TestBrowser } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { skipMariadbTests, skipPostgresTests, startMariadb, startPostgres, type TestSqlServer } from '../helpers/sql-servers.js';
import { freePort, signInAt } from '../helpers/walk.js';
import { mysqlSeeder, pgSeeder, sqliteSeeder, type Seeder } from '../users/sql/site-db.js';

const PASSWORD = 'correct horse battery staple';
const known = JSON.parse(readFileSync(new URL('../fixtures/hashes/known-answers.json', import.meta.url), 'utf8')) as {
  entries: Array<{ format: string; password: string; hash: string; source: string }>;
};
/** A hash of PASSWORD in `format`, made by `source` (an implementation independent of ours). */
function hashOf(format: string, source?: string): string {
  const entry = known.entries.find((e) => e.format === format && e.password === PASSWORD && (!source || e.source.startsWith(source)));
  if (!entry) throw new Error(`no known answer for ${format}`);
  return entry.hash;
}

const dir = mkdtempSync(join(tmpdir(), 'idbridge-presets-'));
let pgServer: TestSqlServer | undefined;
let myServer: TestSqlServer | undefined;
beforeAll(async () => {
  [pgServer, myServer] = await Promise.all([skipPostgresTests ? undefined : startPostgres(), skipMariadbTests ? undefined : startMariadb()]);
}, 90_000);
afterAll(async () => {
  await Promise.all([pgServer?.stop(), myServer?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function run(seeder: Seeder, statements: Array<[string, unknown[]?]>) {
  for (const [sql, params] of statements) await seeder.exec(sql, params ?? []);
  await seeder.close();
}

/** idbridge (all-in-one) with `directory` from the config file, started exactly as `serve` does. */
async function idbridgeWith(directory: Record<string, unknown>, env: Record<string, string> = {}): Promise<{ server: RunningServer; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = testConfig({ IDBRIDGE_PUBLIC_URL: url, PORT: String(port), IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '', IDBRIDGE_DEMO: 'false' });
  const { document, problems } = parseConfigDocument({ name: 'idbridge.config.yaml', data: { directory } }, env);
  expect(problems).toEqual([]);
  config.directory = document.directory;
  return { server: await startServer(config, { logger: memoryLogger() }), url };
}

/** An OIDC code flow (trusted client: no consent page); the userinfo claims. */
async function oidcSignIn(idp: { server: RunningServer; url: string }, identifier: string, password = PASSWORD) {
  const redirectUri = `http://127.0.0.1:${await freePort()}/cb`;
  const reg = await idp.server.services.clients.register({ name: 'App', redirectUris: [redirectUri], postLogoutRedirectUris: [], public: false, trusted: true });
  const config = await client.discovery(new URL(idp.url), reg.client.clientId, {}, client.ClientSecretBasic(reg.clientSecret!), { execute: [client.allowInsecureRequests] });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid email profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
  const outcome = await signInAt(new TestBrowser(idp.url), { ours: [idp.url], opIdentifier: `${idp.url}/openid` }, url.href, { user: { identifier, password } });
  const tokens = await client.authorizationCodeGrant(config, new URL(outcome.location), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
  return client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
}

/** The login page's answer to a wrong-for-the-site attempt (blocked / unknown). */
async function loginStatus(idp: { url: string }, identifier: string, password = PASSWORD): Promise<number> {
  const rp = `${idp.url}/openid?openid.ns=http://specs.openid.net/auth/2.0&openid.mode=checkid_setup&openid.claimed_id=http://specs.openid.net/auth/2.0/identifier_select&openid.identity=http://specs.openid.net/auth/2.0/identifier_select&openid.return_to=http://rp.example.test/r&openid.realm=http://rp.example.test/`;
  const browser = new TestBrowser(idp.url);
  let res = await browser.get(rp);
  for (let i = 0; i < 5 && res.status === 302; i++) res = await browser.get(new URL(res.headers.get('location')!, idp.url).toString());
  const html = await res.text();
  return (await browser.submit(html, { identifier, password })).status;
}

describe.skipIf(skipMariadbTests)('WordPress preset on MariaDB (phpass $P$ from passlib, $wp$2y$ from WordPress 6.8)', () => {
  it('signs in with either hash; the name comes from wp_usermeta', async () => {
    await run(mysqlSeeder(myServer!.url), [
      ['DROP TABLE IF EXISTS wp_users'],
      ['DROP TABLE IF EXISTS wp_usermeta'],
      [`CREATE TABLE wp_users (ID bigint(20) unsigned NOT NULL AUTO_INCREMENT, user_login varchar(60) NOT NULL DEFAULT '', user_pass varchar(255) NOT NULL DEFAULT '',
        user_nicename varchar(50) NOT NULL DEFAULT '', user_email varchar(100) NOT NULL DEFAULT '', user_url varchar(100) NOT NULL DEFAULT '',
        user_registered datetime NOT NULL DEFAULT '0000-00-00 00:00:00', user_activation_key varchar(255) NOT NULL DEFAULT '', user_status int(11) NOT NULL DEFAULT 0,
        display_name varchar(250) NOT NULL DEFAULT '', PRIMARY KEY (ID), KEY user_login_key (user_login), KEY user_email (user_email)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`],
      [`CREATE TABLE wp_usermeta (umeta_id bigint(20) unsigned NOT NULL AUTO_INCREMENT, user_id bigint(20) unsigned NOT NULL DEFAULT 0, meta_key varchar(255) DEFAULT NULL,
        meta_value longtext, PRIMARY KEY (umeta_id), KEY user_id (user_id), KEY meta_key (meta_key(191))) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`],
      ["INSERT INTO wp_users (ID, user_login, user_pass, user_email, display_name) VALUES (1, 'alice', ?, 'alice@example.com', 'ali'), (2, 'bob', ?, 'bob@example.com', 'Bob')", [hashOf('phpass'), hashOf('wordpress-bcrypt')]],
      ["INSERT INTO wp_usermeta (user_id, meta_key, meta_value) VALUES (1, 'first_name', 'Alice'), (1, 'last_name', 'Liddell')"],
    ]);
    const idp = await idbridgeWith({ kind: 'sql', preset: 'wordpress', url: '${WP_DB}' }, { WP_DB: myServer!.url });
    try {
      expect(await oidcSignIn(idp, 'Alice@Example.com')).toMatchObject({ email: 'alice@example.com', name: 'Alice Liddell', nickname: 'ali' });
      expect(await oidcSignIn(idp, 'bob')).toMatchObject({ email: 'bob@example.com' });
      expect(await loginStatus(idp, 'alice', 'wrong password')).toBe(401);
      // `idbridge directory check`: the mapping works, both formats counted by the hash registry.
      const check = await directoryCheck(idp.server.services.config, { json: true, logger: memoryLogger() });
      expect(check.code).toBe(0);
      expect(JSON.parse(check.output)).toMatchObject({ ok: true, preset: 'wordpress', sampled: 2, formats: { phpass: 1, 'wordpress-bcrypt': 1 }, unusable: [] });
    } finally {
      await idp.server.close();
    }
  });
});

describe.skipIf(skipPostgresTests)('Django preset on PostgreSQL (pbkdf2_sha256 and argon2 from passlib/argon2-cffi)', () => {
  it('signs in; is_active = false blocks (after the right password)', async () => {
    await run(pgSeeder(pgServer!.url), [
      ['DROP TABLE IF EXISTS auth_user'],
      [`CREATE TABLE auth_user (id serial PRIMARY KEY, password varchar(128) NOT NULL, last_login timestamptz NULL, is_superuser boolean NOT NULL DEFAULT false,
        username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL DEFAULT '', last_name varchar(150) NOT NULL DEFAULT '', email varchar(254) NOT NULL DEFAULT '',
        is_staff boolean NOT NULL DEFAULT false, is_active boolean NOT NULL DEFAULT true, date_joined timestamptz NOT NULL DEFAULT now())`],
      ["INSERT INTO auth_user (username, password, email, first_name) VALUES ('alice', $1, 'alice@example.com', 'Alice'), ('bob', $2, 'bob@example.com', 'Bob')", [hashOf('django-pbkdf2-sha256'), hashOf('django-argon2', 'argon2-cffi')]],
      ["INSERT INTO auth_user (username, password, email, is_active) VALUES ('carol', $1, 'carol@example.com', false)", [hashOf('django-pbkdf2-sha256')]],
    ]);
    const idp = await idbridgeWith({ kind: 'sql', preset: 'django', url: '${DJANGO_DB}' }, { DJANGO_DB: pgServer!.url });
    try {
      expect(await oidcSignIn(idp, 'alice')).toMatchObject({ email: 'alice@example.com', nickname: 'Alice' });
      expect(await oidcSignIn(idp, 'bob@example.com')).toMatchObject({ email: 'bob@example.com' });
      expect(await loginStatus(idp, 'carol')).toBe(403);
      expect(await loginStatus(idp, 'carol', 'wrong password')).toBe(401);
    } finally {
      await idp.server.close();
    }
  });
});

describe('Laravel preset on SQLite, migrate mode ($2y$ from PHP password_hash)', () => {
  it('signs in, then is served by the built-in table with a fresh $scrypt$ hash', async () => {
    const file = join(dir, 'laravel.sqlite');
    await run(sqliteSeeder(file), [
      [`CREATE TABLE users (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, name varchar NOT NULL, email varchar NOT NULL UNIQUE, email_verified_at datetime,
        password varchar NOT NULL, remember_token varchar, created_at datetime, updated_at datetime)`],
      ["INSERT INTO users (name, email, email_verified_at, password) VALUES ('Alice Liddell', 'alice@example.com', '2024-05-01 10:00:00', ?)", [hashOf('bcrypt', 'php')]],
    ]);
    const idp = await idbridgeWith({ kind: 'sql', preset: 'laravel', url: `sqlite:${file}`, mode: 'migrate' });
    try {
      expect(await oidcSignIn(idp, 'ALICE@example.com')).toMatchObject({ email: 'alice@example.com', email_verified: true, name: 'Alice Liddell' });
      const link = await idp.server.services.links.findByKey('site', '1');
      expect(link?.migratedAt).not.toBeNull();
      expect((await idp.server.services.userStore.findById(link!.userId))?.passwordHash).toMatch(/^\$scrypt\$/);
    } finally {
      await idp.server.close();
    }
  });
});

describe.skipIf(skipMariadbTests)('Devise preset on MariaDB ($2a$ from passlib)', () => {
  it('signs in; locked_at set blocks', async () => {
    await run(mysqlSeeder(myServer!.url), [
      ['DROP TABLE IF EXISTS users'],
      [`CREATE TABLE users (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(255) NOT NULL DEFAULT '', encrypted_password varchar(255) NOT NULL DEFAULT '',
        confirmed_at datetime(6), locked_at datetime(6), created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), UNIQUE KEY (email)) DEFAULT CHARSET=utf8mb4`],
      ["INSERT INTO users (email, encrypted_password, confirmed_at) VALUES ('alice@example.com', ?, NOW())", [hashOf('bcrypt', 'passlib')]],
      ["INSERT INTO users (email, encrypted_password, locked_at) VALUES ('mallory@example.com', ?, NOW())", [hashOf('bcrypt', 'passlib')]],
    ]);
    const idp = await idbridgeWith({ kind: 'sql', preset: 'devise', url: '${RAILS_DB}' }, { RAILS_DB: myServer!.url });
    try {
      expect(await oidcSignIn(idp, 'alice@example.com')).toMatchObject({ email: 'alice@example.com', email_verified: true });
      expect(await loginStatus(idp, 'mallory@example.com')).toBe(403);
    } finally {
      await idp.server.close();
    }
  });
});

/**
 * Federated write-back (`directory.writeBack`) against a real SQLite file, a throwaway
 * PostgreSQL and a throwaway MariaDB: a hash below the operator's `directory.upgrade` target is rewritten in the site's
 * own format after a sign-in (PHP's `$2y$` cost 8 → `$2y$10$`, Django PBKDF2 1000 → 2000
 * iterations), with a compare-and-swap UPDATE; nothing else is ever written.
 *
 * Fixture hashes come from independent implementations and are committed here:
 *   php -r 'echo password_hash("pw", PASSWORD_BCRYPT, ["cost"=>8]);'
 *   /usr/bin/python3 -c 'from passlib.hash import phpass, argon2, django_pbkdf2_sha256, scrypt; …'
 *     phpass.using(rounds=8), argon2.using(rounds=2, memory_cost=1024, parallelism=1),
 *     django_pbkdf2_sha256.using(rounds=1000), scrypt.using(rounds=4); all of "pw"
 */
import Sqlite from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../../src/config/document.js';
import { nodeHashPrimitives } from '../../../src/entry/node/hash-primitives.js';
import { openSqlClient } from '../../../src/entry/node/sql/open-sql-client.js';
import { createHashRegistry } from '../../../src/users/hashes/registry.js';
import { SiteDirectory } from '../../../src/users/site-directory.js';
import { SqlSiteSource } from '../../../src/users/sql/sql-site-source.js';
import type { SqlMapping } from '../../../src/users/sql/statements.js';
import { idbridgeStores } from '../../helpers/site-directory.js';
import { skipMariadbTests, skipPostgresTests, startMariadb, startPostgres, type TestSqlServer } from '../../helpers/sql-servers.js';

const PASSWORD = 'pw';
const HASHES = {
  bcrypt: '$2y$08$/CpHjiIXoSEPF0YGp38KL.z5sZ1kIlkwolp/w3LmzVc4P4xy7m1ea',
  pbkdf2: 'pbkdf2_sha256$1000$6hfvLzBL2VVg$oZP6CyztNYv5eAo0tRN/dVsmjTCJKXQh6I4BE1cBDjw=',
  phpass: '$P$6B/mlcFCPVCFRfTHZ8BVKpr.2BXMRp1',
  argon2: '$argon2id$v=19$m=1024,t=2,p=1$AuDcu/d+T+m9d651jjEGoA$aRJpaVV9r2brOFAfGl9kEQ',
  scrypt: '$scrypt$ln=4,r=8,p=1$KsUYg1BKCeF8b41xrpXyPg$Xn+4O6dcyMiUEf0AU+vm0brd4CLz4Im552xv9vsX+XU',
};
const USERS = Object.entries(HASHES).map(([name, hash], i) => ({ id: i + 1, email: `${name}@example.test`, hash }));
const idOf = (name: keyof typeof HASHES) => USERS.find((u) => u.email.startsWith(`${name}@`))!.id;

const MAPPING: SqlMapping = { table: 'users', columns: { id: 'id', email: 'email', passwordHash: 'pass', attributes: {} }, loginCase: 'insensitive' };
const POOL = { max: 2, connectTimeoutMs: 2_000, queryTimeoutMs: 2_000 };
const UPGRADE = { bcryptCost: 10, pbkdf2Iterations: 2_000 };
const registry = createHashRegistry(nodeHashPrimitives, { upgrade: UPGRADE });

const dir = mkdtempSync(join(tmpdir(), 'idbridge-writeback-'));
let postgres: TestSqlServer | undefined;
let mariadb: TestSqlServer | undefined;

beforeAll(async () => {
  [postgres, mariadb] = await Promise.all([skipPostgresTests ? undefined : startPostgres(), skipMariadbTests ? undefined : startMariadb()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([postgres?.stop(), mariadb?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Direct (writable) access to the site's table, as the site's own application has. */
interface Site {
  url: string;
  table: string;
  hashOf(id: number): Promise<string>;
  setHash(id: number, hash: string): Promise<void>;
  close(): Promise<void>;
}

async function sqliteSite(name: string): Promise<Site> {
  const file = join(dir, `${name}.sqlite`);
  const db = new Sqlite(file);
  db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, pass TEXT)');
  for (const u of USERS) db.prepare('INSERT INTO users VALUES (?, ?, ?)').run(u.id, u.email, u.hash);
  return {
    url: `sqlite:${file}`,
    table: 'users',
    hashOf: async (id) => (db.prepare('SELECT pass FROM users WHERE id = ?').get(id) as { pass: string }).pass,
    setHash: async (id, hash) => void db.prepare('UPDATE users SET pass = ? WHERE id = ?').run(hash, id),
    close: async () => void db.close(),
  };
}

async function postgresSite(name: string): Promise<Site> {
  const admin = new pg.Client({ connectionString: postgres!.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = postgres!.url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL, pass VARCHAR(255))');
  for (const u of USERS) await client.query('INSERT INTO users VALUES ($1, $2, $3)', [u.id, u.email, u.hash]);
  return {
    url,
    table: 'users',
    hashOf: async (id) => (await client.query('SELECT pass FROM users WHERE id = $1', [id])).rows[0].pass,
    setHash: async (id, hash) => void (await client.query('UPDATE users SET pass = $1 WHERE id = $2', [hash, id])),
    close: () => client.end(),
  };
}

/** MariaDB: one table per test in the `site` database (its user cannot create databases). */
async function mariadbSite(name: string): Promise<Site> {
  const connection = await mysql.createConnection({ uri: mariadb!.url });
  await connection.query(`CREATE TABLE ${name} (id BIGINT PRIMARY KEY, email VARCHAR(255) NOT NULL, pass VARCHAR(255))`);
  for (const u of USERS) await connection.execute(`INSERT INTO ${name} VALUES (?, ?, ?)`, [u.id, u.email, u.hash]);
  return {
    url: mariadb!.url,
    table: name,
    hashOf: async (id) => ((await connection.execute<mysql.RowDataPacket[]>(`SELECT pass FROM ${name} WHERE id = ?`, [id]))[0][0] as { pass: string }).pass,
    setHash: async (id, hash) => void (await connection.execute(`UPDATE ${name} SET pass = ? WHERE id = ?`, [hash, id])),
    close: () => connection.end(),
  };
}

/** The SQL source wired as `openSiteSource` wires it, and a federated SiteDirectory over it. */
function directoryOver(site: Site, writeBack: boolean) {
  const stores = idbridgeStores();
  const source = new SqlSiteSource({
    client: openSqlClient({ url: site.url, pool: POOL, writeBack }),
    mapping: { ...MAPPING, table: site.table },
    verifyHash: (password, hash) => registry.verify(password, hash),
    burn: (password) => registry.burn(password),
    logger: stores.logger,
    writeBack: writeBack ? { upgrade: { needsUpgrade: (hash) => registry.needsUpgrade(hash), rehash: (password, hash) => registry.rehash(password, hash) } } : undefined,
  });
  const directory = new SiteDirectory(
    { source, store: stores.store, hasher: stores.hasher, links: stores.links, clock: stores.clock, logger: stores.logger },
    { mode: 'federated', writeBack, name: 'site' },
  );
  return { ...stores, source, directory, close: async () => (await source.close(), stores.database.close()) };
}

const php = spawnSync('php', ['-v']).status === 0;
/** PHP's own password_verify, when PHP is installed; the registry otherwise. */
async function siteAccepts(hash: string): Promise<boolean> {
  if (!php) return (await registry.verify(PASSWORD, hash)).ok;
  const run = spawnSync('php', ['-r', 'echo password_verify($argv[1], $argv[2]) ? "yes" : "no";', PASSWORD, hash], { encoding: 'utf8' });
  return run.stdout === 'yes';
}

const engines: Array<{ engine: string; open: (name: string) => Promise<Site>; skip: boolean }> = [
  { engine: 'sqlite', open: sqliteSite, skip: false },
  { engine: 'postgres', open: postgresSite, skip: skipPostgresTests },
  { engine: 'mariadb', open: mariadbSite, skip: skipMariadbTests },
];

for (const { engine, open, skip } of engines) {
  describe.skipIf(skip)(`write-back on ${engine}`, () => {
    let n = 0;
    const fresh = () => open(`wb_${engine}_${++n}`);

    it('rewrites a $2y$ cost-8 hash as $2y$10$ that PHP accepts, and a Django PBKDF2 hash in its own format', async () => {
      const site = await fresh();
      const f = directoryOver(site, true);
      try {
        expect(await f.directory.authenticate('bcrypt@example.test', PASSWORD)).toMatchObject({ ok: true });
        const bcrypt = await site.hashOf(idOf('bcrypt'));
        expect(bcrypt).toMatch(/^\$2y\$10\$[./A-Za-z0-9]{53}$/);
        expect(await siteAccepts(bcrypt)).toBe(true);
        expect(await f.directory.authenticate('bcrypt@example.test', PASSWORD)).toMatchObject({ ok: true });
        expect(await site.hashOf(idOf('bcrypt'))).toBe(bcrypt); // at the target now: not rewritten again

        expect(await f.directory.authenticate('pbkdf2@example.test', PASSWORD)).toMatchObject({ ok: true });
        const pbkdf2 = await site.hashOf(idOf('pbkdf2'));
        expect(pbkdf2).toMatch(/^pbkdf2_sha256\$2000\$/);
        expect((await registry.verify(PASSWORD, pbkdf2)).ok).toBe(true);
        expect(f.logger.entries.filter((e) => e.event === 'directory_hash_rewritten')).toHaveLength(2);
      } finally {
        await f.close();
        await site.close();
      }
    });

    it('never writes with writeBack false, after a wrong password, or for argon2/scrypt/phpass hashes', async () => {
      const site = await fresh();
      const off = directoryOver(site, false);
      const on = directoryOver(site, true);
      try {
        await off.directory.authenticate('bcrypt@example.test', PASSWORD);
        await on.directory.authenticate('bcrypt@example.test', 'wrong');
        for (const name of ['argon2', 'scrypt', 'phpass'] as const) {
          expect(await on.directory.authenticate(`${name}@example.test`, PASSWORD)).toMatchObject({ ok: true });
        }
        for (const u of USERS) expect(await site.hashOf(u.id)).toBe(u.hash);
        expect(on.logger.entries.filter((e) => e.event === 'directory_hash_rewrite_failed')).toEqual([]);
      } finally {
        await off.close();
        await on.close();
        await site.close();
      }
    });

    // SQLite has no per-session read-only mode to check: one file handle, opened read-write.
    if (engine !== 'sqlite') it('keeps lookups on read-only sessions when write-back is on', async () => {
      const site = await fresh();
      const client = openSqlClient({ url: site.url, pool: POOL, writeBack: true });
      try {
        await expect(client.query(`UPDATE ${site.table} SET pass = 'x'`, [])).rejects.toMatchObject({ detail: expect.stringMatching(/read[- ]only/i) });
        expect(await site.hashOf(idOf('bcrypt'))).toBe(HASHES.bcrypt);
      } finally {
        await client.close();
        await site.close();
      }
    });

    it('does not overwrite a hash the site changed between the sign-in and the rewrite', async () => {
      const site = await fresh();
      const f = directoryOver(site, true);
      try {
        const result = await f.source.verifyCredentials('bcrypt@example.test', PASSWORD);
        expect(result).toMatchObject({ ok: true, upgrade: true, format: 'bcrypt' });
        await site.setHash(idOf('bcrypt'), HASHES.argon2); // the user changed the password at the site
        await f.source.rewriteHash(String(idOf('bcrypt')), PASSWORD, 'bcrypt');
        expect(await site.hashOf(idOf('bcrypt'))).toBe(HASHES.argon2);
        expect(f.logger.entries.some((e) => e.event === 'directory_hash_rewrite_skipped')).toBe(true);
      } finally {
        await f.close();
        await site.close();
      }
    });

    it('refuses a rewrite in another format or without a verified sign-in, and a failed UPDATE never fails the sign-in', async () => {
      const site = await fresh();
      const f = directoryOver(site, true);
      try {
        await expect(f.source.rewriteHash(String(idOf('bcrypt')), PASSWORD, 'bcrypt')).rejects.toThrow(/no verified hash/);
        await f.source.verifyCredentials('bcrypt@example.test', PASSWORD);
        await expect(f.source.rewriteHash(String(idOf('bcrypt')), PASSWORD, 'scrypt')).rejects.toThrow(/refused/);
        expect(await site.hashOf(idOf('bcrypt'))).toBe(HASHES.bcrypt);

        // The UPDATE fails (closed client): logged without hash or password, sign-in still ok.
        const broken = directoryOver(site, true);
        const client = openSqlClient({ url: site.url, pool: POOL, writeBack: true });
        client.execute = async () => {
          throw new Error('permission denied for table users');
        };
        const failing = new SqlSiteSource({
          client,
          mapping: { ...MAPPING, table: site.table },
          verifyHash: (password, hash) => registry.verify(password, hash),
          burn: (password) => registry.burn(password),
          writeBack: { upgrade: { needsUpgrade: (hash) => registry.needsUpgrade(hash), rehash: (password, hash) => registry.rehash(password, hash) } },
        });
        const directory = new SiteDirectory(
          { source: failing, store: broken.store, hasher: broken.hasher, links: broken.links, clock: broken.clock, logger: broken.logger },
          { mode: 'federated', writeBack: true, name: 'site' },
        );
        expect(await directory.authenticate('bcrypt@example.test', PASSWORD)).toMatchObject({ ok: true });
        const failed = broken.logger.entries.filter((e) => e.event === 'directory_hash_rewrite_failed');
        expect(failed).toHaveLength(1);
        const logged = JSON.stringify(failed);
        expect(logged).not.toContain('$2y$');
        expect(logged).not.toContain(`"${PASSWORD}"`);
        await failing.close();
        await broken.close();
      } finally {
        await f.close();
        await site.close();
      }
    });
  });
}

describe('write-back configuration', () => {
  const base = { kind: 'sql', url: 'sqlite:/tmp/site.sqlite', table: 'users', columns: { id: 'id', email: 'email', passwordHash: 'pass' } };
  const problems = (directory: Record<string, unknown>) => parseConfigDocument({ name: 'idbridge.config.yaml', data: { directory: { ...base, ...directory } } }, {}).problems.join('\n');

  it('accepts writeBack with federated mode and an upgrade target', () => {
    expect(problems({ writeBack: true, upgrade: { bcryptCost: 10 } })).toBe('');
  });

  it('refuses writeBack with mode: migrate', () => {
    expect(problems({ writeBack: true, mode: 'migrate', upgrade: { bcryptCost: 10 } })).toMatch(/directory\.writeBack.*mode: federated/);
  });

  it('refuses writeBack without directory.upgrade, naming both settings', () => {
    expect(problems({ writeBack: true })).toMatch(/directory\.writeBack.*directory\.upgrade/);
  });

  it('refuses writeBack with operator queries', () => {
    const queries = { byLogin: 'SELECT id, email, pass AS password_hash FROM users WHERE email = :login', byId: 'SELECT id, email, pass AS password_hash FROM users WHERE id = :id' };
    expect(problems({ writeBack: true, upgrade: { bcryptCost: 10 }, queries })).toMatch(/directory\.writeBack.*column map/);
  });
});

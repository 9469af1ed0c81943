/**
 * The UserDirectory contract against the site directory over the real SQL directory
 * (SqlSiteSource) on SQLite, PostgreSQL and MariaDB, federated and migrate. Hashes: bcrypt made
 * and checked by bcryptjs (the hash registry of src/users/hashes takes its place once merged).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlClient } from '../../src/entry/node/sql/open-sql-client.js';
import { SiteDirectory } from '../../src/users/site-directory.js';
import { SqlSiteSource } from '../../src/users/sql/sql-site-source.js';
import { idbridgeStores } from '../helpers/site-directory.js';
import { skipMariadbTests, skipPostgresTests, startMariadb, startPostgres, type TestSqlServer } from '../helpers/sql-servers.js';
import { mysqlSeeder, pgSeeder, sqliteSeeder, type Seeder } from './sql/site-db.js';
import { PASSWORD, userDirectoryContract, type Person } from './user-directory-contract.js';

const DDL = {
  sqlite: `CREATE TABLE site_users (id INTEGER PRIMARY KEY, email TEXT, login TEXT, password TEXT, banned INTEGER NOT NULL DEFAULT 0, email_verified_at TEXT, name TEXT, phone TEXT)`,
  postgres: `CREATE TABLE site_users (id integer PRIMARY KEY, email text, login text, password text, banned boolean NOT NULL DEFAULT false, email_verified_at timestamptz, name text, phone text)`,
  mysql: `CREATE TABLE site_users (id INT PRIMARY KEY, email VARCHAR(190) UNIQUE, login VARCHAR(60) UNIQUE, password VARCHAR(255), banned TINYINT(1) NOT NULL DEFAULT 0, email_verified_at DATETIME NULL, name VARCHAR(250), phone VARCHAR(30)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
} as const;

async function seed(seeder: Seeder, engine: keyof typeof DDL, people: Person[]) {
  await seeder.exec('DROP TABLE IF EXISTS site_users');
  await seeder.exec(DDL[engine]);
  const ph = (i: number) => (engine === 'postgres' ? `$${i}` : '?');
  for (const p of people) {
    await seeder.exec(
      `INSERT INTO site_users (id, email, login, password, banned, email_verified_at, name, phone) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8].map(ph).join(', ')})`,
      [p.key, p.email, p.username ?? null, bcrypt.hashSync(p.password, 4).replace(/^\$2b\$/, '$2y$'), engine === 'postgres' ? Boolean(p.blocked) : p.blocked ? 1 : 0, p.verified ? '2024-01-01 00:00:00' : null, p.fullname ?? null, p.phone ?? null],
    );
  }
  await seeder.close();
}

function fixture(url: string, mode: 'federated' | 'migrate') {
  const dummy = bcrypt.hashSync('idbridge-dummy', 4);
  const client = openSqlClient({ url, pool: { max: 2, connectTimeoutMs: 3000, queryTimeoutMs: 3000 } });
  const source = new SqlSiteSource({
    client,
    mapping: {
      table: 'site_users',
      columns: { id: 'id', email: 'email', username: 'login', passwordHash: 'password', blocked: 'banned', emailVerified: 'email_verified_at', attributes: { fullname: 'name', phone: 'phone' } },
      loginCase: 'insensitive',
    },
    verifyHash: async (password, hash) => ({ ok: await bcrypt.compare(password, hash), format: 'bcrypt' }),
    burn: async (password) => void (await bcrypt.compare(password, dummy)),
  });
  const stores = idbridgeStores();
  const directory = new SiteDirectory({ source, store: stores.store, hasher: stores.hasher, links: stores.links, clock: stores.clock, logger: stores.logger }, { mode, writeBack: false, name: 'site' });
  return { directory, close: async () => { await source.close(); stores.database.close(); } };
}

const dir = mkdtempSync(join(tmpdir(), 'idbridge-udsql-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const mode of ['federated', 'migrate'] as const) {
  userDirectoryContract(`site directory (${mode}) over SqlSiteSource, SQLite`, async (people) => {
    const file = join(dir, `site-${mode}.sqlite`);
    await seed(sqliteSeeder(file), 'sqlite', people);
    return fixture(`sqlite:${file}`, mode);
  });
}

describe.skipIf(skipPostgresTests)('PostgreSQL', () => {
  let server: TestSqlServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());
  for (const mode of ['federated', 'migrate'] as const) {
    userDirectoryContract(`site directory (${mode}) over SqlSiteSource, PostgreSQL`, async (people) => {
      await seed(pgSeeder(server.url), 'postgres', people);
      return fixture(server.url, mode);
    });
  }
});

describe.skipIf(skipMariadbTests)('MariaDB', () => {
  let server: TestSqlServer;
  beforeAll(async () => {
    server = await startMariadb();
  }, 60_000);
  afterAll(() => server?.stop());
  for (const mode of ['federated', 'migrate'] as const) {
    userDirectoryContract(`site directory (${mode}) over SqlSiteSource, MariaDB`, async (people) => {
      await seed(mysqlSeeder(server.url), 'mysql', people);
      return fixture(server.url, mode);
    });
  }
});

describe('Django-style is_active (columns.active): false blocks, after the right password', () => {
  it('SQLite', async () => {
    const file = join(dir, 'django.sqlite');
    const seeder = sqliteSeeder(file);
    await seeder.exec('CREATE TABLE auth_user (id INTEGER PRIMARY KEY, username TEXT, email TEXT, password TEXT, is_active INTEGER NOT NULL)');
    await seeder.exec("INSERT INTO auth_user VALUES (1, 'alice', 'alice@example.com', ?, 1), (2, 'carol', 'carol@example.com', ?, 0)", [bcrypt.hashSync(PASSWORD, 4), bcrypt.hashSync(PASSWORD, 4)]);
    await seeder.close();
    const client = openSqlClient({ url: `sqlite:${file}`, pool: { max: 1, connectTimeoutMs: 1000, queryTimeoutMs: 1000 } });
    const source = new SqlSiteSource({
      client,
      mapping: { table: 'auth_user', columns: { id: 'id', email: 'email', username: 'username', passwordHash: 'password', active: 'is_active', attributes: {} }, loginCase: 'insensitive' },
      verifyHash: async (password, hash) => ({ ok: await bcrypt.compare(password, hash), format: 'bcrypt' }),
      burn: async () => undefined,
    });
    try {
      expect(await source.verifyCredentials('alice', PASSWORD)).toMatchObject({ ok: true, record: { blocked: false } });
      expect(await source.verifyCredentials('carol', PASSWORD)).toMatchObject({ ok: true, record: { blocked: true } });
      expect((await source.check({ sample: 10 })).problems).toEqual([]);
      expect((await source.check({ sample: 10 })).hashes).toHaveLength(2);
    } finally {
      await source.close();
    }
  });
});

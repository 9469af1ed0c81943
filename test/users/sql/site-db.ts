/**
 * A site's user database as the SQL directory tests need it, on each engine: a `users` table
 * (flags stored the way each engine's sites tend to: booleans and a timestamp on PostgreSQL,
 * TINYINT and BIT(1) on MariaDB, 'yes'/'no' and 0/1 on SQLite) plus a `user_meta` key/value
 * table (like WordPress's `wp_usermeta`) that only operator queries can read. Seeded with
 * CONTRACT_USERS, passwords hashed with idbridge's scrypt (until the hash registry lands).
 */
import Sqlite from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { nodeScrypt } from '../../../src/entry/node/scrypt.js';
import type { SqlDialect } from '../../../src/users/sql/client.js';
import type { SqlColumnMap, SqlMapping, SqlQueries } from '../../../src/users/sql/statements.js';
import type { HashVerdict, VerifyHash } from '../../../src/users/sql/sql-site-source.js';
import { PasswordHasher } from '../../../src/users/password-hasher.js';
import { CONTRACT_USERS } from '../site-source-contract.js';

/** Write access for seeding (the directory's own clients are read-only). */
export interface Seeder {
  exec(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export function pgSeeder(url: string): Seeder {
  const client = new pg.Client({ connectionString: url });
  const connected = client.connect();
  return {
    async exec(sql, params = []) {
      await connected;
      await client.query(sql, params);
    },
    close: () => client.end(),
  };
}

export function mysqlSeeder(url: string): Seeder {
  const connection = mysql.createConnection({ uri: url, multipleStatements: false });
  return {
    async exec(sql, params = []) {
      await (await connection).query(sql, params);
    },
    async close() {
      await (await connection).end();
    },
  };
}

export function sqliteSeeder(path: string): Seeder {
  const db = new Sqlite(path);
  return {
    async exec(sql, params = []) {
      db.prepare(sql).run(...params);
    },
    async close() {
      db.close();
    },
  };
}

const SCHEMA: Record<SqlDialect, string[]> = {
  postgres: [
    `CREATE TABLE users (id integer PRIMARY KEY, email text, login text, pass text, is_blocked boolean NOT NULL DEFAULT false,
       verified timestamptz, display_name text, nick text, phone text, customer_no text, country text)`,
    'CREATE UNIQUE INDEX users_email_lower ON users (LOWER(email))',
    'CREATE UNIQUE INDEX users_login_lower ON users (LOWER(login))',
    'CREATE TABLE user_meta (user_id integer NOT NULL, meta_key text NOT NULL, meta_value text)',
  ],
  mysql: [
    `CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(190), login VARCHAR(60), pass VARCHAR(255), is_blocked TINYINT(1) NOT NULL DEFAULT 0,
       verified BIT(1) NOT NULL DEFAULT b'0', display_name VARCHAR(250), nick VARCHAR(60), phone VARCHAR(30), customer_no VARCHAR(30), country CHAR(2),
       UNIQUE KEY (email), UNIQUE KEY (login)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    'CREATE TABLE user_meta (user_id INT NOT NULL, meta_key VARCHAR(255) NOT NULL, meta_value LONGTEXT, KEY (user_id, meta_key)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  ],
  sqlite: [
    `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, login TEXT, pass TEXT, is_blocked TEXT NOT NULL DEFAULT 'no',
       verified INTEGER NOT NULL DEFAULT 0, display_name TEXT, nick TEXT, phone TEXT, customer_no TEXT, country TEXT)`,
    'CREATE UNIQUE INDEX users_email_lower ON users (LOWER(email))',
    'CREATE TABLE user_meta (user_id INTEGER NOT NULL, meta_key TEXT NOT NULL, meta_value TEXT)',
  ],
};

/** Fast scrypt parameters: these tests are about lookups, not the KDF. */
export const hasher = new PasswordHasher(nodeScrypt, { ln: 4, r: 8, p: 1 });

/** idbridge's `$scrypt$` wrapped in the hash registry's shape, counting password work. */
export function countingVerifier(): { verifyHash: VerifyHash; burn: (password: string) => Promise<void>; work: () => number } {
  let work = 0;
  return {
    work: () => work,
    async verifyHash(password, stored): Promise<HashVerdict> {
      work++;
      if (!stored.startsWith('$scrypt$')) {
        await hasher.burn(password);
        return { ok: false, format: null, problem: 'unrecognised hash format' };
      }
      return { ok: await hasher.verify(password, stored), format: 'scrypt' };
    },
    async burn(password) {
      work++;
      await hasher.burn(password);
    },
  };
}

/** Create the tables and insert CONTRACT_USERS (and their meta rows). */
export async function seedSite(seeder: Seeder, dialect: SqlDialect): Promise<void> {
  for (const statement of SCHEMA[dialect]) await seeder.exec(statement);
  const p = (i: number) => (dialect === 'postgres' ? `$${i}` : '?');
  for (const user of Object.values(CONTRACT_USERS)) {
    const a: Record<string, string | undefined> = user.attributes;
    const blocked = dialect === 'postgres' ? user.blocked : dialect === 'mysql' ? (user.blocked ? 1 : 0) : user.blocked ? 'yes' : 'no';
    const verified = dialect === 'postgres' ? (user.emailVerified ? new Date('2024-05-01T00:00:00Z') : null) : user.emailVerified ? 1 : 0;
    await seeder.exec(
      `INSERT INTO users (id, email, login, pass, is_blocked, verified, display_name, nick, phone, customer_no, country)
       VALUES (${Array.from({ length: 11 }, (_, i) => p(i + 1)).join(', ')})`,
      [Number(user.key), user.email, user.username, await hasher.hash(user.password), blocked, verified, a['fullname'] ?? null, a['nickname'] ?? null, a['phone'] ?? null, a['customer_id'] ?? null, a['country'] ?? null],
    );
    for (const key of ['customer_id', 'country']) {
      if (a[key]) await seeder.exec(`INSERT INTO user_meta (user_id, meta_key, meta_value) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, [Number(user.key), key, a[key]]);
    }
    // A meta row no lookup asks for: joins must pick by key, not by user alone.
    await seeder.exec(`INSERT INTO user_meta (user_id, meta_key, meta_value) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, [Number(user.key), 'session_tokens', 'a:0:{}']);
  }
}

/** The column map of the `users` table. */
export const COLUMNS: SqlColumnMap = {
  id: 'id',
  email: 'email',
  username: 'login',
  passwordHash: 'pass',
  blocked: 'is_blocked',
  emailVerified: 'verified',
  attributes: { fullname: 'display_name', nickname: 'nick', phone: 'phone', customer_id: 'customer_no', country: 'country' },
};

const SELECT_JOINED = `SELECT u.id AS id, u.email AS email, u.login AS username, u.pass AS password_hash, u.is_blocked AS blocked,
    u.verified AS email_verified, u.display_name AS fullname, u.nick AS nickname, u.phone AS phone,
    c.meta_value AS customer_id, k.meta_value AS country
  FROM users u
  LEFT JOIN user_meta c ON c.user_id = u.id AND c.meta_key = 'customer_id'
  LEFT JOIN user_meta k ON k.user_id = u.id AND k.meta_key = 'country'`;

/** Operator queries over users + user_meta (the WordPress wp_usermeta pattern). */
export const QUERIES: SqlQueries = {
  byLogin: `${SELECT_JOINED}\n  WHERE LOWER(u.email) = LOWER(:login) OR LOWER(u.login) = LOWER(:login)`,
  byId: `${SELECT_JOINED}\n  WHERE u.id = :id;`,
  byEmail: `${SELECT_JOINED}\n  WHERE LOWER(u.email) = LOWER(:email) -- a trailing comment`,
};

export const columnMapping = (loginCase: 'insensitive' | 'sensitive' = 'insensitive'): SqlMapping => ({ table: 'users', columns: COLUMNS, loginCase });
export const queryMapping: SqlMapping = { queries: QUERIES, loginCase: 'insensitive' };

/** A byLogin that takes longer than any test's query timeout. */
export const SLOW_QUERIES: Record<'postgres' | 'mysql', SqlQueries> = {
  postgres: {
    byLogin: 'SELECT u.id AS id, u.pass AS password_hash FROM users u WHERE u.email = :login AND EXISTS (SELECT 1 FROM pg_sleep(3))',
    byId: 'SELECT u.id AS id FROM users u WHERE u.id = :id AND EXISTS (SELECT 1 FROM pg_sleep(3))',
  },
  mysql: {
    byLogin: 'SELECT u.id AS id, u.pass AS password_hash FROM users u WHERE u.email = :login AND SLEEP(2) = 0',
    byId: 'SELECT u.id AS id FROM users u WHERE u.id = :id AND SLEEP(2) = 0',
  },
};

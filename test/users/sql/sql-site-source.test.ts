/**
 * The SQL directory against real databases: an SQLite file, a throwaway PostgreSQL and a
 * throwaway MariaDB (test/helpers/sql-servers.ts), each with a column-mapped table and with
 * operator queries joining a meta table. The SiteUserSource contract runs on all six; the cases
 * after it are the SQL-specific ones (check(), case-sensitive mode, garbage rows, redaction).
 */
import Sqlite from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlClient } from '../../../src/entry/node/sql/open-sql-client.js';
import { memoryLogger } from '../../../src/log.js';
import { DirectoryUnavailableError, type SiteUserSource } from '../../../src/users/site-source.js';
import { SqlSiteSource } from '../../../src/users/sql/sql-site-source.js';
import type { SqlMapping } from '../../../src/users/sql/statements.js';
import { freePort, skipMariadbTests, skipPostgresTests, startMariadb, startPostgres, type TestSqlServer } from '../../helpers/sql-servers.js';
import { CONTRACT_USERS, siteSourceContract } from '../site-source-contract.js';
import { columnMapping, countingVerifier, mysqlSeeder, pgSeeder, queryMapping, seedSite, sqliteSeeder, SLOW_QUERIES, type Seeder } from './site-db.js';

const POOL = { max: 3, connectTimeoutMs: 2_000, queryTimeoutMs: 2_000 };
const FAST_TIMEOUT = { max: 2, connectTimeoutMs: 1_000, queryTimeoutMs: 300 };

const dir = mkdtempSync(join(tmpdir(), 'idbridge-sqlsite-'));
const sqliteFile = join(dir, 'site.sqlite');
let postgres: TestSqlServer | undefined;
let mariadb: TestSqlServer | undefined;

const ready = (async () => {
  const seeder = sqliteSeeder(sqliteFile);
  await seedSite(seeder, 'sqlite');
  await seeder.close();
})();

beforeAll(async () => {
  const [pgServer, myServer] = await Promise.all([skipPostgresTests ? undefined : startPostgres(), skipMariadbTests ? undefined : startMariadb(), ready]);
  postgres = pgServer;
  mariadb = myServer;
  if (postgres) await seedWith(pgSeeder(postgres.url), 'postgres');
  if (mariadb) await seedWith(mysqlSeeder(mariadb.url), 'mysql');
}, 60_000);

afterAll(async () => {
  await Promise.all([postgres?.stop(), mariadb?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function seedWith(seeder: Seeder, dialect: 'postgres' | 'mysql'): Promise<void> {
  try {
    await seedSite(seeder, dialect);
  } finally {
    await seeder.close();
  }
}

type Engine = 'sqlite' | 'postgres' | 'mysql';
const urlOf = (engine: Engine): string => (engine === 'sqlite' ? `sqlite:${sqliteFile}` : engine === 'postgres' ? postgres!.url : mariadb!.url);

function source(engine: Engine, mapping: SqlMapping, options: { url?: string; pool?: typeof POOL; logger?: ReturnType<typeof memoryLogger> } = {}) {
  const verifier = countingVerifier();
  const client = openSqlClient({ url: options.url ?? urlOf(engine), pool: options.pool ?? POOL });
  const src = new SqlSiteSource({ client, mapping, verifyHash: verifier.verifyHash, burn: verifier.burn, logger: options.logger });
  return { source: src, work: verifier.work };
}

/** Where nothing listens: a port that was free a moment ago, on the engine's scheme. */
async function deadUrl(engine: Engine): Promise<string> {
  if (engine === 'sqlite') return `sqlite:${join(dir, 'missing.sqlite')}`;
  const port = await freePort();
  return engine === 'postgres' ? `postgres://postgres@127.0.0.1:${port}/site` : `mysql://site:s3cret-pw@127.0.0.1:${port}/site`;
}

/** A slow source: a sleeping query on the servers; a writer holding the lock on SQLite. */
async function slowSource(engine: Engine): Promise<SiteUserSource> {
  if (engine !== 'sqlite') return source(engine, { queries: SLOW_QUERIES[engine], loginCase: 'insensitive' }, { pool: FAST_TIMEOUT }).source;
  const writer = new Sqlite(sqliteFile);
  writer.exec('BEGIN EXCLUSIVE');
  const inner = source('sqlite', columnMapping(), { pool: FAST_TIMEOUT }).source;
  return {
    kind: 'sql',
    verifyCredentials: (l, p) => inner.verifyCredentials(l, p),
    findByKey: (k) => inner.findByKey(k),
    findByEmail: (e) => inner.findByEmail(e),
    async close() {
      writer.exec('ROLLBACK');
      writer.close();
      await inner.close();
    },
  };
}

const ENGINES: Array<{ engine: Engine; name: string; skip: boolean }> = [
  { engine: 'sqlite', name: 'SQLite file', skip: false },
  { engine: 'postgres', name: 'PostgreSQL', skip: skipPostgresTests },
  { engine: 'mysql', name: 'MariaDB', skip: skipMariadbTests },
];

for (const { engine, name, skip } of ENGINES) {
  for (const [how, mapping] of [
    ['column map', columnMapping()],
    ['operator queries (users + user_meta)', queryMapping],
  ] as const) {
    siteSourceContract(
      `SQL on ${name}, ${how}`,
      async () => {
        const { source: src, work } = source(engine, mapping);
        return {
          source: src,
          loginCase: 'insensitive',
          hashWork: work,
          unreachable: async () => source(engine, mapping, { url: await deadUrl(engine), pool: FAST_TIMEOUT }).source,
          slow: () => slowSource(engine),
        };
      },
      { skip },
    );
  }
}

describe.each(ENGINES)('SqlSiteSource on $name', ({ engine, skip }) => {
  const { alice, carol } = CONTRACT_USERS;

  it.skipIf(skip)('check() passes for a good column map and for good queries, with a sample row', async () => {
    for (const mapping of [columnMapping(), queryMapping]) {
      const { source: src } = source(engine, mapping);
      try {
        const report = await src.check();
        expect(report, JSON.stringify(report.problems)).toMatchObject({ ok: true, dialect: engine, problems: [] });
        if (mapping.columns) expect(report.sample).toMatchObject({ key: alice.key, email: alice.email });
      } finally {
        await src.close();
      }
    }
  });

  it.skipIf(skip)('check() names every missing table, column and result column', async () => {
    const missingTable = source(engine, { ...columnMapping(), table: 'members' }).source;
    const badColumns = source(engine, {
      ...columnMapping(),
      columns: { ...columnMapping().columns!, email: 'mail', attributes: { fullname: 'display_name', phone: 'telephone' } },
    }).source;
    const badQueries = source(engine, {
      loginCase: 'insensitive',
      queries: { byLogin: 'SELECT id, pass FROM users WHERE email = :login', byId: 'SELECT id FROM no_such_table WHERE id = :id' },
    }).source;
    try {
      const table = await missingTable.check();
      expect(table.ok).toBe(false);
      expect(table.problems).toEqual([expect.stringMatching(/^directory\.table: table "members" not found/)]);
      const columns = await badColumns.check();
      expect(columns.problems).toEqual([
        expect.stringMatching(/^directory\.columns\.email: column "mail" not found in "users"/),
        expect.stringMatching(/^directory\.columns\.attributes\.phone: column "telephone" not found in "users"/),
      ]);
      const queries = await badQueries.check();
      expect(queries.problems).toEqual([
        expect.stringMatching(/^directory\.queries\.byLogin: must return the column "password_hash" \(write … AS password_hash\); it returns "id", "pass"/),
        expect.stringMatching(/^directory\.queries\.byId: the byId lookup fails/),
      ]);
    } finally {
      await Promise.all([missingTable.close(), badColumns.close(), badQueries.close()]);
    }
  });

  it.skipIf(skip)('check() reports an unreachable database without throwing', async () => {
    const { source: src } = source(engine, columnMapping(), { url: await deadUrl(engine), pool: FAST_TIMEOUT });
    try {
      const report = await src.check();
      expect(report.ok).toBe(false);
      expect(report.unavailable?.reason).toBe('unreachable');
    } finally {
      await src.close();
    }
  });

  it.skipIf(skip)('compares exactly in loginCase: sensitive', async () => {
    const { source: src } = source(engine, columnMapping('sensitive'));
    try {
      expect(await src.verifyCredentials(alice.email, alice.password)).toMatchObject({ ok: true });
      expect(await src.verifyCredentials(alice.email.toLowerCase(), alice.password)).toEqual({ ok: false });
      expect(await src.verifyCredentials('ALICE', alice.password)).toEqual({ ok: false });
      expect(await src.verifyCredentials(carol.username, carol.password)).toMatchObject({ ok: true });
      expect(await src.findByEmail(alice.email.toLowerCase())).toBeNull();
    } finally {
      await src.close();
    }
  });

  it.skipIf(skip)('a row without an id is a bad response (503), logged; a row without a hash is an unknown user', async () => {
    const logger = memoryLogger();
    const id = engine === 'postgres' ? 'NULL::integer' : 'NULL';
    const { source: src, work } = source(
      engine,
      {
        loginCase: 'insensitive',
        queries: {
          byLogin: `SELECT CASE WHEN :login = 'ghost' THEN ${id} ELSE 7 END AS id, NULL AS password_hash`,
          byId: `SELECT CASE WHEN :id = '1' THEN ${id} ELSE ${id} END AS id`,
        },
      },
      { logger },
    );
    try {
      const error = await src.verifyCredentials('ghost', 'pw').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DirectoryUnavailableError);
      expect(error).toMatchObject({ reason: 'bad_response', status: 503 });
      expect(logger.entries).toContainEqual(expect.objectContaining({ event: 'directory_unavailable', reason: 'bad_response', lookup: 'byLogin' }));
      const before = work();
      expect(await src.verifyCredentials('someone', 'pw')).toEqual({ ok: false });
      expect(work() - before).toBe(1);
      await expect(src.findByKey('1')).rejects.toMatchObject({ reason: 'bad_response' });
    } finally {
      await src.close();
    }
  });
});

describe.skipIf(skipMariadbTests)('SqlSiteSource on MariaDB: collations and credentials', () => {
  it('check() refuses a case-sensitive login column in insensitive mode', async () => {
    const seeder = mysqlSeeder(mariadb!.url);
    await seeder.exec('CREATE TABLE exact_users (id INT PRIMARY KEY, email VARCHAR(190) COLLATE utf8mb4_bin, pass VARCHAR(255))');
    await seeder.close();
    const { source: src } = source('mysql', { table: 'exact_users', columns: { id: 'id', email: 'email', passwordHash: 'pass', attributes: {} }, loginCase: 'insensitive' });
    try {
      const report = await src.check();
      expect(report.problems).toEqual([expect.stringMatching(/^directory\.columns\.email: column "email" compares case-sensitively \(collation utf8mb4_bin\)/)]);
    } finally {
      await src.close();
    }
  });

  it('a wrong database password is misconfigured, and the password never reaches the detail or the log', async () => {
    const logger = memoryLogger();
    const url = mariadb!.url.replace('s3cret-pw', 'wrong-Pa55word');
    const { source: src } = source('mysql', columnMapping(), { url, logger });
    try {
      const error = (await src.findByKey('1001').catch((e: unknown) => e)) as DirectoryUnavailableError;
      expect(error).toMatchObject({ reason: 'misconfigured' });
      expect(error.detail).toMatch(/ER_ACCESS_DENIED_ERROR/);
      expect(JSON.stringify(logger.entries)).not.toContain('wrong-Pa55word');
      expect(error.detail).not.toContain('wrong-Pa55word');
    } finally {
      await src.close();
    }
  });
});

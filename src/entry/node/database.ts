import Sqlite from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from '../../storage/database.js';
import * as schema from '../../storage/schema.js';
import { migrationsFolder } from './paths.js';

export interface NodeDatabase {
  db: Database;
  /**
   * The better-sqlite3 connection under `db`, for the bulk importer's synchronous batch
   * transactions (src/entry/node/import/), which Drizzle's driver-neutral API cannot express.
   */
  sqlite: Sqlite.Database;
  /** SQLite's `PRAGMA data_version`: changes when another connection (e.g. the CLI) committed. */
  dataVersion(): number;
  close(): void;
}

/**
 * Drizzle prepares a statement for every query; compiling SQL was ~7% of a sign-in's CPU in the
 * benchmark. Reuse compiled statements by SQL text (the set of distinct queries is small and
 * fixed). Safe with better-sqlite3's synchronous API: a statement is never used by two queries at
 * once. Drizzle switches some statements to raw mode, so the mode is reset on every reuse.
 */
function cacheStatements(sqlite: Sqlite.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Sqlite.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      if (cache.size < 1000) cache.set(source, statement);
    } else if (statement.reader) {
      statement.raw(false);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/**
 * Open (creating if needed) the SQLite file with WAL journaling and apply pending migrations.
 * `:memory:` gives a private in-memory database (tests).
 */
export function openDatabase(path: string, options: { migrate?: boolean } = {}): NodeDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Sqlite(path);
  cacheStatements(sqlite);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema });
  if (options.migrate !== false) migrate(db, { migrationsFolder: migrationsFolder() });
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck(); // compiled once: read per client lookup
  return {
    db: db as unknown as Database,
    sqlite,
    dataVersion: () => dataVersion.get() as number,
    close: () => sqlite.close(),
  };
}

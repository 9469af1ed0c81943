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
  close(): void;
}

/**
 * Open (creating if needed) the SQLite file with WAL journaling and apply pending migrations.
 * `:memory:` gives a private in-memory database (tests).
 */
export function openDatabase(path: string, options: { migrate?: boolean } = {}): NodeDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Sqlite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema });
  if (options.migrate !== false) migrate(db, { migrationsFolder: migrationsFolder() });
  return { db: db as unknown as Database, close: () => sqlite.close() };
}

import Sqlite from 'better-sqlite3';
import type { SqlClient, SqlResult } from '../../../users/sql/client.js';
import { translateDriverError } from './errors.js';

/**
 * An SQLite file through better-sqlite3, opened read-only (read-write with `writable`, for
 * federated write-back's hash UPDATE through `execute`; the file must exist) on first use, so
 * a missing file is reported like an unreachable server and retried on the next query. The
 * busy timeout bounds waiting for a writer's lock; SQLite runs in-process and a running query
 * cannot be interrupted, so `queryTimeoutMs` is that wait.
 */
export function createSqliteClient(path: string, queryTimeoutMs: number, options: { writable?: boolean } = {}): SqlClient {
  let db: Sqlite.Database | undefined;
  const statements = new Map<string, Sqlite.Statement>();
  const open = () => (db ??= new Sqlite(path, { readonly: !options.writable, fileMustExist: true, timeout: queryTimeoutMs }));
  return {
    dialect: 'sqlite',
    async query(sql, params): Promise<SqlResult> {
      try {
        let statement = statements.get(sql);
        if (!statement) {
          statement = open().prepare(sql);
          if (statements.size < 100) statements.set(sql, statement);
        }
        const columns = statement.reader ? statement.columns().map((c) => c.name) : [];
        const rows = statement.reader ? (statement.all(...params) as SqlResult['rows']) : [];
        return { rows, columns };
      } catch (error) {
        throw translateDriverError('better-sqlite3', error, []);
      }
    },
    ...(options.writable && {
      async execute(sql: string, params: readonly string[]) {
        try {
          return { changes: open().prepare(sql).run(...params).changes };
        } catch (error) {
          throw translateDriverError('better-sqlite3', error, []);
        }
      },
    }),
    async close() {
      db?.close();
      db = undefined;
      statements.clear();
    },
  };
}

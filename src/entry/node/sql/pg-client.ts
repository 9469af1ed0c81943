import pg from 'pg';
import type { SqlClient, SqlResult } from '../../../users/sql/client.js';
import type { ServerTarget } from './connection-url.js';
import { translateDriverError, withDeadline } from './errors.js';

export interface PoolSettings {
  max: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

/**
 * PostgreSQL through a `pg` Pool. Timeouts on three levels: `connectionTimeoutMillis` (connect,
 * and waiting for a free pool slot), the server's `statement_timeout` (cancels the query there,
 * SQLSTATE 57014) and the client's `query_timeout` a little later, in case the server is the
 * thing that hangs. Sessions are `default_transaction_read_only`: the directory only reads, and a
 * mistaken operator query cannot write. With `writable` (federated write-back) a separate
 * one-connection pool, with the same timeouts, runs `execute` (the hash UPDATE) only.
 */
export function createPgClient(target: ServerTarget, pool: PoolSettings, options: { writable?: boolean } = {}): SqlClient {
  const secrets = target.password ? [target.password] : [];
  const settings = (max: number, readOnly: boolean): pg.PoolConfig => ({
    host: target.socket ?? target.host,
    port: target.port ?? 5432,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: target.tls === false ? false : target.tls,
    max,
    connectionTimeoutMillis: pool.connectTimeoutMs,
    statement_timeout: pool.queryTimeoutMs,
    query_timeout: pool.queryTimeoutMs + 1_000,
    idleTimeoutMillis: 30_000,
    application_name: 'idbridge',
    ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  const p = new pg.Pool(settings(pool.max, true));
  // Write-back's UPDATE gets its own one-connection pool, opened on first use: every lookup stays
  // on read-only sessions.
  let writer: pg.Pool | undefined;
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would end the
  // process. The next query reports the failure instead (and the pool replaces the client).
  p.on('error', () => {});
  const backstop = pool.connectTimeoutMs + pool.queryTimeoutMs + 2_000;
  return {
    dialect: 'postgres',
    async query(sql, params): Promise<SqlResult> {
      try {
        const result = await withDeadline(p.query({ text: sql, values: [...params] }), backstop, 'pg query');
        return { rows: result.rows, columns: result.fields.map((f) => f.name) };
      } catch (error) {
        throw translateDriverError('pg', error, secrets);
      }
    },
    ...(options.writable && {
      async execute(sql: string, params: readonly string[]) {
        try {
          if (!writer) {
            writer = new pg.Pool(settings(1, false));
            writer.on('error', () => {});
          }
          const result = await withDeadline(writer.query({ text: sql, values: [...params] }), backstop, 'pg update');
          return { changes: result.rowCount ?? 0 };
        } catch (error) {
          throw translateDriverError('pg', error, secrets);
        }
      },
    }),
    close: async () => {
      await Promise.all([p.end(), writer?.end()]);
    },
  };
}

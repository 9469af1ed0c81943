import mysql from 'mysql2/promise';
import type { SqlClient, SqlResult } from '../../../users/sql/client.js';
import type { ServerTarget } from './connection-url.js';
import { translateDriverError, withDeadline } from './errors.js';
import type { PoolSettings } from './pg-client.js';

/**
 * MySQL / MariaDB through a `mysql2` pool. `execute` uses server-side prepared statements, so
 * values are bound by the server, never spliced into the text. Timeouts: `connectTimeout`, the
 * server's statement time limit, a per-query client `timeout` a second later (mysql2 then drops
 * that connection, and the pool opens another) and a
 * backstop over both for a full pool's queue, which mysql2 does not bound. Sessions are
 * `READ ONLY`; with `writable` (federated write-back) a separate one-connection pool, same
 * timeouts, runs `execute` (the hash UPDATE) only. Big integers come back as strings (exact ids), dates in UTC.
 */
export function createMysqlClient(target: ServerTarget, pool: PoolSettings, options: { writable?: boolean } = {}): SqlClient {
  const secrets = target.password ? [target.password] : [];
  const make = (max: number, readOnly: boolean): mysql.Pool => {
    const created = mysql.createPool({
      host: target.host,
      port: target.port ?? 3306,
      socketPath: target.socket,
      user: target.user,
      password: target.password,
      database: target.database,
      ssl: target.tls === false ? undefined : (target.tls as mysql.SslOptions),
      connectionLimit: max,
      maxIdle: max,
      idleTimeout: 30_000,
      connectTimeout: pool.connectTimeoutMs,
      waitForConnections: true,
      queueLimit: 100,
      enableKeepAlive: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      timezone: 'Z',
      charset: 'utf8mb4_general_ci',
      multipleStatements: false,
    });
    created.pool.on('connection', (connection) => {
      if (readOnly) connection.query('SET SESSION TRANSACTION READ ONLY', () => {});
      // The server stops a slow statement itself (so it does not run on after the client gave up):
      // MariaDB's max_statement_time (seconds), MySQL's max_execution_time (ms, SELECTs). Each
      // server refuses the other's variable; that error is expected and ignored.
      connection.query(`SET SESSION max_statement_time = ${pool.queryTimeoutMs / 1000}`, () => {});
      connection.query(`SET SESSION max_execution_time = ${pool.queryTimeoutMs}`, () => {});
    });
    return created;
  };
  const p = make(pool.max, true);
  // Write-back's UPDATE gets its own one-connection pool, opened on first use: every lookup stays
  // on read-only sessions.
  let writer: mysql.Pool | undefined;
  const backstop = pool.connectTimeoutMs + pool.queryTimeoutMs + 2_000;
  return {
    dialect: 'mysql',
    async query(sql, params): Promise<SqlResult> {
      try {
        const [rows, fields] = await withDeadline(p.execute<mysql.RowDataPacket[]>({ sql, timeout: pool.queryTimeoutMs + 1_000 }, [...params]), backstop, 'mysql query');
        return { rows, columns: (fields ?? []).map((f) => f.name) };
      } catch (error) {
        throw translateDriverError('mysql2', error, secrets);
      }
    },
    ...(options.writable && {
      async execute(sql: string, params: readonly string[]) {
        try {
          writer ??= make(1, false);
          const [result] = await withDeadline(writer.execute<mysql.ResultSetHeader>({ sql, timeout: pool.queryTimeoutMs + 1_000 }, [...params]), backstop, 'mysql update');
          return { changes: result.affectedRows };
        } catch (error) {
          throw translateDriverError('mysql2', error, secrets);
        }
      },
    }),
    close: async () => {
      await Promise.all([p.end(), writer?.end()]);
    },
  };
}

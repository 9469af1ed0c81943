/**
 * The one port the SQL directory needs from a database driver: run one parameterised statement,
 * get rows back. Implemented per runtime (Node: `pg`, `mysql2`, better-sqlite3 in
 * `src/entry/node/sql/`), so the directory logic itself runs anywhere.
 */

/** The SQL family a client speaks: decides identifier quoting, placeholders and case folding. */
export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

/** One result row, keyed by the column names (or aliases) the statement returned. */
export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqlResult {
  rows: SqlRow[];
  /** The statement's result column names, in order (known even when no row matched). */
  columns: string[];
}

/**
 * A pooled connection to the site's database.
 *
 * `query` takes the dialect's own positional placeholders (`$1` for PostgreSQL, `?` otherwise)
 * and binds `params` as values, never as SQL text. It rejects only with
 * {@link DirectoryUnavailableError} (unreachable, timeout, misconfigured, bad_response, with a
 * log-safe detail) or {@link SqlValueRejectedError} (the database refused a parameter's value).
 */
export interface SqlClient {
  readonly dialect: SqlDialect;
  query(sql: string, params: readonly string[]): Promise<SqlResult>;
  /**
   * Run one parameterised write (federated write-back's hash UPDATE) and answer how many rows it
   * changed. Present only on a client opened with `writable: true`; the lookups stay read-only.
   * Rejects like `query`.
   */
  execute?(sql: string, params: readonly string[]): Promise<{ changes: number }>;
  /** End the pool; later queries fail. */
  close(): Promise<void>;
}

/**
 * The database refused a bound value as such (PostgreSQL `invalid input syntax for type integer`
 * for a non-numeric id, say): no row can match it. Not a failure of the directory.
 */
export class SqlValueRejectedError extends Error {
  override readonly name = 'SqlValueRejectedError';
}

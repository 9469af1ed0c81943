import { SqlValueRejectedError } from '../../../users/sql/client.js';
import { DirectoryUnavailableError } from '../../../users/site-source.js';
import { redactText } from './redact.js';

type Reason = DirectoryUnavailableError['reason'];

/** Network-level failures every driver reports with Node's error codes. */
const NETWORK: Record<string, Reason> = {
  ECONNREFUSED: 'unreachable',
  ECONNRESET: 'unreachable',
  EPIPE: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENOENT: 'unreachable', // a Unix socket path that does not exist
  ETIMEDOUT: 'timeout',
  // TLS: a certificate that does not verify is a configuration problem, and never skipped.
  DEPTH_ZERO_SELF_SIGNED_CERT: 'misconfigured',
  SELF_SIGNED_CERT_IN_CHAIN: 'misconfigured',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'misconfigured',
  CERT_HAS_EXPIRED: 'misconfigured',
  ERR_TLS_CERT_ALTNAME_INVALID: 'misconfigured',
};

/** SQLSTATE classes and codes of PostgreSQL (appendix A of its manual). */
function postgresReason(code: string): Reason | 'value' | undefined {
  if (code === '57014') return 'timeout'; // query_canceled: statement_timeout
  if (code.startsWith('22')) return 'value'; // data exception: the bound value does not fit the column
  if (code.startsWith('28') || code === '3D000' || code.startsWith('42')) return 'misconfigured'; // auth, no database, undefined table/column, syntax
  if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57')) return 'unreachable'; // connection, resources, shutdown
  return undefined;
}

/** mysql2's error codes (the server's ER_* names and its own PROTOCOL_* ones). */
const MYSQL: Record<string, Reason | 'value'> = {
  PROTOCOL_SEQUENCE_TIMEOUT: 'timeout',
  ER_QUERY_TIMEOUT: 'timeout', // MySQL max_execution_time
  ER_STATEMENT_TIMEOUT: 'timeout', // MariaDB max_statement_time
  ER_LOCK_WAIT_TIMEOUT: 'timeout',
  PROTOCOL_CONNECTION_LOST: 'unreachable',
  ER_SERVER_SHUTDOWN: 'unreachable',
  ER_CON_COUNT_ERROR: 'unreachable',
  ER_TOO_MANY_USER_CONNECTIONS: 'unreachable',
  ER_ACCESS_DENIED_ERROR: 'misconfigured',
  ER_DBACCESS_DENIED_ERROR: 'misconfigured',
  ER_TABLEACCESS_DENIED_ERROR: 'misconfigured',
  ER_COLUMNACCESS_DENIED_ERROR: 'misconfigured',
  ER_BAD_DB_ERROR: 'misconfigured',
  ER_NO_SUCH_TABLE: 'misconfigured',
  ER_BAD_FIELD_ERROR: 'misconfigured',
  ER_PARSE_ERROR: 'misconfigured',
  ER_SP_DOES_NOT_EXIST: 'misconfigured',
  ER_WRONG_ARGUMENTS: 'misconfigured',
  ER_NON_UNIQ_ERROR: 'misconfigured',
  ER_DUP_FIELDNAME: 'misconfigured',
  ER_WRONG_VALUE_COUNT_ON_ROW: 'misconfigured',
  HANDSHAKE_SSL_ERROR: 'misconfigured',
  HANDSHAKE_NO_SSL_SUPPORT: 'misconfigured',
  ER_TRUNCATED_WRONG_VALUE: 'value',
  ER_DATA_TOO_LONG: 'value',
  ER_WARN_DATA_OUT_OF_RANGE: 'value',
};

/** better-sqlite3's SqliteError codes. */
function sqliteReason(code: string, message: string): Reason | undefined {
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'timeout';
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR')) return 'unreachable';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'bad_response';
  if (code === 'SQLITE_ERROR' || code === 'SQLITE_RANGE' || /no such (table|column|function)|syntax error/.test(message)) return 'misconfigured';
  return undefined;
}

/**
 * Translate whatever a driver threw into the SQL client port's two errors: a
 * {@link DirectoryUnavailableError} with a reason and a log-safe detail (`pg 42P01: relation
 * "users" does not exist`), or {@link SqlValueRejectedError} for a bound value the column refuses.
 */
export function translateDriverError(driver: 'pg' | 'mysql2' | 'better-sqlite3', error: unknown, secrets: readonly string[]): Error {
  if (error instanceof DirectoryUnavailableError || error instanceof SqlValueRejectedError) return error;
  const e = (error ?? {}) as { code?: unknown; message?: unknown; errno?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  let reason: Reason | 'value' | undefined = NETWORK[code];
  if (!reason && driver === 'pg') {
    reason = postgresReason(code);
    // pg reports its own client-side timeouts by message only.
    if (!reason && /timeout|timed out/i.test(message)) reason = 'timeout';
    if (!reason && /Connection terminated|ended unexpectedly|not queryable/i.test(message)) reason = 'unreachable';
  }
  if (!reason && driver === 'mysql2') {
    // MariaDB's 1969 (max_statement_time) has no name in mysql2's table; MySQL's 3024 does.
    reason = MYSQL[code] ?? (e.errno === 1969 || e.errno === 3024 || /timeout|timed out|max_statement_time/i.test(message) ? 'timeout' : undefined);
  }
  if (!reason && driver === 'better-sqlite3') reason = sqliteReason(code, message);
  const detail = redactText(`${driver}${code ? ` ${code}` : typeof e.errno === 'number' ? ` ${e.errno}` : ''}: ${message}`, secrets);
  if (reason === 'value') return new SqlValueRejectedError(detail);
  return new DirectoryUnavailableError(reason ?? 'bad_response', detail, { cause: error });
}

/**
 * Reject after `ms` with a `timeout` error: the backstop over a driver's own timeouts, for waits
 * the drivers do not bound (a full mysql2 pool's queue, a hung TLS handshake).
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DirectoryUnavailableError('timeout', `${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

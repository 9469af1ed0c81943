import type { Logger } from '../../log.js';
import { DirectoryUnavailableError, type SiteCredentialResult, type SiteUserRecord, type SiteUserSource } from '../site-source.js';
import { SqlValueRejectedError, type SqlClient, type SqlResult, type SqlRow } from './client.js';
import type { BoundStatement } from './named-params.js';
import { GarbageRowError, readHash, readRecord } from './rows.js';
import { buildStatements, type SqlMapping, type SqlStatements } from './statements.js';
import { checkMapping, type SqlCheckReport } from './check.js';

/** What a hash verifier answers (the shape of the hash registry in `src/users/hashes/`). */
export interface HashVerdict {
  ok: boolean;
  /** The recognised format (`bcrypt`, `phpass`, …), or null when none matched. */
  format: string | null;
  /** Why a stored hash could not be used (unparseable, cost over the limit): logged, never shown. */
  problem?: string;
}

/**
 * Verify `password` against the site's stored hash. `row` is the lookup's whole result row, for
 * formats that need more than the hash (a salt column, under its configured name).
 */
export type VerifyHash = (password: string, storedHash: string, row: SqlRow) => Promise<HashVerdict>;

export interface SqlSiteSourceOptions {
  client: SqlClient;
  /** Table + columns, or the operator's queries (`directory` after preset resolution). */
  mapping: SqlMapping;
  verifyHash: VerifyHash;
  /** Spend the time of a real verification (unknown users, unusable rows): no timing oracle. */
  burn: (password: string) => Promise<void>;
  logger?: Logger | undefined;
}

/** Longer logins than this are nobody's: answered as unknown without asking the database. */
export const MAX_LOGIN_LENGTH = 320;
/** Site keys are primary keys (numbers, UUIDs, short strings). */
const MAX_KEY_LENGTH = 255;

/**
 * The site's own SQL database (PostgreSQL, MySQL/MariaDB, SQLite) as a {@link SiteUserSource}:
 * looks users up through the configured column map or the operator's queries and checks the
 * password with the injected verifier. Read-only: it never writes to the site's tables.
 *
 * Failures of the database (unreachable, slow, missing tables, unusable rows) are thrown as
 * {@link DirectoryUnavailableError} and logged with their detail; "no such user", odd logins and
 * wrong passwords are `{ ok: false }` after the same amount of hashing.
 */
export class SqlSiteSource implements SiteUserSource {
  readonly kind = 'sql' as const;
  readonly #client: SqlClient;
  readonly #mapping: SqlMapping;
  readonly #statements: SqlStatements;
  readonly #verifyHash: VerifyHash;
  readonly #burn: (password: string) => Promise<void>;
  readonly #logger: Logger | undefined;

  /** @throws TypeError when the mapping has neither table + columns nor queries (the schema prevents it). */
  constructor(options: SqlSiteSourceOptions) {
    this.#client = options.client;
    this.#mapping = options.mapping;
    this.#statements = buildStatements(options.client.dialect, options.mapping);
    this.#verifyHash = options.verifyHash;
    this.#burn = options.burn;
    this.#logger = options.logger;
  }

  async verifyCredentials(login: string, password: string): Promise<SiteCredentialResult> {
    if (!plausible(login, MAX_LOGIN_LENGTH)) return this.#unknown(password);
    const rows = await this.#rows('byLogin', this.#statements.byLogin(login), { valueRejected: 'empty' });
    if (rows.length !== 1) {
      if (rows.length > 1) this.#logger?.log('warn', 'directory_ambiguous_login', { directory: 'sql', detail: 'the login matches more than one row; refused' });
      return this.#unknown(password);
    }
    const row = rows[0]!;
    const record = this.#record('byLogin', row);
    const hash = this.#hash(row, record.key);
    if (hash === null) return this.#unknown(password);
    const verdict = await this.#verifyHash(password, hash, row);
    if (verdict.problem) {
      this.#logger?.log('warn', 'directory_hash_unusable', { directory: 'sql', key: record.key, format: verdict.format, problem: verdict.problem });
    }
    if (!verdict.ok) return { ok: false };
    return { ok: true, record, format: verdict.format ?? 'unknown' };
  }

  async findByKey(key: string): Promise<SiteUserRecord | null> {
    if (!plausible(key, MAX_KEY_LENGTH)) return null;
    const rows = await this.#rows('byId', this.#statements.byId(key), { valueRejected: 'empty' });
    if (rows.length === 0) return null;
    if (rows.length > 1) throw this.#fail(new DirectoryUnavailableError('bad_response', 'byId: more than one row for one key; the id column must be unique'), 'byId');
    const record = this.#record('byId', rows[0]!);
    // MySQL compares a string with a number loosely ('42abc' = 42): only the exact key is a match.
    return record.key === key ? record : null;
  }

  async findByEmail(email: string): Promise<SiteUserRecord | null> {
    const byEmail = this.#statements.byEmail;
    if (!byEmail || !plausible(email, MAX_LOGIN_LENGTH)) return null;
    const rows = await this.#rows('byEmail', byEmail(email), { valueRejected: 'empty' });
    if (rows.length === 0) return null;
    // Two accounts behind one address: neither "none" (a duplicate sign-up) nor a guess (a reset
    // mailed for the wrong account) is safe.
    if (rows.length > 1) throw this.#fail(new DirectoryUnavailableError('bad_response', 'byEmail: more than one row for one email address'), 'byEmail');
    return this.#record('byEmail', rows[0]!);
  }

  /**
   * Verify the mapping against the live database: the table and every mapped column exist (or
   * the queries prepare and return the needed columns), MySQL login columns compare as
   * `loginCase` says, and a sample row reads. For start-up and `idbridge directory check`.
   * Never throws for a bad mapping: problems are listed in the report.
   */
  check(options: { sample?: number } = {}): Promise<SqlCheckReport> {
    return checkMapping(this.#client, this.#mapping, this.#statements, options.sample ?? 1);
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  async #unknown(password: string): Promise<{ ok: false }> {
    await this.#burn(password);
    return { ok: false };
  }

  async #rows(lookup: string, statement: BoundStatement, options: { valueRejected: 'empty' }): Promise<SqlRow[]> {
    let result: SqlResult;
    try {
      result = await this.#client.query(statement.sql, statement.params);
    } catch (error) {
      if (error instanceof SqlValueRejectedError && options.valueRejected === 'empty') return [];
      if (error instanceof DirectoryUnavailableError) throw this.#fail(error, lookup);
      throw this.#fail(new DirectoryUnavailableError('bad_response', `${lookup}: ${String(error).slice(0, 200)}`, { cause: error }), lookup);
    }
    return result.rows;
  }

  #record(lookup: string, row: SqlRow): SiteUserRecord {
    try {
      return readRecord(row);
    } catch (error) {
      if (error instanceof GarbageRowError) throw this.#fail(new DirectoryUnavailableError('bad_response', `${lookup}: ${error.message}`), lookup);
      throw error;
    }
  }

  /** The row's hash, or null (logged) when the user has none usable. */
  #hash(row: SqlRow, key: string): string | null {
    try {
      const hash = readHash(row);
      if (hash === null) this.#logger?.log('info', 'directory_hash_unusable', { directory: 'sql', key, problem: 'no password hash' });
      return hash;
    } catch (error) {
      if (error instanceof GarbageRowError) {
        this.#logger?.log('warn', 'directory_hash_unusable', { directory: 'sql', key, problem: error.message });
        return null;
      }
      throw error;
    }
  }

  #fail(error: DirectoryUnavailableError, lookup?: string): DirectoryUnavailableError {
    this.#logger?.log('error', 'directory_unavailable', { directory: 'sql', dialect: this.#client.dialect, lookup, reason: error.reason, detail: error.detail });
    return error;
  }
}

/** A value worth asking the database about: well-formed text, no control characters, not huge. */
function plausible(value: string, maxLength: number): boolean {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= maxLength &&
    !/[\u0000-\u001f\u007f]/.test(value) &&
    // A lone surrogate cannot be encoded as UTF-8 for the database: nobody's login.
    !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)
  );
}

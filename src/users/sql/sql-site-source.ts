import type { Logger } from '../../log.js';
import { DirectoryUnavailableError, type SiteCredentialResult, type SiteUserRecord, type SiteUserSource } from '../site-source.js';
import { SqlValueRejectedError, type SqlClient, type SqlResult, type SqlRow } from './client.js';
import type { BoundStatement } from './named-params.js';
import { GarbageRowError, readHash, readRecord } from './rows.js';
import { quoteIdentifier } from './dialect.js';
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

/**
 * The operator's upgrade policy over the site's hashes (the hash registry's `needsUpgrade` and
 * `rehash`, with the row for formats that need a salt column).
 */
export interface HashUpgradePolicy {
  /** Should this verified hash be replaced, and can a stronger one be written in the same format? */
  needsUpgrade(storedHash: string, row: SqlRow): { upgrade: boolean; rehashable: boolean };
  /** A stronger hash in the same format as `storedHash`, or null when that format cannot be written. */
  rehash(password: string, storedHash: string, row: SqlRow): Promise<string | null>;
}

export interface SqlSiteSourceOptions {
  client: SqlClient;
  /** Table + columns, or the operator's queries (`directory` after preset resolution). */
  mapping: SqlMapping;
  verifyHash: VerifyHash;
  /** Spend the time of a real verification (unknown users, unusable rows): no timing oracle. */
  burn: (password: string) => Promise<void>;
  logger?: Logger | undefined;
  /**
   * Federated write-back (`directory.writeBack`): after a sign-in whose hash `upgrade` says is
   * below the operator's targets, rewrite it in the same format. Needs a column map (the UPDATE
   * is built from it) and a client with `execute`. Off without a policy.
   */
  writeBack?: { upgrade: HashUpgradePolicy } | undefined;
}

/** Verified hashes awaiting their rewrite (sign-ins in flight): bounded, oldest dropped first. */
const MAX_PENDING_REWRITES = 1_000;

/** Longer logins than this are nobody's: answered as unknown without asking the database. */
export const MAX_LOGIN_LENGTH = 320;
/** Site keys are primary keys (numbers, UUIDs, short strings). */
const MAX_KEY_LENGTH = 255;

/**
 * The site's own SQL database (PostgreSQL, MySQL/MariaDB, SQLite) as a {@link SiteUserSource}:
 * looks users up through the configured column map or the operator's queries and checks the
 * password with the injected verifier. Read-only, except for federated write-back when the
 * operator enabled it: one compare-and-swap UPDATE of the password column, in the stored hash's
 * own format (a bcrypt cost bump), never idbridge's scrypt.
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
  readonly #upgrade: HashUpgradePolicy | undefined;
  /** key → the hash just verified and its format: what `rewriteHash` compares and swaps. */
  readonly #pending = new Map<string, { hash: string; format: string; row: SqlRow }>();

  /** @throws TypeError when the mapping has neither table + columns nor queries (the schema prevents it). */
  constructor(options: SqlSiteSourceOptions) {
    this.#client = options.client;
    this.#mapping = options.mapping;
    this.#statements = buildStatements(options.client.dialect, options.mapping);
    this.#verifyHash = options.verifyHash;
    this.#burn = options.burn;
    this.#logger = options.logger;
    if (options.writeBack) {
      if (this.#statements.source !== 'columns') throw new TypeError('write-back needs a column-mapped directory (table + columns), not queries');
      if (!options.client.execute) throw new TypeError('write-back needs a client opened writable');
      this.#upgrade = options.writeBack.upgrade;
    }
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
    const format = verdict.format ?? 'unknown';
    if (this.#upgrade && verdict.format !== null) {
      const advice = this.#upgrade.needsUpgrade(hash, row);
      if (advice.upgrade && advice.rehashable) {
        this.#remember(record.key, { hash, format, row });
        return { ok: true, record, format, upgrade: true };
      }
    }
    return { ok: true, record, format };
  }

  /**
   * Federated write-back: replace the hash verified a moment ago for `key` by a stronger one in
   * the same `format` (the registry's `rehash`: bcrypt keeps `$2y$`/`$wp$`, Django PBKDF2 keeps
   * its prefix), with one UPDATE that only matches while the column still holds the verified hash,
   * so a password changed at the site meanwhile wins. Refuses (throws) anything else: no pending
   * verification, another format, a format idbridge cannot write. The caller logs and carries on.
   */
  async rewriteHash(key: string, password: string, format: string): Promise<void> {
    const pending = this.#pending.get(key);
    this.#pending.delete(key);
    const upgrade = this.#upgrade;
    const columns = this.#mapping.columns;
    const execute = this.#client.execute?.bind(this.#client);
    if (!upgrade || !columns || !this.#mapping.table || !execute) throw new Error('write-back is not enabled for this directory');
    if (!pending) throw new Error('no verified hash to rewrite for this key');
    if (pending.format !== format) throw new Error(`refused: the verified hash is ${pending.format}, not ${format}`);
    const next = await upgrade.rehash(password, pending.hash, pending.row);
    if (next === null) throw new Error(`refused: idbridge cannot write ${format} hashes`);
    // The second lock: the new hash must be one the same verifier accepts, in the same format.
    const check = await this.#verifyHash(password, next, pending.row);
    if (!check.ok || check.format !== pending.format) throw new Error(`refused: the new hash is ${check.format ?? 'unrecognised'}, not ${format}`);
    const d = this.#client.dialect;
    const q = (name: string) => quoteIdentifier(d, name);
    // SET takes a bare column (PostgreSQL refuses `table.column` there).
    const column = q(columns.passwordHash.split('.').pop()!);
    const ph = (n: number) => (d === 'postgres' ? `$${n}` : '?');
    const sql = `UPDATE ${q(this.#mapping.table)} SET ${column} = ${ph(1)} WHERE ${q(columns.id.split('.').pop()!)} = ${ph(2)} AND ${column} = ${ph(3)}`;
    const { changes } = await execute(sql, [next, key, pending.hash]);
    if (changes === 1) this.#logger?.log('info', 'directory_hash_rewritten', { directory: 'sql', key, format });
    else this.#logger?.log('info', 'directory_hash_rewrite_skipped', { directory: 'sql', key, format, detail: 'the stored hash changed since the sign-in; the site wins' });
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

  #remember(key: string, entry: { hash: string; format: string; row: SqlRow }): void {
    this.#pending.delete(key);
    if (this.#pending.size >= MAX_PENDING_REWRITES) this.#pending.delete(this.#pending.keys().next().value!);
    this.#pending.set(key, entry);
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

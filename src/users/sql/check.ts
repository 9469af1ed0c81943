import { DirectoryUnavailableError, type SiteUserRecord } from '../site-source.js';
import { SqlValueRejectedError, type SqlClient, type SqlDialect, type SqlResult } from './client.js';
import { quoteIdentifier } from './dialect.js';
import type { BoundStatement } from './named-params.js';
import { GarbageRowError, lowerKeys, readHash, readRecord } from './rows.js';
import { mappedColumns, RESULT_COLUMNS, selectList, type SqlMapping, type SqlStatements } from './statements.js';

/** What `SqlSiteSource.check()` found. */
export interface SqlCheckReport {
  /** True when the database answered and the mapping has no problem. */
  ok: boolean;
  dialect: SqlDialect;
  /** One line per mapping problem, naming the setting: `directory.columns.email: column "mail" not found in "users"`. */
  problems: string[];
  /** Set when the database could not be asked at all (then `problems` may be incomplete). */
  unavailable?: { reason: DirectoryUnavailableError['reason']; detail: string };
  /** The first row of the table, read as a record (column map only), or null. */
  sample: SiteUserRecord | null;
  /** Keys and stored hashes of up to `sampleSize` rows (column map only), for per-format counts by the hash registry. */
  hashes?: Array<{ key: string; passwordHash: string | null; salt?: string | null }>;
}

/** A value no real login or key equals; probes that the lookups prepare and what they return. */
const PROBE_LOGIN = 'idbridge-check@invalid.\u0001';
const PROBE_ID = '0';

class Unavailable extends Error {
  constructor(readonly error: DirectoryUnavailableError) {
    super(error.detail);
  }
}

/**
 * Verify a mapping against the live database (see `SqlSiteSource.check`). Every query here is a
 * read with `WHERE 1 = 0` or `LIMIT 1`, so it is cheap on any table size.
 */
export async function checkMapping(client: SqlClient, mapping: SqlMapping, statements: SqlStatements, sampleSize = 1): Promise<SqlCheckReport> {
  const problems: string[] = [];
  const report: SqlCheckReport = { ok: false, dialect: client.dialect, problems, sample: null };
  /** Run a statement: a result, or the problem (misconfigured) recorded under `setting`. */
  const attempt = async (setting: string, statement: BoundStatement, what: string): Promise<SqlResult | 'rejected' | null> => {
    try {
      return await client.query(statement.sql, statement.params);
    } catch (error) {
      if (error instanceof SqlValueRejectedError) return 'rejected';
      if (error instanceof DirectoryUnavailableError && error.reason === 'misconfigured') {
        problems.push(`${setting}: ${what} (${error.detail})`);
        return null;
      }
      if (error instanceof DirectoryUnavailableError) throw new Unavailable(error);
      throw new Unavailable(new DirectoryUnavailableError('bad_response', String(error).slice(0, 200), { cause: error }));
    }
  };
  try {
    await attempt('directory.url', { sql: 'SELECT 1 AS one', params: [] }, 'cannot query the database');
    // With a table or column missing, every lookup fails for the same reason: say it once.
    const columnsOk = statements.source === 'columns' ? await checkColumns(client, mapping, attempt, problems, report, sampleSize) : true;
    if (columnsOk) await checkLookups(statements, attempt, problems);
    // Operator queries (a preset's, say) with a table and column map too: sample the hashes from
    // there for the per-format counts; a failure here is no mapping problem (the queries work).
    if (statements.source === 'queries' && mapping.table && mapping.columns && problems.length === 0) {
      try {
        const from = quoteIdentifier(client.dialect, mapping.table);
        const rows = await client.query(`SELECT ${selectList(client.dialect, mapping.columns, mapping.saltColumn)} FROM ${from} LIMIT ${Math.max(1, Math.min(10_000, Math.floor(sampleSize)))}`, []);
        report.hashes = sampledHashes(rows.rows, mapping);
      } catch {
        // no sample: the counts stay empty
      }
    }
  } catch (error) {
    if (!(error instanceof Unavailable)) throw error;
    report.unavailable = { reason: error.error.reason, detail: error.error.detail };
  }
  report.ok = !report.unavailable && problems.length === 0;
  return report;
}

/** Keys and stored hashes of sampled rows (rows without a usable key or hash text are left out). */
function sampledHashes(rows: readonly SqlResult['rows'][number][], mapping: SqlMapping): NonNullable<SqlCheckReport['hashes']> {
  const saltName = mapping.saltColumn?.split('.').pop()?.toLowerCase();
  const out: NonNullable<SqlCheckReport['hashes']> = [];
  for (const row of rows) {
    try {
      const key = readRecord(row).key;
      const salt = saltName ? lowerKeys(row)[saltName] : undefined;
      out.push({ key, passwordHash: readHash(row), ...(typeof salt === 'string' ? { salt } : {}) });
    } catch (error) {
      if (!(error instanceof GarbageRowError)) throw error;
    }
  }
  return out;
}

type Attempt = (setting: string, statement: BoundStatement, what: string) => Promise<SqlResult | 'rejected' | null>;

async function checkColumns(client: SqlClient, mapping: SqlMapping, attempt: Attempt, problems: string[], report: SqlCheckReport, sampleSize: number): Promise<boolean> {
  const { dialect } = client;
  const table = mapping.table!;
  const columns = mapping.columns!;
  const from = quoteIdentifier(dialect, table);
  const hint = dialect === 'postgres' ? '; PostgreSQL folds unquoted names to lower case, write the name as the database shows it' : '';
  if ((await attempt('directory.table', { sql: `SELECT 1 AS one FROM ${from} WHERE 1 = 0`, params: [] }, `table "${table}" not found${hint}`)) === null) return false;
  let allFound = true;
  for (const { setting, column } of mappedColumns(columns, mapping.saltColumn)) {
    const found = await attempt(setting, { sql: `SELECT ${quoteIdentifier(dialect, column)} FROM ${from} WHERE 1 = 0`, params: [] }, `column "${column}" not found in "${table}"${hint}`);
    if (found === null) allFound = false;
  }
  if (!allFound) return false;
  if (dialect === 'mysql' && mapping.loginCase === 'insensitive') await checkMysqlCollation(table, columns, attempt, problems);
  const limit = Math.max(1, Math.min(10_000, Math.floor(sampleSize)));
  const sample = await attempt('directory.table', { sql: `SELECT ${selectList(dialect, columns, mapping.saltColumn)} FROM ${from} LIMIT ${limit}`, params: [] }, 'cannot read a sample row');
  if (sample && sample !== 'rejected' && sample.rows[0]) {
    try {
      report.sample = readRecord(sample.rows[0]);
      readHash(sample.rows[0]);
    } catch (error) {
      if (!(error instanceof GarbageRowError)) throw error;
      problems.push(`directory.columns: the sample row cannot be used: ${error.message}`);
    }
    report.hashes = sampledHashes(sample.rows, mapping);
  }
  return true;
}

/**
 * MySQL compares with the column's collation; in `insensitive` mode the login columns must use a
 * case-insensitive one (`*_ci`), since idbridge relies on it instead of LOWER() (see `loginEquals`).
 */
async function checkMysqlCollation(table: string, columns: NonNullable<SqlMapping['columns']>, attempt: Attempt, problems: string[]): Promise<void> {
  const [schema, name] = table.includes('.') ? table.split('.') : [undefined, table];
  const logins = [
    { setting: 'directory.columns.email', column: columns.email },
    { setting: 'directory.columns.username', column: columns.username },
  ].filter((l): l is { setting: string; column: string } => !!l.column);
  const params = [name!, ...logins.map((l) => l.column)];
  const result = await attempt(
    'directory.loginCase',
    {
      sql: `SELECT COLUMN_NAME AS name, COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${schema ? '?' : 'DATABASE()'} AND TABLE_NAME = ? AND COLUMN_NAME IN (${logins.map(() => '?').join(', ')})`,
      params: schema ? [schema, ...params] : params,
    },
    'cannot read the login columns’ collations',
  );
  if (!result || result === 'rejected') return;
  for (const row of result.rows.map(lowerKeys)) {
    const collation = typeof row['collation'] === 'string' ? row['collation'] : null;
    if (collation === null || /_bin$|_cs$|^binary$/i.test(collation)) {
      const login = logins.find((l) => l.column.toLowerCase() === String(row['name']).toLowerCase());
      problems.push(
        `${login?.setting ?? 'directory.columns'}: column "${String(row['name'])}" compares case-sensitively (collation ${collation ?? 'none: not a text column'}), but directory.loginCase is insensitive; set loginCase: sensitive if the site compares exactly, or give the column a *_ci collation`,
      );
    }
  }
}

/** Each lookup prepares with a probe value and returns the columns a record needs. */
async function checkLookups(statements: SqlStatements, attempt: Attempt, problems: string[]): Promise<void> {
  const where = statements.source === 'queries' ? 'directory.queries' : 'directory.columns';
  const lookups: Array<{ name: string; statement: BoundStatement; needs: string[] }> = [
    { name: 'byLogin', statement: statements.byLogin(PROBE_LOGIN), needs: [RESULT_COLUMNS.id, RESULT_COLUMNS.passwordHash] },
    { name: 'byId', statement: statements.byId(PROBE_ID), needs: [RESULT_COLUMNS.id] },
  ];
  if (statements.byEmail) lookups.push({ name: 'byEmail', statement: statements.byEmail(PROBE_LOGIN), needs: [RESULT_COLUMNS.id] });
  for (const lookup of lookups) {
    const setting = statements.source === 'queries' ? `${where}.${lookup.name}` : where;
    const result = await attempt(setting, lookup.statement, `the ${lookup.name} lookup fails`);
    if (!result || result === 'rejected') continue;
    const returned = new Set(result.columns.map((c) => c.toLowerCase()));
    const missing = lookup.needs.filter((c) => !returned.has(c) && !(c === 'password_hash' && returned.has('passwordhash')));
    if (missing.length > 0) {
      problems.push(`${setting}: must return the column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} (write … AS ${missing[0]}); it returns ${[...returned].map((c) => `"${c}"`).join(', ') || 'nothing'}`);
    }
  }
}

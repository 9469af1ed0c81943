import type { SqlDirectoryConfig } from '../../config/document.js';
import type { AttributeName } from '../profile.js';
import type { SqlDialect } from './client.js';
import { loginEquals, Params, quoteIdentifier, type LoginCase } from './dialect.js';
import { bindNamed, type BoundStatement } from './named-params.js';

/** The column map of `directory.columns` (see `src/config/document.ts`). */
export interface SqlColumnMap {
  id: string;
  email?: string | undefined;
  username?: string | undefined;
  passwordHash: string;
  blocked?: string | undefined;
  /** The inverse flag: falsy means blocked (Django's `is_active`). */
  active?: string | undefined;
  emailVerified?: string | undefined;
  attributes: Partial<Record<AttributeName, string>>;
}

/** The operator's own lookups (`directory.queries`), with `:login` / `:id` / `:email`. */
export interface SqlQueries {
  byLogin: string;
  byId: string;
  byEmail?: string | undefined;
}

/** What the three lookups need from the directory configuration. */
export interface SqlMapping {
  table?: string | undefined;
  columns?: SqlColumnMap | undefined;
  queries?: SqlQueries | undefined;
  loginCase: LoginCase;
  /** A salt column for salted legacy hashes; returned under its own name for the verifier. */
  saltColumn?: string | undefined;
}

/**
 * The names lookups return their columns under, whichever way they were written: a column map is
 * selected `AS` these, and operator queries must use them (`SELECT user_pass AS password_hash`).
 */
export const RESULT_COLUMNS = {
  id: 'id',
  email: 'email',
  username: 'username',
  passwordHash: 'password_hash',
  blocked: 'blocked',
  active: 'active',
  emailVerified: 'email_verified',
} as const;

/** The three lookups of a mapping, as statements ready to bind. */
export interface SqlStatements {
  byLogin(login: string): BoundStatement;
  byId(id: string): BoundStatement;
  /** Undefined when the mapping has no email (column or query): nobody is found by email. */
  byEmail: ((email: string) => BoundStatement) | undefined;
  /** How the statements were made, for `check()`. */
  readonly source: 'columns' | 'queries';
}

/**
 * Build the lookups for `mapping` in `dialect`. Operator queries win over a column map when both
 * are given. Every mapped name is validated and quoted; every value is a bound parameter.
 */
export function buildStatements(dialect: SqlDialect, mapping: SqlMapping): SqlStatements {
  if (mapping.queries) {
    const q = mapping.queries;
    return {
      source: 'queries',
      byLogin: (login) => bindNamed(dialect, q.byLogin, { login }),
      byId: (id) => bindNamed(dialect, q.byId, { id }),
      byEmail: q.byEmail === undefined ? undefined : (email) => bindNamed(dialect, q.byEmail!, { email }),
    };
  }
  const { table, columns } = mapping;
  if (!table || !columns) throw new TypeError('an SQL directory needs table + columns, or queries');
  if (!columns.email && !columns.username) throw new TypeError('an SQL directory needs a login column (email and/or username)');
  const from = `SELECT ${selectList(dialect, columns, mapping.saltColumn)} FROM ${quoteIdentifier(dialect, table)}`;
  const where = (clause: (p: Params) => string): BoundStatement => {
    const params = new Params(dialect);
    return { sql: `${from} WHERE ${clause(params)} LIMIT 2`, params: params.values };
  };
  const logins = [columns.email, columns.username].filter((c): c is string => !!c);
  return {
    source: 'columns',
    byLogin: (login) => where((p) => logins.map((c) => loginEquals(p, c, login, 'login', mapping.loginCase)).join(' OR ')),
    byId: (id) => where((p) => `${quoteIdentifier(dialect, columns.id)} = ${p.add(id, 'id')}`),
    byEmail: columns.email ? (email) => where((p) => loginEquals(p, columns.email!, email, 'email', mapping.loginCase)) : undefined,
  };
}

/** `"ID" AS "id", "user_email" AS "email", …`: mapped columns under the result names. */
export function selectList(dialect: SqlDialect, columns: SqlColumnMap, saltColumn?: string): string {
  const q = (name: string) => quoteIdentifier(dialect, name);
  const items: string[] = [];
  for (const key of Object.keys(RESULT_COLUMNS) as Array<keyof typeof RESULT_COLUMNS>) {
    const column = columns[key];
    if (column) items.push(`${q(column)} AS ${q(RESULT_COLUMNS[key])}`);
  }
  for (const [name, column] of Object.entries(columns.attributes)) {
    // email and email_verified are record fields (mapped above), not extra attributes.
    if (column && name !== 'email' && name !== 'email_verified') items.push(`${q(column)} AS ${q(name)}`);
  }
  if (saltColumn) items.push(`${q(saltColumn)} AS ${q(saltColumn.split('.').pop()!)}`);
  return items.join(', ');
}

/** Every mapped column (for `check()`), with the setting that names it. */
export function mappedColumns(columns: SqlColumnMap, saltColumn?: string): Array<{ setting: string; column: string }> {
  const out: Array<{ setting: string; column: string }> = [];
  for (const key of Object.keys(RESULT_COLUMNS) as Array<keyof typeof RESULT_COLUMNS>) {
    const column = columns[key];
    if (column) out.push({ setting: `directory.columns.${key}`, column });
  }
  for (const [name, column] of Object.entries(columns.attributes)) if (column) out.push({ setting: `directory.columns.attributes.${name}`, column });
  if (saltColumn) out.push({ setting: 'directory.saltedHash.saltColumn', column: saltColumn });
  return out;
}

/**
 * The mapping part of a `directory: { kind: sql }` configuration. A preset must have been resolved
 * into table + columns before (the presets module does that); without either this throws.
 */
export function mappingFromConfig(directory: SqlDirectoryConfig): SqlMapping {
  return {
    table: directory.table,
    columns: directory.columns,
    queries: directory.queries,
    loginCase: directory.loginCase,
    saltColumn: directory.saltedHash?.saltColumn,
  };
}

import type { SqlDialect } from './client.js';

/** One part of a mapped name (`wp_users`, `public`); the config schema checks the same shape. */
const NAME_PART = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * Quote a mapped identifier (`table`, `schema.table`, `column`) for `dialect`: `"x"` for
 * PostgreSQL and SQLite, `` `x` `` for MySQL. The name is validated again here (defence in depth
 * behind the config schema), so no quote character can ever reach the SQL text.
 *
 * Quoting makes the name exact: PostgreSQL folds *unquoted* names to lower case, so a table
 * created as `CREATE TABLE Users` is `users` and must be mapped so.
 */
export function quoteIdentifier(dialect: SqlDialect, name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => NAME_PART.test(p))) {
    throw new TypeError(`not a SQL identifier: ${JSON.stringify(name.slice(0, 80))}`);
  }
  const q = dialect === 'mysql' ? '`' : '"';
  return parts.map((p) => `${q}${p}${q}`).join('.');
}

/** Collects bound values and writes the dialect's placeholder for each (`$1` or `?`). */
export class Params {
  readonly values: string[] = [];
  readonly #byName = new Map<string, string>();

  constructor(readonly dialect: SqlDialect) {}

  /**
   * The placeholder for `value`. PostgreSQL placeholders are numbered, so a value used twice under
   * the same `name` is bound once and referenced twice; `?` placeholders bind once per use.
   */
  add(value: string, name?: string): string {
    if (this.dialect === 'postgres') {
      const known = name === undefined ? undefined : this.#byName.get(name);
      if (known) return known;
      this.values.push(value);
      const placeholder = `$${this.values.length}`;
      if (name !== undefined) this.#byName.set(name, placeholder);
      return placeholder;
    }
    this.values.push(value);
    return '?';
  }
}

export type LoginCase = 'insensitive' | 'sensitive';

/**
 * `column = value`, compared the way the site compares logins.
 *
 * - **PostgreSQL / SQLite, insensitive**: `LOWER(col) = LOWER(value)`. Their default comparison is
 *   exact, and LOWER() is what site code does; it bypasses a plain index on the column, so the
 *   docs recommend an expression index (`CREATE INDEX … ON users (LOWER(email))`), which both
 *   engines use for exactly this expression. (A `citext` column works too.)
 * - **MySQL / MariaDB, insensitive**: plain `col = value`. The default collations (`*_ci`) already
 *   compare case-insensitively, as the site's own queries do, and wrapping the column in LOWER()
 *   would turn every sign-in into a full table scan. `check()` refuses a case-sensitive
 *   (`*_bin`, `*_cs`, binary) login column in this mode, so "insensitive" is never silently false.
 * - **sensitive**: exact comparison. MySQL first matches through the index with the column's
 *   collation and then compares the bytes (`CAST(… AS BINARY)`); SQLite forces `COLLATE BINARY`
 *   in case the column was declared `NOCASE`; PostgreSQL's `=` is already exact (except `citext`).
 */
export function loginEquals(params: Params, column: string, value: string, name: string, loginCase: LoginCase): string {
  const col = quoteIdentifier(params.dialect, column);
  switch (params.dialect) {
    case 'mysql':
      return loginCase === 'insensitive'
        ? `${col} = ${params.add(value, name)}`
        : `(${col} = ${params.add(value, name)} AND CAST(${col} AS BINARY) = CAST(${params.add(value, name)} AS BINARY))`;
    case 'sqlite':
      return loginCase === 'insensitive' ? `LOWER(${col}) = LOWER(${params.add(value, name)})` : `${col} = ${params.add(value, name)} COLLATE BINARY`;
    case 'postgres':
      return loginCase === 'insensitive' ? `LOWER(${col}) = LOWER(${params.add(value, name)})` : `${col} = ${params.add(value, name)}`;
  }
}

import type { PresetDialect, SqlPreset } from './preset.js';

/**
 * WordPress: `wp_users`, first and last name from `wp_usermeta`. Passwords are phpass `$P$`
 * (portable, 8192 rounds) before 6.8, `$wp$2y$` bcrypt (over an HMAC-SHA384 of the password)
 * since 6.8; very old rows are plain MD5. `user_status` non-zero marks spam/deleted accounts.
 * MySQL/MariaDB compare with a case-insensitive collation, as WordPress expects.
 */
export const wordpress: SqlPreset = {
  table: 'wp_users',
  columns: {
    id: 'ID',
    email: 'user_email',
    username: 'user_login',
    passwordHash: 'user_pass',
    blocked: 'user_status',
    attributes: { nickname: 'display_name' },
  },
  queries: ({ table, dialect }) => {
    const meta = metaTable(table);
    const fullname =
      dialect === 'mysql'
        ? `NULLIF(TRIM(CONCAT_WS(' ', fn.meta_value, ln.meta_value)), '')`
        : `NULLIF(TRIM(COALESCE(fn.meta_value, '') || ' ' || COALESCE(ln.meta_value, '')), '')`;
    const select =
      `SELECT u.ID AS id, u.user_email AS email, u.user_login AS username, u.user_pass AS password_hash, ` +
      `u.user_status AS blocked, u.display_name AS nickname, ${fullname} AS fullname ` +
      `FROM ${table} u ` +
      `LEFT JOIN ${meta} fn ON fn.user_id = u.ID AND fn.meta_key = 'first_name' ` +
      `LEFT JOIN ${meta} ln ON ln.user_id = u.ID AND ln.meta_key = 'last_name'`;
    const eq = (column: string, param: string) => caseInsensitive(dialect, column, param);
    return {
      byLogin: `${select} WHERE ${eq('u.user_login', ':login')} OR ${eq('u.user_email', ':login')}`,
      byId: `${select} WHERE u.ID = :id`,
      byEmail: `${select} WHERE ${eq('u.user_email', ':email')}`,
    };
  },
  hashFormats: ['phpass', 'wordpress-bcrypt', 'bcrypt', 'md5'],
};

/** `wp_users` → `wp_usermeta` (any prefix, optionally schema-qualified). */
function metaTable(table: string): string {
  return /users$/i.test(table) ? table.replace(/users$/i, 'usermeta') : `${table}meta`;
}

function caseInsensitive(dialect: PresetDialect, column: string, param: string): string {
  // MySQL's default collations already compare case-insensitively (and keep the index usable).
  if (dialect === 'mysql') return `${column} = ${param}`;
  if (dialect === 'sqlite') return `${column} = ${param} COLLATE NOCASE`;
  return `LOWER(${column}) = LOWER(${param})`;
}

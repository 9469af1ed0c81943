/**
 * Presets are configuration data merged under the operator's keys before validation: a preset
 * plus a URL is the whole configuration, any key still overrides, and errors keep their paths.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseConfigDocument, type SqlDirectoryConfig } from '../../src/config/document.js';
import { SQL_PRESETS } from '../../src/users/presets/index.js';

const parse = (directory: unknown) => parseConfigDocument({ name: 'idbridge.config.yaml', data: { directory } }, { DB_URL: 'mysql://wp:secret@127.0.0.1/wp' });
const sqlOf = (directory: unknown) => {
  const { document, problems } = parse(directory);
  expect(problems).toEqual([]);
  return document.directory as SqlDirectoryConfig;
};

describe('directory presets', () => {
  it('a preset plus a connection URL is the whole configuration', () => {
    for (const name of Object.keys(SQL_PRESETS)) {
      const d = sqlOf({ kind: 'sql', preset: name, url: '${DB_URL}' });
      expect(d.table).toBe(SQL_PRESETS[name as keyof typeof SQL_PRESETS].table);
      expect(d.columns?.id).toBeTruthy();
      expect(d.mode).toBe('federated');
      expect(d.name).toBe('site');
    }
  });

  it('Django: is_active is the inverse flag; Laravel and Devise: timestamps as flags', () => {
    expect(sqlOf({ kind: 'sql', preset: 'django', url: 'sqlite:/tmp/x.sqlite' }).columns).toMatchObject({ id: 'id', username: 'username', passwordHash: 'password', active: 'is_active' });
    expect(sqlOf({ kind: 'sql', preset: 'laravel', url: 'sqlite:/tmp/x.sqlite' }).columns).toMatchObject({ email: 'email', passwordHash: 'password', emailVerified: 'email_verified_at' });
    expect(sqlOf({ kind: 'sql', preset: 'devise', url: 'sqlite:/tmp/x.sqlite' }).columns).toMatchObject({ passwordHash: 'encrypted_password', emailVerified: 'confirmed_at', blocked: 'locked_at' });
  });

  it('WordPress: lookups join wp_usermeta for the name, with a custom table prefix carried over', () => {
    const d = sqlOf({ kind: 'sql', preset: 'wordpress', url: '${DB_URL}', table: 'blog_users' });
    expect(d.queries?.byLogin).toContain('FROM blog_users u');
    expect(d.queries?.byLogin).toContain('LEFT JOIN blog_usermeta fn');
    expect(d.queries?.byLogin).toContain('CONCAT_WS'); // MySQL
    expect(d.queries?.byId).toContain(':id');
    expect(d.queries?.byEmail).toContain(':email');
  });

  it('the WordPress lookups run on a real WordPress-shaped SQLite schema', () => {
    const d = sqlOf({ kind: 'sql', preset: 'wordpress', url: 'sqlite:/tmp/wp.sqlite' });
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE wp_users (ID INTEGER PRIMARY KEY, user_login TEXT, user_pass TEXT, user_email TEXT, user_status INTEGER DEFAULT 0, display_name TEXT);
      CREATE TABLE wp_usermeta (umeta_id INTEGER PRIMARY KEY, user_id INTEGER, meta_key TEXT, meta_value TEXT);
      INSERT INTO wp_users VALUES (7, 'Alice', '$P$Bxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'Alice@Example.com', 0, 'ali');
      INSERT INTO wp_usermeta (user_id, meta_key, meta_value) VALUES (7, 'first_name', 'Alice'), (7, 'last_name', 'Liddell');`);
    const named = (sql: string) => sql.replace(/:(\w+)/g, '@$1');
    const row = db.prepare(named(d.queries!.byLogin)).get({ login: 'alice@example.COM' });
    expect(row).toMatchObject({ id: 7, email: 'Alice@Example.com', username: 'Alice', blocked: 0, nickname: 'ali', fullname: 'Alice Liddell' });
    expect(db.prepare(named(d.queries!.byLogin)).get({ login: 'ALICE' })).toMatchObject({ id: 7 });
    expect(db.prepare(named(d.queries!.byId)).get({ id: '7' })).toMatchObject({ fullname: 'Alice Liddell' });
  });

  it('any mapping key overrides the preset, column by column; then the preset queries step aside', () => {
    const d = sqlOf({ kind: 'sql', preset: 'wordpress', url: 'sqlite:/tmp/x', columns: { blocked: 'spam', attributes: { phone: 'phone' } } });
    expect(d.columns).toMatchObject({ id: 'ID', email: 'user_email', blocked: 'spam', attributes: { nickname: 'display_name', phone: 'phone' } });
    expect(d.queries).toBeUndefined();
    expect(sqlOf({ kind: 'sql', preset: 'laravel', url: 'sqlite:/tmp/x', mode: 'migrate', name: 'shop' })).toMatchObject({ mode: 'migrate', name: 'shop', table: 'users' });
  });

  it('errors in overrides still name their paths and values', () => {
    expect(parse({ kind: 'sql', preset: 'laravel', url: 'sqlite:/x', columns: { email: 'bad name!' } }).problems).toEqual([
      'directory.columns.email: "bad name!": must be a SQL identifier (letters, digits, "_", "$"; "schema.table" allowed)',
    ]);
    expect(parse({ kind: 'sql', preset: 'joomla', url: 'sqlite:/x' }).problems).toEqual([expect.stringMatching(/^directory\.preset: "joomla": must be one of wordpress, django, laravel, devise/)]);
    expect(parse({ kind: 'sql', preset: 'wordpress', url: 'sqlite:/x', table: 'x; DROP TABLE y' }).problems[0]).toMatch(/^directory\.table: /);
    expect(parse({ kind: 'sql', preset: 'laravel', url: 'sqlite:/x', name: 'Not OK' }).problems[0]).toMatch(/^directory\.name: "Not OK": must be/);
  });
});

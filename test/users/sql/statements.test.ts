import { describe, expect, it } from 'vitest';
import { loginEquals, Params, quoteIdentifier } from '../../../src/users/sql/dialect.js';
import { bindNamed } from '../../../src/users/sql/named-params.js';
import { readHash, readRecord, truthy } from '../../../src/users/sql/rows.js';
import { buildStatements } from '../../../src/users/sql/statements.js';

describe('quoteIdentifier', () => {
  it('quotes per dialect, schema.table included', () => {
    expect(quoteIdentifier('postgres', 'public.wp_users')).toBe('"public"."wp_users"');
    expect(quoteIdentifier('mysql', 'ID')).toBe('`ID`');
    expect(quoteIdentifier('sqlite', 'user_pass')).toBe('"user_pass"');
  });

  it('refuses anything that is not a plain identifier', () => {
    for (const bad of ['a"b', 'a`b', 'x; DROP TABLE y', 'a.b.c', '', '1abc', 'a b', 'a'.repeat(64)]) {
      expect(() => quoteIdentifier('postgres', bad), bad).toThrow(TypeError);
    }
  });
});

describe('bindNamed', () => {
  it('numbers PostgreSQL placeholders, reusing one per name, and leaves casts alone', () => {
    const bound = bindNamed('postgres', 'SELECT id::text AS id FROM u WHERE LOWER(email) = LOWER(:login) OR login = :login;', { login: 'Al' });
    expect(bound).toEqual({ sql: 'SELECT * FROM (SELECT id::text AS id FROM u WHERE LOWER(email) = LOWER($1) OR login = $1\n) AS idbridge_q LIMIT 2', params: ['Al'] });
  });

  it('binds ? once per use for MySQL and SQLite', () => {
    expect(bindNamed('mysql', 'SELECT 1 WHERE a = :login OR b = :login', { login: 'x' }).params).toEqual(['x', 'x']);
    expect(bindNamed('sqlite', 'SELECT 1 WHERE a = :id', { id: '7' }).sql).toContain('a = ?');
  });

  it('refuses a parameter it was not given', () => {
    expect(() => bindNamed('postgres', 'SELECT 1 WHERE a = :login AND b = :password', { login: 'x' })).toThrow(/unknown parameter :password/);
  });

  it('keeps a trailing comment from swallowing the wrapper', () => {
    expect(bindNamed('sqlite', 'SELECT 1 AS id WHERE :id = 1 -- note', { id: '1' }).sql).toMatch(/-- note\n\) AS idbridge_q LIMIT 2$/);
  });
});

describe('loginEquals', () => {
  it.each([
    ['postgres', 'insensitive', 'LOWER("email") = LOWER($1)'],
    ['postgres', 'sensitive', '"email" = $1'],
    ['sqlite', 'insensitive', 'LOWER("email") = LOWER(?)'],
    ['sqlite', 'sensitive', '"email" = ? COLLATE BINARY'],
    ['mysql', 'insensitive', '`email` = ?'],
    ['mysql', 'sensitive', '(`email` = ? AND CAST(`email` AS BINARY) = CAST(? AS BINARY))'],
  ] as const)('%s, %s', (dialect, loginCase, sql) => {
    expect(loginEquals(new Params(dialect), 'email', 'x', 'login', loginCase)).toBe(sql);
  });
});

describe('buildStatements (column map)', () => {
  const columns = { id: 'ID', email: 'user_email', username: 'user_login', passwordHash: 'user_pass', attributes: { fullname: 'display_name', email: 'user_email' } };

  it('selects mapped columns under the result names, logins by email or username, values bound', () => {
    const s = buildStatements('postgres', { table: 'wp_users', columns, loginCase: 'insensitive', saltColumn: 'salt' });
    expect(s.byLogin("x' OR 1=1 --")).toEqual({
      sql: 'SELECT "ID" AS "id", "user_email" AS "email", "user_login" AS "username", "user_pass" AS "password_hash", "display_name" AS "fullname", "salt" AS "salt" FROM "wp_users" WHERE LOWER("user_email") = LOWER($1) OR LOWER("user_login") = LOWER($1) LIMIT 2',
      params: ["x' OR 1=1 --"],
    });
    expect(s.byId('1').sql).toMatch(/WHERE "ID" = \$1 LIMIT 2$/);
    expect(s.byEmail!('a@b').sql).toMatch(/WHERE LOWER\("user_email"\) = LOWER\(\$1\) LIMIT 2$/);
  });

  it('has no email lookup without an email column', () => {
    const s = buildStatements('mysql', { table: 'users', columns: { id: 'id', username: 'login', passwordHash: 'pw', attributes: {} }, loginCase: 'insensitive' });
    expect(s.byEmail).toBeUndefined();
    expect(s.byLogin('a').sql).toBe('SELECT `id` AS `id`, `login` AS `username`, `pw` AS `password_hash` FROM `users` WHERE `login` = ? LIMIT 2');
  });
});

describe('rows', () => {
  it('reads flags the way engines store them', () => {
    for (const yes of [true, 1, 1n, '1', 't', 'TRUE', 'yes', 'Y', 'on', 'spam', new Date(0), Uint8Array.of(1)]) expect(truthy(yes), String(yes)).toBe(true);
    for (const no of [false, 0, 0n, '0', 'f', 'false', 'No', 'n', 'off', '', ' ', null, undefined, '0000-00-00 00:00:00', Uint8Array.of(0), new Date(NaN)]) {
      expect(truthy(no), String(no)).toBe(false);
    }
  });

  it('maps a row to a record, dates and numbers as text', () => {
    expect(
      readRecord({ ID: 42n, EMAIL: 'a@b', username: '', blocked: 0, email_verified: new Date(), fullname: 'A', updated_at: new Date('2024-01-01T00:00:00Z'), dob: new Date('1990-02-03T00:00:00Z'), phone: null, country: { x: 1 }, customer_id: 7 }),
    ).toEqual({ key: '42', email: 'a@b', username: null, blocked: false, emailVerified: true, attributes: { fullname: 'A', updated_at: '1704067200', dob: '1990-02-03', customer_id: '7' } });
  });

  it('refuses a row without an id or with a hash that is not text', () => {
    expect(() => readRecord({ id: null })).toThrow(/id column is NULL/);
    expect(() => readRecord({ id: '' })).toThrow(/id column/);
    expect(() => readHash({ password_hash: 12 })).toThrow(/not text/);
    expect(readHash({ password_hash: null })).toBeNull();
    expect(readHash({ PASSWORD_HASH: Buffer.from('$P$abc') })).toBe('$P$abc');
  });
});

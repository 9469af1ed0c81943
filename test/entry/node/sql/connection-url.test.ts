import { describe, expect, it } from 'vitest';
import { parseServerUrl, sqlitePath } from '../../../../src/entry/node/sql/connection-url.js';
import { translateDriverError } from '../../../../src/entry/node/sql/errors.js';
import { redactText, redactUrl } from '../../../../src/entry/node/sql/redact.js';
import { SqlValueRejectedError } from '../../../../src/users/sql/client.js';
import { DirectoryUnavailableError } from '../../../../src/users/site-source.js';

describe('parseServerUrl', () => {
  it('takes a URL apart; loopback and sockets without TLS by default', () => {
    expect(parseServerUrl('postgres://site:p%40ss@127.0.0.1:5433/wp')).toEqual({
      engine: 'postgres', host: '127.0.0.1', port: 5433, socket: undefined, user: 'site', password: 'p@ss', database: 'wp', tls: false,
    });
    expect(parseServerUrl('postgresql://me@/db?host=/var/run/postgresql')).toMatchObject({ socket: '/var/run/postgresql', tls: false });
    expect(parseServerUrl('mariadb://u@localhost/db')).toMatchObject({ engine: 'mysql', tls: false });
  });

  it('verifies TLS for remote hosts by default and for every mode that asks for it', () => {
    expect(parseServerUrl('postgres://u@db.example.com/site').tls).toMatchObject({ rejectUnauthorized: true, servername: 'db.example.com' });
    for (const mode of ['require', 'prefer', 'verify-full']) expect(parseServerUrl(`postgres://u@127.0.0.1/x?sslmode=${mode}`).tls).toMatchObject({ rejectUnauthorized: true });
    expect(parseServerUrl('mysql://u@db.example.com/x?ssl-mode=REQUIRED').tls).toMatchObject({ rejectUnauthorized: true });
    const ca = parseServerUrl('postgres://u@db.example.com/x?sslmode=verify-ca').tls;
    expect(ca).toMatchObject({ rejectUnauthorized: true });
    expect(ca && ca.checkServerIdentity).toBeTypeOf('function');
    expect(parseServerUrl('postgres://u@db.internal/x?sslmode=disable').tls).toBe(false);
  });

  it('refuses switching certificate checks off, unknown parameters and unreadable files, without the password', () => {
    const bad = ['postgres://u:hunter22@h/x?sslmode=no-verify', 'postgres://u:hunter22@h/x?sslmode=allow', 'mysql://u:hunter22@h/x?ssl={"rejectUnauthorized":false}', 'postgres://u:hunter22@h/x?application_name=x', 'postgres://u:hunter22@h/x?sslrootcert=/nonexistent/ca.pem', 'redis://u:hunter22@h/'];
    for (const url of bad) {
      let error: unknown;
      try {
        parseServerUrl(url);
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(DirectoryUnavailableError);
      expect((error as DirectoryUnavailableError).reason).toBe('misconfigured');
      expect((error as DirectoryUnavailableError).detail).not.toContain('hunter22');
    }
  });

  it('reads sqlite: paths', () => {
    expect(sqlitePath('sqlite:/var/lib/site.db')).toBe('/var/lib/site.db');
    expect(sqlitePath('sqlite:///var/lib/site.db')).toBe('/var/lib/site.db');
    expect(sqlitePath('sqlite:data/site.db')).toBe('data/site.db');
    expect(() => sqlitePath('sqlite:')).toThrow(DirectoryUnavailableError);
  });
});

describe('redaction and error translation', () => {
  it('masks passwords in URLs and text', () => {
    expect(redactUrl('mysql://site:s3cret@db:3306/wp')).toBe('mysql://site:***@db:3306/wp');
    expect(redactText('failed for postgres://a:b@h/x and s3cret\nnext', ['s3cret'])).toBe('failed for postgres://a:***@h/x and *** next');
  });

  it('sorts driver errors into reasons', () => {
    const t = (driver: 'pg' | 'mysql2' | 'better-sqlite3', e: object) => translateDriverError(driver, Object.assign(new Error((e as { message?: string }).message ?? 'x'), e), ['pw12345']);
    expect(t('pg', { code: 'ECONNREFUSED' })).toMatchObject({ reason: 'unreachable' });
    expect(t('pg', { code: '57014', message: 'canceling statement due to statement timeout' })).toMatchObject({ reason: 'timeout' });
    expect(t('pg', { message: 'timeout exceeded when trying to connect' })).toMatchObject({ reason: 'timeout' });
    expect(t('pg', { code: '42P01', message: 'relation "users" does not exist' })).toMatchObject({ reason: 'misconfigured', detail: 'pg 42P01: relation "users" does not exist' });
    expect(t('pg', { code: '22P02' })).toBeInstanceOf(SqlValueRejectedError);
    expect(t('pg', { code: 'XX000', message: 'internal pw12345' })).toMatchObject({ reason: 'bad_response', detail: 'pg XX000: internal ***' });
    expect(t('mysql2', { code: 'PROTOCOL_SEQUENCE_TIMEOUT' })).toMatchObject({ reason: 'timeout' });
    expect(t('mysql2', { code: 'ER_NO_SUCH_TABLE' })).toMatchObject({ reason: 'misconfigured' });
    expect(t('better-sqlite3', { code: 'SQLITE_BUSY' })).toMatchObject({ reason: 'timeout' });
    expect(t('better-sqlite3', { code: 'SQLITE_CANTOPEN' })).toMatchObject({ reason: 'unreachable' });
    expect(t('better-sqlite3', { code: 'SQLITE_NOTADB' })).toMatchObject({ reason: 'bad_response' });
  });
});

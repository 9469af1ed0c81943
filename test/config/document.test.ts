import { describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/document.js';

const parse = (data: unknown, env: Record<string, string> = {}) => parseConfigDocument({ name: 'idbridge.config.yaml', data }, env);

describe('the configuration document', () => {
  it('defaults to the built-in directory when there is no document or it is empty', () => {
    expect(parseConfigDocument(undefined, {})).toMatchObject({ document: { directory: { kind: 'builtin' }, theme: { colors: {} }, languages: { default: 'en' }, connectors: [] }, problems: [] });
    expect(parse(null).document.directory).toEqual({ kind: 'builtin' });
  });

  it('accepts a column-mapped SQL directory and fills the defaults', () => {
    const { document, problems } = parse(
      { directory: { kind: 'sql', url: '${SITE_DB}', table: 'public.accounts', columns: { id: 'id', email: 'mail', passwordHash: 'pw', attributes: { fullname: 'display_name' } } } },
      { SITE_DB: 'postgres://idb:s3cret@db.internal/site' },
    );
    expect(problems).toEqual([]);
    expect(document.directory).toMatchObject({
      kind: 'sql',
      url: 'postgres://idb:s3cret@db.internal/site',
      mode: 'federated',
      writeBack: false,
      loginCase: 'insensitive',
      pool: { max: 5, connectTimeoutMs: 5000, queryTimeoutMs: 5000 },
      columns: { attributes: { fullname: 'display_name' } },
    });
  });

  it('names every bad value once, with its path', () => {
    const { problems } = parse({
      directory: { kind: 'sql', url: 'sqlite:site.db', table: 'users; drop table users', columns: { id: 'id', passwordHash: 'pw', attributes: { shoe_size: 'x' } }, pool: { max: 0 }, colour: 'blue' },
      nonsense: {},
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^directory\.table: "users; drop table users": must be a SQL identifier/),
        'directory.columns.email: required (a login column: email and/or username)',
        expect.stringMatching(/^directory\.columns\.attributes\.shoe_size: /),
        'directory.pool.max: 0: must be at least 1',
        'directory.colour: unknown setting',
        'nonsense: unknown setting',
      ]),
    );
    expect(new Set(problems).size).toBe(problems.length);
  });

  it('reports a missing required column as "required"', () => {
    const { problems } = parse({ directory: { kind: 'sql', url: 'sqlite:x.db', table: 'users', columns: { email: 'email', passwordHash: 'pw' } } });
    expect(problems).toContain('directory.columns.id: required');
  });

  it('refuses an unknown directory kind and a table-less mapping without queries', () => {
    expect(parse({ directory: { kind: 'ldap' } }).problems).toEqual([expect.stringMatching(/^directory\.kind: .*builtin, sql or http/)]);
    expect(parse({ directory: { kind: 'sql', url: 'sqlite:x.db' } }).problems).toEqual([
      'directory.table: required (or give queries, or a preset)',
      'directory.columns: required (or give queries, or a preset)',
    ]);
  });

  it('checks operator-written queries: only :login / :id / :email, each used, one statement', () => {
    const ok = parse({ directory: { kind: 'sql', url: 'sqlite:x.db', queries: { byLogin: 'SELECT * FROM u WHERE login = :login', byId: "SELECT * FROM u WHERE id = :id AND t > '10:30'" } } });
    expect(ok.problems).toEqual([]);
    const bad = parse({ directory: { kind: 'sql', url: 'sqlite:x.db', queries: { byLogin: 'SELECT * FROM u WHERE login = :user', byId: 'SELECT 1; DELETE FROM u WHERE id = :id' } } });
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^directory\.queries\.byLogin: .*unknown parameter :user \(allowed: :login\)$/),
        expect.stringMatching(/^directory\.queries\.byLogin: .*must use the parameter :login$/),
        expect.stringMatching(/^directory\.queries\.byId: .*must be a single statement$/),
      ]),
    );
  });

  it('substitutes ${NAME} from the environment, names unset variables, and keeps $${ literal', () => {
    const { document, problems } = parse({ directory: { kind: 'http', url: 'https://${SITE_HOST}/idbridge', secret: '${DIR_SECRET}' } }, { SITE_HOST: 'www.example.com', DIR_SECRET: 'x'.repeat(40) });
    expect(problems).toEqual([]);
    expect(document.directory).toMatchObject({ url: 'https://www.example.com/idbridge', secret: 'x'.repeat(40), timeoutMs: 3000, retries: 2 });
    expect(parse({ directory: { kind: 'http', url: 'https://h/', secret: '${MISSING}' } }).problems).toContain('directory.secret: the environment variable MISSING is not set');
    expect(parse({ directory: { kind: 'sql', url: 'sqlite:/tmp/a$${b}.db', table: 't', columns: { id: 'id', email: 'e', passwordHash: 'p' } } }).document.directory).toMatchObject({ url: 'sqlite:/tmp/a${b}.db' });
  });

  it('quotes the bad value and says what is allowed, but never quotes a secret', () => {
    const { problems } = parse({ directory: { kind: 'http', url: 'https://h/', secret: '${S}', mode: 'copy', retries: 'ten' } }, { S: 'short' });
    expect(problems).toEqual(
      expect.arrayContaining(['directory.mode: "copy": must be one of federated, migrate', 'directory.retries: "ten": must be a whole number from 0 to 5', 'directory.secret: must be at least 32 characters']),
    );
    expect(problems.join('\n')).not.toContain('short');
    expect(parse({ directory: { kind: 'http', url: 'https://h/', secret: 42 } }).problems).toContain('directory.secret: must be a string');
  });

  it('refuses secrets written in the file', () => {
    expect(parse({ directory: { kind: 'http', url: 'https://h/', secret: 'x'.repeat(40) } }).problems).toEqual([
      expect.stringMatching(/^directory\.secret: is a secret; do not write it in idbridge\.config\.yaml, write \$\{NAME\}/),
    ]);
    expect(parse({ directory: { kind: 'sql', url: 'mysql://wp:hunter2@db/wp', preset: 'wordpress' } }).problems).toEqual([
      expect.stringMatching(/^directory\.url: is a URL with a password/),
    ]);
    // A URL without a password may be literal.
    expect(parse({ directory: { kind: 'sql', url: 'postgres://db/site', preset: 'django' } }).problems).toEqual([]);
  });

  it('is immune to prototype keys in the document', () => {
    const data = JSON.parse('{"directory":{"kind":"builtin"},"__proto__":{"polluted":true}}');
    const { problems } = parse(data);
    expect(problems).toEqual(['__proto__: unknown setting']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a document that is not a mapping', () => {
    expect(parse(['directory']).problems).toEqual(['idbridge.config.yaml: must be a mapping of settings (directory: …)']);
    expect(parse('directory').problems).toHaveLength(1);
  });
});

describe('directory: hash settings (docs/password-hashes.md)', () => {
  const sql = { kind: 'sql', url: 'sqlite:x.db', preset: 'devise' };

  it('takes the Devise pepper from the environment, never as a literal', () => {
    const ok = parse({ directory: { ...sql, pepper: '${DEVISE_PEPPER}' } }, { DEVISE_PEPPER: 'p3pp3r' });
    expect(ok.problems).toEqual([]);
    expect(ok.document?.directory).toMatchObject({ pepper: 'p3pp3r' });
    const literal = parse({ directory: { ...sql, pepper: 'p3pp3r' } });
    expect(literal.problems.join('\n')).toContain('directory.pepper: is a secret');
    expect(literal.problems.join('\n')).not.toContain('p3pp3r');
  });

  it('upgrade targets are optional, bounded, and have no default', () => {
    expect(parse({ directory: { ...sql, upgrade: {} } }).document?.directory).toMatchObject({ upgrade: {} });
    expect((parse({ directory: { ...sql, upgrade: {} } }).document?.directory as { upgrade: object }).upgrade).toEqual({});
    expect(parse({ directory: { ...sql, upgrade: { bcryptCost: 12, pbkdf2Iterations: 1_200_000 } } }).problems).toEqual([]);
    expect(parse({ directory: { ...sql, upgrade: { bcryptCost: 16 } } }).problems).toEqual(['directory.upgrade.bcryptCost: 16: must be at most 15']);
  });
});

/**
 * `idbridge directory check` and `directory status`, and the start-up check: a wrong mapping is
 * reported with the setting it concerns and a non-zero exit, and stops the server before it
 * listens; a good one passes. The site is a real SQLite file (see test/helpers/sqlite-site-source).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import { directoryCheck, directoryStatus } from '../../../src/entry/node/directory-commands.js';
import { startServer } from '../../../src/entry/node/server.js';
import { memoryLogger } from '../../../src/log.js';
import type { HashIdentifier } from '../../../src/users/directory-check.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteSiteFixture } from '../../helpers/site-directory.js';
import { createSiteTable, SqliteSiteSource, type SiteTableMapping } from '../../helpers/sqlite-site-source.js';
import { PASSWORD, PEOPLE } from '../../users/user-directory-contract.js';

/** Recognises bcrypt and phpass by shape (W-hash's registry takes over once it is in the build). */
const hashes: HashIdentifier = {
  identify: (hash) =>
    /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)
      ? { format: 'bcrypt', weak: false }
      : /^\$P\$/.test(hash)
        ? { format: 'phpass', weak: false }
        : /^[0-9a-f]{32}$/.test(hash)
          ? { format: 'md5', weak: true }
          : { format: null, weak: false, problem: 'unknown_format' },
};

function sqlConfig(file: string, extra: Record<string, unknown> = {}) {
  const config = testConfig();
  config.directory = {
    kind: 'sql',
    name: 'site',
    url: `sqlite:${file}`,
    mode: 'migrate',
    writeBack: false,
    loginCase: 'insensitive',
    pool: { max: 1, connectTimeoutMs: 1000, queryTimeoutMs: 1000 },
    ...extra,
  } as typeof config.directory;
  return config;
}

describe('directory check', () => {
  let dir: string;
  let file: string;
  let mapping: SiteTableMapping;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'idbridge-check-'));
    file = join(dir, 'site.sqlite');
    mapping = createSiteTable(file, [
      ...PEOPLE.map((p) => ({ id: p.key, email: p.email, username: p.username, password: p.password })),
      { id: 10, email: 'old@example.com', password: 'x' },
    ]);
    const source = new SqliteSiteSource(file, mapping);
    source.db.prepare("UPDATE site_users SET password = '5f4dcc3b5aa765d61d8327deb882cf99' WHERE id = 10").run();
    source.db.prepare("INSERT INTO site_users (id, email, password) VALUES (11, 'broken@example.com', 'not-a-hash')").run();
    void source.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a good mapping: formats counted, unusable rows listed by key, exit 0', async () => {
    const source = new SqliteSiteSource(file, mapping);
    const result = await directoryCheck(sqlConfig(file), { json: true, logger: memoryLogger(), source, hashes });
    await source.close();
    expect(result.code).toBe(0);
    const json = JSON.parse(result.output);
    expect(json).toMatchObject({ kind: 'sql', mode: 'migrate', ok: true, problems: [], sampled: 5, formats: { bcrypt: 3, md5: 1, unknown: 1 } });
    expect(json.unusable).toEqual([{ key: '11', problem: 'unknown hash format' }]);
    expect(json.notes).toContain('weak hash formats in use (upgrade them, or use migrate mode): md5');
    expect(result.output).not.toContain('5f4dcc3b'); // never a hash
  });

  it('a wrong column: the problem names the setting, exit 1 (text and JSON)', async () => {
    const source = new SqliteSiteSource(file, { ...mapping, email: 'mail' });
    const text = await directoryCheck(sqlConfig(file), { json: false, logger: memoryLogger(), source, hashes });
    expect(text.code).toBe(1);
    expect(text.output).toContain('problem: directory.columns.email: no column "mail" in site_users');
    expect(text.output).toContain('FAILED');
    const json = await directoryCheck(sqlConfig(file), { json: true, logger: memoryLogger(), source, hashes });
    expect(JSON.parse(json.output)).toMatchObject({ ok: false, problems: ['directory.columns.email: no column "mail" in site_users'] });
    await source.close();
  });

  it('a hash column holding no usable hash is a wrong mapping', async () => {
    const source = new SqliteSiteSource(file, { ...mapping, passwordHash: 'email' });
    const result = await directoryCheck(sqlConfig(file), { json: true, logger: memoryLogger(), source, hashes });
    await source.close();
    expect(result.code).toBe(1);
    expect(JSON.parse(result.output).problems).toEqual(['directory.columns.passwordHash: none of the 5 sampled rows holds a usable password hash']);
  });

  it('an unreachable site: exit 1, the reason shown', async () => {
    const source = new SqliteSiteSource(file, mapping);
    source.stop();
    const result = await directoryCheck(sqlConfig(file), { json: false, logger: memoryLogger(), source, hashes });
    await source.close();
    expect(result.code).toBe(1);
    expect(result.output).toContain('cannot reach the site: unreachable: test site database stopped');
  });

  it('the built-in directory has nothing to check', async () => {
    const result = await directoryCheck(testConfig(), { json: true, logger: memoryLogger() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.output)).toMatchObject({ kind: 'builtin', ok: true });
  });

  it('start-up: a wrong mapping stops the server before it listens (ConfigError naming the setting); the source is closed', async () => {
    const source = new SqliteSiteSource(file, { ...mapping, id: 'user_id' });
    const error = await startServer(sqlConfig(file), { logger: memoryLogger(), deps: { siteSource: source } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['directory.columns.id: no column "user_id" in site_users']);
    expect(source.db.open).toBe(false);
  });

  it('start-up: an unreachable site is logged and the server starts (sign-ins answer 503 until it is back)', async () => {
    const source = new SqliteSiteSource(file, mapping);
    source.stop();
    const logger = memoryLogger();
    const server = await startServer(sqlConfig(file), { logger, deps: { siteSource: source } });
    expect(logger.entries.find((e) => e.event === 'directory_check_unavailable')).toMatchObject({ kind: 'sql' });
    await server.close();
    expect(source.db.open).toBe(false); // closed on shutdown
  });
});

describe('directory status', () => {
  it('migrate mode: users seen, migrated, still at the site', async () => {
    const f = await sqliteSiteFixture(PEOPLE, { mode: 'migrate' });
    try {
      await f.directory.authenticate('alice', PASSWORD);
      await f.directory.findByEmail('bob@example.com'); // seen, not migrated
      const config = sqlConfig(f.file);
      const services = { config, links: f.links, userStore: f.store };
      const json = JSON.parse((await directoryStatus(services, { json: true })).output);
      expect(json).toEqual({ kind: 'sql', name: 'site', mode: 'migrate', linked: 2, migrated: 1, not_migrated: 1, builtin_users: 1 });
      const text = (await directoryStatus(services, { json: false })).output;
      expect(text).toMatch(/migrated into idbridge's table: +1/);
      expect(text).toMatch(/still served by the site: +1/);
    } finally {
      await f.close();
    }
  });

  it('built-in: the number of users', async () => {
    const f = await sqliteSiteFixture([]);
    try {
      const out = await directoryStatus({ config: testConfig(), links: f.links, userStore: f.store }, { json: true });
      expect(JSON.parse(out.output)).toEqual({ kind: 'builtin', builtin_users: 0 });
    } finally {
      await f.close();
    }
  });
});

/** `idbridge webhook add|list|remove|deliveries` as an operator runs them: the real bin, a temporary database. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../src/entry/node/database.js';
import { webhookEndpoints } from '../../../../src/storage/schema.js';
import { UserRepository } from '../../../../src/storage/user-repository.js';
import { newUser } from '../../../helpers/users.js';

const bin = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'idbridge.js');
const dir = mkdtempSync(join(tmpdir(), 'idbridge-webhook-cli-'));
const env = { PATH: process.env.PATH, IDBRIDGE_DATABASE: join(dir, 'db.sqlite'), IDBRIDGE_SCRYPT_LN: '10' };

function run(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...env, ...extra }, cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('idbridge webhook', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds (secret shown once, stored sealed), lists, shows deliveries and removes', async () => {
    const added = run(['webhook', 'add', 'http://127.0.0.1:9/hooks', '--events', 'user.created,user.login', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const endpoint = JSON.parse(added.stdout);
    expect(endpoint).toMatchObject({ url: 'http://127.0.0.1:9/hooks', events: ['user.created', 'user.login'] });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const database = openDatabase(env.IDBRIDGE_DATABASE);
    const [stored] = (await database.db.select({ secret: webhookEndpoints.secret }).from(webhookEndpoints)) as Array<{ secret: string }>;
    expect(stored!.secret.startsWith('v1.')).toBe(true);
    expect(stored!.secret).not.toContain(endpoint.secret.slice(6));
    await new UserRepository(database.db, 'default').insert(newUser('u1', { createTime: Date.now() }));
    database.close();

    const list = run(['webhook', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(endpoint.id);
    expect(list.stdout).toContain('user.created,user.login');
    expect(list.stdout).not.toContain(endpoint.secret);
    expect(JSON.parse(run(['webhook', 'list', '--json']).stdout).endpoints).toEqual([{ id: endpoint.id, url: endpoint.url, events: endpoint.events, create_time: endpoint.create_time }]);

    // No worker ran: the event waits in the outbox, no delivery yet.
    expect(JSON.parse(run(['webhook', 'deliveries', endpoint.id, '--json']).stdout)).toEqual({ deliveries: [] });
    expect(run(['webhook', 'deliveries', endpoint.id, '--limit', 'x']).code).toBe(2);

    expect(run(['webhook', 'remove', endpoint.id]).stdout).toContain(`Removed webhook ${endpoint.id}`);
    const again = run(['webhook', 'remove', endpoint.id, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ code: 'not_found' });
  });

  it('refuses bad input with one sentence', () => {
    const noEvents = run(['webhook', 'add', 'https://example.com/h']);
    expect(noEvents.code).toBe(2);
    expect(noEvents.stderr).toContain('needs --events');
    const badType = run(['webhook', 'add', 'https://example.com/h', '--events', 'user.created,user.exploded']);
    expect(badType.code).toBe(1);
    expect(badType.stderr).toContain('unknown event type "user.exploded"');
    const plain = run(['webhook', 'add', 'http://example.com/h', '--events', '*']);
    expect(plain.stderr).toContain('must be https');
    const production = run(['webhook', 'add', 'http://127.0.0.1/h', '--events', '*'], {
      IDBRIDGE_ENV: 'production',
      IDBRIDGE_SECRET: 'x'.repeat(64),
      IDBRIDGE_PUBLIC_URL: 'https://id.example.com',
      IDBRIDGE_SCRYPT_LN: '17',
      IDBRIDGE_DATABASE: join(dir, 'production.sqlite'),
    });
    expect(production.code, production.stderr).toBe(1);
    expect(production.stderr, production.stderr).not.toContain('Invalid configuration');
    expect(production.stderr).toContain('url: must be https (http only to localhost, and not in production)');
    expect(run(['webhook', 'list', '--json']).stdout).toContain('"endpoints":[]');
  });
});

/** The `idbridge` CLI as a user runs it: the real bin, a temporary database, real output. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'idbridge.js');
const dir = mkdtempSync(join(tmpdir(), 'idbridge-cli-'));
const baseEnv = {
  PATH: process.env.PATH,
  IDBRIDGE_DATABASE: join(dir, 'db.sqlite'),
  IDBRIDGE_SCRYPT_LN: '10',
};

function run(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...baseEnv, ...env }, cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('idbridge CLI', () => {
  it('adds a user with profile fields and prints JSON', () => {
    const r = run(['user', 'add', '--email', 'Carol@Example.com', '--password', 'a long password', '--username', 'carol', '--name', 'Carol C', '--country', 'fr', '--dob', '1990-02-03', '--gender', 'F', '--timezone', 'Europe/Paris', '--customer-id', 'C-1', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const user = JSON.parse(r.stdout);
    expect(user).toMatchObject({
      tenant: 'default',
      email: 'carol@example.com',
      username: 'carol',
      customer: 'C-1',
      logins_count: '0',
      email_verified: false,
      blocked: false,
      profile: { fullname: 'Carol C', country: 'FR', dob: '1990-02-03', gender: 'F', timezone: 'Europe/Paris' },
    });
    expect(user.id).toMatch(/^u_/);
    expect(JSON.stringify(user)).not.toMatch(/password|scrypt/);
    expect(new Date(user.create_time).toISOString()).toBe(user.create_time);
  });

  it('refuses a duplicate email and invalid fields with one clear message each', () => {
    const dup = run(['user', 'add', '--email', 'carol@example.com', '--password', 'another password']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/email already exists/);
    const bad = run(['user', 'add', '--email', 'not-an-email', '--password', 'short', '--dob', '1990-13-45', '--timezone', 'Mars/Olympus']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/email/);
    expect(bad.stderr).toMatch(/password: must be at least 8 characters/);
    expect(bad.stderr).toMatch(/dob: must be a date/);
    expect(bad.stderr).toMatch(/timezone: must be an IANA time zone/);
  });

  it('lists users as a table and as JSON', () => {
    const table = run(['user', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/EMAIL/);
    expect(table.stdout).toMatch(/carol@example.com/);
    const json = JSON.parse(run(['user', 'list', '--json']).stdout);
    expect(json.total).toBe(1);
    expect(json.users[0].email).toBe('carol@example.com');
  });

  it('shows and rotates the authenticating website API key', () => {
    const shown = JSON.parse(run(['aw', 'show', '--json']).stdout);
    expect(shown.api_key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(JSON.parse(run(['aw', 'show', '--json']).stdout).api_key).toBe(shown.api_key);
    const rotated = JSON.parse(run(['aw', 'rotate', '--json']).stdout);
    expect(rotated.api_key).not.toBe(shown.api_key);
    expect(JSON.parse(run(['aw', 'show', '--json']).stdout).api_key).toBe(rotated.api_key);
  });

  it('turns Janrain-compatible postbacks on and off, and shows the setting', () => {
    expect(JSON.parse(run(['aw', 'show', '--json']).stdout).janrain_compatible).toBe(false);
    const on = run(['aw', 'janrain-compat', 'on']);
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/consent is always asked/);
    expect(JSON.parse(run(['aw', 'show', '--json']).stdout).janrain_compatible).toBe(true);
    expect(JSON.parse(run(['aw', 'janrain-compat', 'off', '--json']).stdout)).toEqual({ janrain_compatible: false });
    expect(JSON.parse(run(['aw', 'show', '--json']).stdout).janrain_compatible).toBe(false);
    expect(run(['aw', 'janrain-compat', 'maybe']).code).toBe(2);
    // Set by the environment: the CLI says where to change it instead.
    const fixed = run(['aw', 'janrain-compat', 'on'], { IDBRIDGE_AW_JANRAIN_COMPATIBLE: 'false' });
    expect(fixed.code).toBe(1);
    expect(fixed.stderr).toMatch(/IDBRIDGE_AW_JANRAIN_COMPATIBLE/);
  });

  it('reports every bad setting at once', () => {
    const r = run(['migrate'], { PORT: 'eighty', IDBRIDGE_SCRYPT_LN: '99', IDBRIDGE_POSTBACK_URL: 'http://example.com/ows_auth' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PORT/);
    expect(r.stderr).toMatch(/IDBRIDGE_SCRYPT_LN/);
  });

  it('requires IDBRIDGE_SECRET in production', () => {
    const r = run(['migrate'], { IDBRIDGE_ENV: 'production', IDBRIDGE_PUBLIC_URL: 'https://id.example.com' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/IDBRIDGE_SECRET: required in production/);
  });

  it('refuses unknown commands and options with usage', () => {
    expect(run(['frobnicate']).code).toBe(2);
    const r = run(['user', 'add', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: idbridge/);
  });

  it('serve starts, creates and prints a demo user on first start, answers, and stops on SIGTERM', async () => {
    const serveDir = mkdtempSync(join(tmpdir(), 'idbridge-serve-'));
    const child = spawn(process.execPath, [bin, 'serve'], {
      env: { ...baseEnv, IDBRIDGE_DATABASE: join(serveDir, 'db.sqlite'), PORT: '0' },
      cwd: serveDir,
    });
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const deadline = Date.now() + 15_000;
      while (!/password: /.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
      expect(out).toMatch(/demo@example.com/);
      const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const css = await fetch(`${url}/static/styles.css`);
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toMatch(/text\/css/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(serveDir, { recursive: true, force: true });
    }
  });
});

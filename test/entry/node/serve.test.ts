/**
 * What an operator sees from the real `idbridge` process when the setup is wrong: a busy port, an
 * unresolvable HOST, a bad value in `.env`, a changed IDBRIDGE_SECRET — one clear message and exit
 * 1, never a stack trace — and the secret rotation that fixes the last one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'idbridge.js');
const dirs: string[] = [];
const SECRET_A = 'a-secret-a-secret-a-secret-a-secret-0123456789';
const SECRET_B = 'b-secret-b-secret-b-secret-b-secret-0123456789';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'idbridge-ops-'));
  dirs.push(dir);
  return dir;
}

function run(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH, IDBRIDGE_DATABASE: join(dir, 'db.sqlite'), IDBRIDGE_SCRYPT_LN: '10', PORT: '0', ...env },
    cwd: dir,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `serve` until it prints that it listens (then SIGTERM) or exits by itself. */
async function serve(dir: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: { PATH: process.env.PATH, IDBRIDGE_DATABASE: join(dir, 'db.sqlite'), IDBRIDGE_SCRYPT_LN: '10', PORT: '0', ...env },
    cwd: dir,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!/listening on/.test(stdout) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  const listening = /listening on/.test(stdout);
  if (listening) child.kill('SIGTERM');
  const code = await exited;
  return { listening, code, stdout, stderr };
}

/** The one-line, no-stack-trace shape every operator error has. */
function expectOneClearError(stderr: string, pattern: RegExp) {
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack frames
  expect(stderr).not.toMatch(/operation-specific reason|unexpected error/);
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('serve: listening problems', () => {
  it('reports a busy port as a PORT problem, exit 1, no stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const r = await serve(tempDir(), { PORT: String(port) });
      expect(r.listening).toBe(false);
      expect(r.code).toBe(1);
      expectOneClearError(r.stderr, new RegExp(`PORT: 127\\.0\\.0\\.1:${port} is already in use by another process`));
    } finally {
      blocker.close();
    }
  });

  it('reports an unresolvable HOST as a HOST problem', async () => {
    const r = await serve(tempDir(), { HOST: 'no-such-host.invalid' });
    expect(r.listening).toBe(false);
    expect(r.code).toBe(1);
    expectOneClearError(r.stderr, /HOST: no-such-host\.invalid does not resolve to an address/);
  });
});

describe('config errors name the value and where it came from', () => {
  it('says a bad value came from .env, and that an environment variable overrides .env', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), 'IDBRIDGE_REQUEST_TTL=-5\nIDBRIDGE_LOG_LEVEL=loud\nIDBRIDGE_SECRET=short\n');
    const r = run(dir, ['migrate'], { PORT: '1.5' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IDBRIDGE_REQUEST_TTL: must be a whole number from 30 to 3600 (got "-5" from .env)');
    expect(r.stderr).toContain('IDBRIDGE_LOG_LEVEL: must be one of debug, info, warn, error (got "loud" from .env)');
    expect(r.stderr).toContain('PORT: must be a whole number from 0 to 65535 (got "1.5")');
    // A secret is never echoed, but where it was set is said.
    expect(r.stderr).toContain('IDBRIDGE_SECRET: must be at least 32 characters (set in .env)');
    expect(r.stderr).not.toContain('short');
  });

  it('refuses scrypt below the OWASP floor in production, and only warns in development', async () => {
    const prod = run(tempDir(), ['migrate'], {
      IDBRIDGE_ENV: 'production',
      IDBRIDGE_PUBLIC_URL: 'https://id.example.com',
      IDBRIDGE_SECRET: SECRET_A,
      IDBRIDGE_SCRYPT_LN: '3',
    });
    expect(prod.code).toBe(1);
    expect(prod.stderr).toMatch(/IDBRIDGE_SCRYPT_LN: scrypt N=2\^3 r=8 p=1 \(IDBRIDGE_SCRYPT_LN=3\) is below the OWASP minimum .*production refuses it/);
    const dev = await serve(tempDir(), { IDBRIDGE_SCRYPT_LN: '10' });
    expect(dev.listening).toBe(true);
    expect(dev.stdout).toMatch(/"level":"warn","event":"config_warning".*below the OWASP minimum.*accepted only because IDBRIDGE_ENV=development/);
  });
});

describe('a changed IDBRIDGE_SECRET', () => {
  it('stops serve and the CLI with one sentence; rotation with IDBRIDGE_SECRET_PREVIOUS and secret rewrap recovers', async () => {
    const dir = tempDir();
    const first = await serve(dir, { IDBRIDGE_SECRET: SECRET_A });
    expect(first.listening).toBe(true);
    expect(first.code).toBe(0);
    const key = JSON.parse(run(dir, ['aw', 'show', '--json'], { IDBRIDGE_SECRET: SECRET_A }).stdout).api_key;
    expect(JSON.parse(run(dir, ['keys', 'list', '--json'], { IDBRIDGE_SECRET: SECRET_A }).stdout).keys).toHaveLength(2);
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);

    // The secret changed: serve refuses to start, and says what to do.
    const changed = await serve(dir, { IDBRIDGE_SECRET: SECRET_B });
    expect(changed.listening).toBe(false);
    expect(changed.code).toBe(1);
    expectOneClearError(changed.stderr, /IDBRIDGE_SECRET: does not open .*IDBRIDGE_SECRET_PREVIOUS.*idbridge secret rewrap/);
    expect(changed.stderr).not.toContain(SECRET_B);
    const show = run(dir, ['aw', 'show'], { IDBRIDGE_SECRET: SECRET_B });
    expect(show.code).toBe(1);
    expectOneClearError(show.stderr, /IDBRIDGE_SECRET: does not open/);

    // Rotation: both secrets side by side, then rewrap, then the new one alone.
    const both = { IDBRIDGE_SECRET: SECRET_B, IDBRIDGE_SECRET_PREVIOUS: SECRET_A };
    expect(JSON.parse(run(dir, ['aw', 'show', '--json'], both).stdout).api_key).toBe(key);
    const during = await serve(dir, both);
    expect(during.listening).toBe(true);
    expect(during.stdout).toMatch(/"event":"secret_rotation_pending"/);
    const rewrap = run(dir, ['secret', 'rewrap', '--json'], both);
    expect(rewrap.stderr).toBe('');
    expect(rewrap.code).toBe(0);
    const report = JSON.parse(rewrap.stdout);
    expect(report.rewrapped).toBeGreaterThanOrEqual(3); // the API key and two signing keys
    expect(report.unreadable).toEqual([]);
    expect(JSON.parse(run(dir, ['secret', 'rewrap', '--json'], both).stdout)).toMatchObject({ rewrapped: 0, unreadable: [] });

    const after = await serve(dir, { IDBRIDGE_SECRET: SECRET_B });
    expect(after.listening).toBe(true);
    expect(after.stdout).not.toMatch(/secret_rotation_pending/);
    expect(JSON.parse(run(dir, ['aw', 'show', '--json'], { IDBRIDGE_SECRET: SECRET_B }).stdout).api_key).toBe(key);
    // And the old secret is now the wrong one.
    expect((await serve(dir, { IDBRIDGE_SECRET: SECRET_A })).code).toBe(1);
  }, 90_000);
});

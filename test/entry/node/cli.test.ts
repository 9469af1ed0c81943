/** The `idbridge` CLI as a user runs it: the real bin, a temporary database, real output. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/entry/node/database.js';
import { nodeScrypt } from '../../../src/entry/node/scrypt.js';
import { UserRepository } from '../../../src/storage/user-repository.js';
import { PasswordHasher } from '../../../src/users/password-hasher.js';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'idbridge.js');
const dir = mkdtempSync(join(tmpdir(), 'idbridge-cli-'));
const baseEnv = {
  PATH: process.env.PATH,
  IDBRIDGE_DATABASE: join(dir, 'db.sqlite'),
  IDBRIDGE_SCRYPT_LN: '10',
};

function run(args: string[], env: Record<string, string | undefined> = {}, input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...baseEnv, ...env }, cwd: dir, encoding: 'utf8', input, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Run the CLI on a pseudo-terminal (python3's pty module), answering each prompt as it appears.
 * Returns everything the terminal showed: what the program wrote and what the terminal echoed.
 */
function runOnTerminal(args: string[], answers: Array<[prompt: string, keys: string]>) {
  const script = `
import json, os, pty, select, sys, time
argv, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b''
def read():
    global out
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        chunk = b''
    out += chunk
    return chunk
for prompt, keys in answers:
    deadline = time.time() + 20
    while prompt.encode() not in out:
        ready, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
        if not ready or not read():
            print(json.dumps({'code': None, 'transcript': out.decode(errors='replace')})); sys.exit(0)
    out = out.replace(prompt.encode(), b'<' + prompt.strip().encode() + b'>', 1)
    os.write(fd, keys.encode())
while read():
    pass
_, status = os.waitpid(pid, 0)
print(json.dumps({'code': os.waitstatus_to_exitcode(status), 'transcript': out.decode(errors='replace')}))
`;
  const r = spawnSync('python3', ['-c', script, JSON.stringify([process.execPath, bin, ...args]), JSON.stringify(answers)], {
    env: { ...baseEnv },
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { code: number | null; transcript: string };
}

/** Whether `password` is the stored password of the user with that email. */
async function passwordOf(email: string, password: string): Promise<boolean> {
  const database = openDatabase(baseEnv.IDBRIDGE_DATABASE);
  try {
    const user = await new UserRepository(database.db, 'default').findByLogin(email);
    return user !== null && user.passwordHash !== null && (await new PasswordHasher(nodeScrypt, { ln: 10, r: 8, p: 1 }).verify(password, user.passwordHash));
  } finally {
    database.close();
  }
}

const BRIDGE = {
  IDBRIDGE_ROLE: 'bridge',
  IDBRIDGE_POSTBACK_URL: 'https://id.example.com/ows_auth',
  IDBRIDGE_RETURN_URL: 'https://id.example.com/ows_return',
  IDBRIDGE_API_KEY: 'bridge-api-key-bridge-api-key-0123456789',
};
const IDENTITY = { IDBRIDGE_ROLE: 'identity', IDBRIDGE_VERIFY_URL: 'https://www.example.com/verify' };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every test spawns the CLI a few times (about a second each on a loaded machine).

describe('idbridge CLI', { timeout: 120_000 }, () => {
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
      logins_count: 0, // a number in CLI JSON
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

  it('refuses unknown commands, options and bad values with one idbridge: line', () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /^idbridge: unknown command "frobnicate" \(see `idbridge --help`\)\n$/],
      [['user', 'add', '--bogus'], /^idbridge: user add: unknown option "--bogus" \(see `idbridge user add --help`\)\n$/],
      [['client', 'add', '--name'], /^idbridge: client add: --name needs a value/],
      [['client', 'add', '--public=yes'], /^idbridge: client add: --public takes no value/],
      [['client', 'frob'], /^idbridge: client: unknown command "frob"; client has add, update, list, remove/],
      [['client', 'remove'], /^idbridge: client remove: needs CLIENT_ID/],
      [['client', 'remove', 'a', 'b'], /^idbridge: client remove: unexpected argument "b"/],
      [['user', 'list', '--limit', 'lots'], /^idbridge: user list: --limit must be a whole number from 1 to 10000/],
      [['user', 'list', '--offset', '-3'], /^idbridge: user list: --offset must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });

  it('with --json, reports every error as JSON on stdout with a non-zero exit', () => {
    const cases: Array<[string[], number, string, Record<string, string | undefined>?]> = [
      [['frobnicate', '--json'], 2, 'usage'],
      [['--json'], 2, 'usage'],
      [['user', 'add', '--bogus', '--json'], 2, 'usage'],
      [['user', 'list', '--json', '--limit', '0'], 2, 'usage'],
      [['--json', 'client', 'add', '--name', 'X', '--redirect-uri', 'ftp://x'], 1, 'invalid_request'],
      [['client', 'remove', 'c_nobody', '--json'], 1, 'not_found'],
      [['migrate', '--json'], 1, 'invalid_configuration', { PORT: 'eighty' }],
      [['client', 'list', '--json'], 1, 'wrong_role', BRIDGE],
    ];
    for (const [args, exit, code, env] of cases) {
      const r = run(args, env);
      expect(r.code, args.join(' ')).toBe(exit);
      const body = JSON.parse(r.stdout);
      expect(body.code, args.join(' ')).toBe(code);
      expect(typeof body.error).toBe('string');
    }
    expect(JSON.parse(run(['migrate', '--json'], { PORT: 'eighty' }).stdout).problems[0]).toMatch(/^PORT/);
  });

  it('shows a command\'s own help with --help, -h and help COMMAND', () => {
    for (const args of [['client', 'update', '--help'], ['client', 'update', '-h'], ['help', 'client', 'update']]) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: idbridge client update CLIENT_ID /);
      expect(r.stdout).toMatch(/--no-trusted/);
      expect(r.stdout).not.toMatch(/user add/);
    }
    const group = run(['client', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/idbridge client add/);
    expect(group.stdout).toMatch(/idbridge client remove CLIENT_ID/);
    const all = run(['--help']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/client update/);
    // Help works even with options the command would reject otherwise.
    expect(run(['user', 'add', '--help']).stdout).toMatch(/visible in `ps`/);
  });

  it('names fields as the interface spells them', () => {
    const r = run(['client', 'add', '--name', 'X', '--redirect-uri', 'https://ok.example/cb', '--redirect-uri', 'http://evil.example/cb']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('idbridge: redirect_uris: "http://evil.example/cb" is not an absolute https URL (http only for localhost/127.0.0.1) without fragment\n');
    const user = run(['user', 'add', '--email', 'dave@example.com', '--password', 'a long password', '--customer-id', ' ']);
    expect(user.stderr).toMatch(/^idbridge: customer: /);
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

describe('idbridge user add: the password stays off the command line', { timeout: 120_000 }, () => {
  it('reads it as one line from stdin with --password-stdin', async () => {
    const r = run(['user', 'add', '--email', 'stdin@example.com', '--password-stdin', '--json'], {}, 'from stdin 123\nignored second line\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).email).toBe('stdin@example.com');
    expect(await passwordOf('stdin@example.com', 'from stdin 123')).toBe(true);
  });

  it('refuses to run without a password source when stdin is not a terminal', () => {
    const r = run(['user', 'add', '--email', 'none@example.com'], {}, '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^idbridge: user add: needs a password: run it on a terminal to be asked, or pass it on stdin with --password-stdin/);
    const both = run(['user', 'add', '--email', 'none@example.com', '--password', 'x'.repeat(10), '--password-stdin'], {}, 'y\n');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --password or --password-stdin/);
  });

  it('asks twice on a terminal without echoing it', async () => {
    const secret = 'typed on a tty 42';
    const r = runOnTerminal(['user', 'add', '--email', 'tty@example.com', '--json'], [
      ['Password: ', `${secret}\r`],
      ['Repeat the password: ', `${secret}\r`],
    ]);
    expect(r.code).toBe(0);
    expect(r.transcript).toMatch(/<Password:>/);
    expect(r.transcript).toMatch(/"email":"tty@example.com"/);
    expect(r.transcript).not.toContain('typed on');
    expect(await passwordOf('tty@example.com', secret)).toBe(true);
  });

  it('creates nothing when the two entries differ or the prompt is cancelled', async () => {
    const differ = runOnTerminal(['user', 'add', '--email', 'typo@example.com'], [
      ['Password: ', 'first password\r'],
      ['Repeat the password: ', 'second password\r'],
    ]);
    expect(differ.code).toBe(1);
    expect(differ.transcript).toMatch(/idbridge: The two passwords differ; nothing was changed\./);
    const cancelled = runOnTerminal(['user', 'add', '--email', 'typo@example.com'], [['Password: ', 'abc\u0003']]);
    expect(cancelled.code).toBe(130);
    expect(cancelled.transcript).toMatch(/idbridge: cancelled/);
    expect(JSON.parse(run(['user', 'list', '--json']).stdout).users.map((u: { email: string }) => u.email)).not.toContain('typo@example.com');
  });
});

describe('idbridge CLI per role', { timeout: 120_000 }, () => {
  it('refuses commands that belong to the other side, naming the role and where to run them', () => {
    const onIdentity = run(['user', 'add', '--email', 'x@example.com', '--password-stdin'], IDENTITY, 'a long password\n');
    expect(onIdentity.code).toBe(1);
    expect(onIdentity.stderr).toBe(
      'idbridge: "user add" does not run here (IDBRIDGE_ROLE=identity): users live with the bridge, next to the site; run it where IDBRIDGE_ROLE=bridge or all\n',
    );
    expect(run(['user', 'list'], IDENTITY).code).toBe(1);
    for (const args of [['client', 'add', '--name', 'X', '--redirect-uri', 'https://a.example/cb'], ['client', 'list'], ['keys', 'rotate'], ['aw', 'rotate']]) {
      const r = run(args, BRIDGE);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/^idbridge: "[a-z ]+" does not run here \(IDBRIDGE_ROLE=bridge\): .*run it where IDBRIDGE_ROLE=identity or all\n$/);
    }
    expect(run(['user', 'list'], BRIDGE).code).toBe(0);
    expect(run(['client', 'list'], IDENTITY).code).toBe(0);
  });

  it('aw show prints what is true for the role and never a key the bridge does not own', () => {
    const bridge = run(['aw', 'show', '--json'], BRIDGE);
    expect(bridge.code).toBe(0);
    expect(JSON.parse(bridge.stdout)).toEqual({
      role: 'bridge',
      verify_url: 'http://localhost:3001/verify', // a bridge's default port is 3001
      postback_url: 'https://id.example.com/ows_auth',
      return_url: 'https://id.example.com/ows_return',
      api_key_configured: true,
    });
    const text = run(['aw', 'show'], BRIDGE).stdout;
    expect(text).toMatch(/PostBack URL: https:\/\/id\.example\.com\/ows_auth/);
    expect(text).not.toContain(BRIDGE.IDBRIDGE_API_KEY);

    const identity = JSON.parse(run(['aw', 'show', '--json'], { ...IDENTITY, IDBRIDGE_PUBLIC_URL: 'https://id.example.com' }).stdout);
    expect(identity).toMatchObject({
      role: 'identity',
      postback_url: 'https://id.example.com/ows_auth',
      return_url: 'https://id.example.com/ows_return',
      verify_url: 'https://www.example.com/verify',
    });
    expect(identity.api_key).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('idbridge client update', { timeout: 120_000 }, () => {
  it('changes redirect URIs, name and trusted in place; a running server applies it at once', async () => {
    const serveDir = mkdtempSync(join(tmpdir(), 'idbridge-update-'));
    const env = { IDBRIDGE_DATABASE: join(serveDir, 'db.sqlite') };
    const child = spawn(process.execPath, [bin, 'serve'], { env: { ...baseEnv, ...env, PORT: '0' }, cwd: serveDir });
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const deadline = Date.now() + 15_000;
      while (!/password: /.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;

      const added = run(['client', 'add', '--name', 'Shop', '--redirect-uri', 'https://shop.example/old', '--json'], env);
      expect(added.code).toBe(0);
      const client = JSON.parse(added.stdout);
      const authorize = (redirectUri: string) =>
        fetch(
          `${url}/authorize?${new URLSearchParams({
            client_id: client.client_id,
            redirect_uri: redirectUri,
            response_type: 'code',
            scope: 'openid',
            state: 's',
            nonce: 'n',
            code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            code_challenge_method: 'S256',
          })}`,
          { redirect: 'manual' },
        );
      expect((await authorize('https://shop.example/old')).status).toBe(302); // the server now holds the client
      expect((await authorize('https://shop.example/new')).status).toBe(400);

      const updated = run(['client', 'update', client.client_id, '--redirect-uri', 'https://shop.example/new', '--name', 'Shop 2', '--trusted', '--json'], env);
      expect(updated.stderr).toBe('');
      expect(JSON.parse(updated.stdout)).toMatchObject({ client_id: client.client_id, name: 'Shop 2', trusted: true, redirect_uris: ['https://shop.example/new'] });
      expect((await authorize('https://shop.example/new')).status).toBe(302);
      expect((await authorize('https://shop.example/old')).status).toBe(400);

      const untrusted = JSON.parse(run(['client', 'update', client.client_id, '--no-trusted', '--json'], env).stdout);
      expect(untrusted).toMatchObject({ name: 'Shop 2', trusted: false, redirect_uris: ['https://shop.example/new'] });
      expect(run(['client', 'update', client.client_id], env).stderr).toMatch(/^idbridge: client update: needs something to change/);
      const bad = run(['client', 'update', client.client_id, '--redirect-uri', 'https://shop.example/#x'], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^idbridge: redirect_uris: "https:\/\/shop\.example\/#x" is not an absolute https URL/);
      expect(run(['client', 'update', 'c_nobody', '--name', 'X'], env).stderr).toBe('idbridge: No client c_nobody.\n');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(serveDir, { recursive: true, force: true });
    }
  });
});

describe('the lazy command table', () => {
  it('names every command as the module it loads does, once each', async () => {
    const { COMMANDS } = await import('../../../src/entry/node/cli.js');
    const loaded = await Promise.all(COMMANDS.map((entry) => entry.load()));
    expect(loaded.map((c) => c.name)).toEqual(COMMANDS.map((e) => e.name));
    expect(new Set(COMMANDS.map((e) => e.name)).size).toBe(COMMANDS.length);
  });
});

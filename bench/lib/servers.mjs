/**
 * Start and stop the servers under test as separate processes, pinned to the server core with
 * `taskset`, stdout/stderr to a log file in the run's temporary folder.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The idbridge build under test (bin/, dist/, drizzle/): this checkout, or another one for A/B runs. */
export const IDBRIDGE_ROOT = process.env.BENCH_IDBRIDGE_ROOT ?? ROOT;
export const PASSWORD = 'bench password, not a secret';
export const REDIRECT_URI = 'http://127.0.0.1:9/cb';
export const TRUSTED_REALM = 'http://rp.bench.test/';

/** Every server process this load generator started and that is still running. */
const live = new Set();
// Never leave servers behind, whatever ends this process.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Stop every server still running (after an error, say). */
export async function stopAllServers() {
  await Promise.all([...live].map((child) => child.__stop?.()));
}

export function hasTaskset() {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function freePort() {
  const probe = createServer();
  await new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** `[taskset -c CPU] node ARGS` as a spawn command line. */
function pinned(cpu, args) {
  return cpu === undefined ? [process.execPath, args] : ['taskset', ['-c', String(cpu), process.execPath, ...args]];
}

async function waitUntilUp(url, child, logPath, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) during start; log ${logPath}:\n${tail(logPath)}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`server did not answer ${url} within ${timeoutMs} ms; log ${logPath}:\n${tail(logPath)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tail(path) {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

export function launch({ name, args, env, cpu, tmp, readyPath, port, cwd = ROOT }) {
  const logPath = join(tmp, `${name}.log`);
  const log = openSync(logPath, 'a');
  const [cmd, argv] = pinned(cpu, args);
  // taskset execs node in place, so the child's pid is the server's pid.
  const spawnedAt = performance.now();
  const child = spawn(cmd, argv, { cwd, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', log, log] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  child.__stop = stop;
  return {
    name,
    origin,
    pid: child.pid,
    spawnedAt,
    logPath,
    child,
    ready: () => waitUntilUp(`${origin}${readyPath}`, child, logPath),
    stop,
  };
}

/**
 * The idbridge environment for one run (loopback http, the given scrypt cost). Production mode,
 * except for the cheap-hash runs: production refuses scrypt below the OWASP floor (as it must),
 * so those run as `test`, which differs from production only in what development conveniences it
 * allows (no demo either way; relying-party discovery may reach loopback, once per realm, cached).
 */
function idbridgeEnv({ port, databasePath, secret, ln }) {
  const environment = ln >= 17 ? 'production' : 'test';
  return {
    IDBRIDGE_ENV: environment,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    IDBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    IDBRIDGE_DATABASE: databasePath,
    IDBRIDGE_SECRET: secret,
    IDBRIDGE_SCRYPT_LN: String(ln),
    IDBRIDGE_SCRYPT_R: '8',
    IDBRIDGE_SCRYPT_P: '1',
    IDBRIDGE_TRUSTED_REALMS: TRUSTED_REALM,
    IDBRIDGE_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  };
}

/**
 * Seed a fresh database (users, a trusted client, keys) through dist/, then start
 * `node bin/idbridge.js serve` on it. `nodeFlags` e.g. ['--cpu-prof', …] for the profile run;
 * `serverEnv` is added to the server's environment only (not the seed's), e.g. IDBRIDGE_CONFIG.
 */
export async function startIdbridge({ tmp, ln, users, cpu, nodeFlags = [], label = `idbridge-ln${ln}`, root = IDBRIDGE_ROOT, serverEnv = {} }) {
  const port = await freePort();
  const databasePath = join(tmp, `${label}.sqlite`);
  const secret = randomBytes(32).toString('base64url');
  const env = idbridgeEnv({ port, databasePath, secret, ln });
  const seedOut = execFileSync(process.execPath, [join(ROOT, 'bench/lib/seed-idbridge.mjs')], {
    cwd: root,
    env: { ...process.env, ...env, BENCH_IDBRIDGE_ROOT: root, BENCH_USERS: String(users), BENCH_PASSWORD: PASSWORD, BENCH_REDIRECT_URI: REDIRECT_URI },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seed = JSON.parse(seedOut.trim().split('\n').at(-1));
  const server = launch({ name: label, args: [...nodeFlags, join(root, 'bin/idbridge.js'), 'serve'], env: { ...env, ...serverEnv }, cpu, tmp, readyPath: '/healthz', port, cwd: root });
  await server.ready();
  return { ...server, kind: 'idbridge', issuer: server.origin, databasePath, seed };
}

/** oidc-provider on a copy of the seeded user table (same users, same hashes). */
export async function startOidcProvider({ tmp, usersDb, seed, cpu, adapter = 'sqlite', label = 'oidc-provider' }) {
  const port = await freePort();
  const copy = join(tmp, `${label}-users.sqlite`);
  copyFileSync(usersDb, copy);
  for (const suffix of ['-wal', '-shm']) if (existsSync(usersDb + suffix)) copyFileSync(usersDb + suffix, copy + suffix);
  const server = launch({
    name: label,
    args: [join(ROOT, 'bench/servers/oidc-provider-server.mjs')],
    env: {
      NODE_ENV: 'production',
      BENCH_USERS_DB: copy,
      BENCH_OP_DB: join(tmp, `${label}-op.sqlite`),
      BENCH_OP_ADAPTER: adapter,
      BENCH_CLIENT_ID: seed.clientId,
      BENCH_CLIENT_SECRET: seed.clientSecret,
      BENCH_REDIRECT_URI: REDIRECT_URI,
    },
    cpu,
    tmp,
    readyPath: '/.well-known/openid-configuration',
    port,
  });
  await server.ready();
  return { ...server, kind: 'oidc-provider', issuer: server.origin, seed };
}

export async function startHono({ tmp, cpu }) {
  const port = await freePort();
  const server = launch({ name: 'hono-hello', args: [join(ROOT, 'bench/servers/hono-hello.mjs')], env: { NODE_ENV: 'production' }, cpu, tmp, readyPath: '/hello', port });
  await server.ready();
  return { ...server, kind: 'hono' };
}

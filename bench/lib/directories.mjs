/**
 * The site directories for the `directories` phase (issue 10): a throwaway PostgreSQL with a
 * site `users` table (bcrypt cost 4, the cheapest the registry accepts), the HTTP reference
 * implementation (examples/http-directory/server.mjs) with scrypt ln=4 users, and the
 * idbridge.config.yaml that points a server at each. Port of test/helpers/sql-servers.ts
 * startPostgres (initdb/pg_ctl, as the `postgres` user when root).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { freePort, ROOT } from './servers.mjs';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const isRoot = () => process.getuid?.() === 0;

/** initdb + pg_ctl start in a temp dir, TCP on 127.0.0.1, database `site`. */
export async function startPostgres(tmp, cpu) {
  const dir = mkdtempSync(join(tmp, 'pg-'));
  const data = join(dir, 'data');
  const asServer = (cmd, args) => execFileSync(isRoot() ? 'runuser' : cmd, isRoot() ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    // The postgres user must reach the folder: the run's temp folder is 0700 root.
    chmodSync(tmp, 0o711);
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const port = await freePort();
  asServer(join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  // PostgreSQL runs on the driver's core (not idbridge's): its CPU is the site's, not idbridge's.
  const pgctl = [join(PG_BIN, 'pg_ctl'), '-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start'];
  if (cpu !== undefined) asServer('taskset', ['-c', String(cpu), ...pgctl]);
  else asServer(pgctl[0], pgctl.slice(1));
  const psql = (sql) => asServer(join(PG_BIN, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'site', '-v', 'ON_ERROR_STOP=1', '-qc', sql]);
  asServer(join(PG_BIN, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qc', 'CREATE DATABASE site']);
  return {
    url: `postgres://postgres:unused@127.0.0.1:${port}/site`,
    psql,
    stop() {
      try {
        asServer(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

/** The site's users table (bcrypt `$2y$04$`, made by bcryptjs) and the bench's user list. */
export function seedSqlSite(pg, { users, password }) {
  const bcrypt = createRequire(join(ROOT, 'package.json'))('bcryptjs');
  const hash = bcrypt.hashSync(password, 4).replace(/^\$2[ab]\$/, '$2y$');
  const rows = [];
  const list = [];
  for (let i = 0; i < users; i++) {
    const n = String(i).padStart(3, '0');
    rows.push(`(${1000 + i}, ${sqlString(`site${n}@bench.example`)}, ${sqlString(`site${n}`)}, ${sqlString(hash)}, false, now(), ${sqlString(`Site User ${n}`)})`);
    list.push({ email: `site${n}@bench.example`, login: i % 2 === 0 ? `site${n}@bench.example` : `site${n}` });
  }
  pg.psql(`CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, login text NOT NULL UNIQUE, password_hash text NOT NULL, is_banned boolean NOT NULL DEFAULT false, email_verified_at timestamptz, display_name text);
INSERT INTO users VALUES ${rows.join(',\n')};`);
  return { hash, users: list };
}

export function sqlConfigYaml() {
  return `directory:
  kind: sql
  mode: federated
  url: \${SITE_DATABASE_URL}
  table: users
  columns:
    id: id
    email: email
    username: login
    passwordHash: password_hash
    blocked: is_banned
    emailVerified: email_verified_at
    attributes:
      fullname: display_name
  loginCase: insensitive
  pool: { max: 5 }
`;
}

export function httpConfigYaml(url) {
  return `directory:
  kind: http
  mode: federated
  url: ${url}
  secret: \${DIRECTORY_SECRET}
`;
}

/** The users file for the HTTP reference implementation (its own scrypt, ln=4: the cheapest sensible). */
export async function httpUsersFile(dir, { users, password, logN = 4 }) {
  const { hashPassword } = await import(join(ROOT, 'examples/http-directory/server.mjs'));
  const hash = await hashPassword(password, { logN });
  const file = { users: [] };
  const list = [];
  for (let i = 0; i < users; i++) {
    const n = String(i).padStart(3, '0');
    file.users.push({ id: String(2000 + i), email: `web${n}@bench.example`, username: `web${n}`, passwordHash: hash, blocked: false, emailVerified: true, attributes: { fullname: `Web User ${n}` } });
    list.push({ email: `web${n}@bench.example`, login: i % 2 === 0 ? `web${n}@bench.example` : `web${n}` });
  }
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'users.json');
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return { path, hash, users: list };
}

/**
 * Verifiers as idbridge's server runs them (from the build under test): its own `$scrypt$` hasher
 * (built-in directory) and the hash registry on the Node primitives (SQL directory).
 */
export async function verifiers(dist) {
  const load = (path) => import(new URL(path, dist).href);
  const { createHashRegistry } = await load('users/hashes/registry.js');
  const { nodeHashPrimitives } = await load('entry/node/hash-primitives.js');
  const { PasswordHasher } = await load('users/password-hasher.js');
  const { nodeScrypt } = await load('entry/node/scrypt.js');
  const registry = createHashRegistry(nodeHashPrimitives);
  return {
    builtin: (ln) => {
      const hasher = new PasswordHasher(nodeScrypt, { ln, r: 8, p: 1 });
      return async (password) => {
        const hash = await hasher.hash(password);
        return async () => hasher.verify(password, hash);
      };
    },
    registry: (password, hash) => async () => (await registry.verify(password, hash)).ok,
  };
}

/** Median CPU cost (ms, process.cpuUsage over batches) of one `verify()` in this process. */
export async function verifyCostMs(verify, rounds = 200) {
  if (!(await verify())) throw new Error('verify cost: the hash did not verify');
  for (let i = 0; i < 20; i++) await verify();
  const samples = [];
  for (let b = 0; b < 5; b++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < rounds / 5; i++) await verify();
    const c = process.cpuUsage(c0);
    samples.push((c.user + c.system) / 1000 / (rounds / 5));
  }
  return samples.sort((a, b) => a - b)[2];
}

/** Wait until a launched server accepts HTTP (any answer: the HTTP site refuses unsigned requests). */
export async function waitForListener(server, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`${server.name} exited (${server.child.exitCode}) during start; log ${server.logPath}`);
    try {
      const res = await fetch(`${server.origin}/`);
      await res.arrayBuffer();
      return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${server.name} did not answer within ${timeoutMs} ms; log ${server.logPath}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

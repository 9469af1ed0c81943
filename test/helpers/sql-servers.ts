/**
 * Throwaway PostgreSQL and MariaDB servers for tests: Debian's packages (`.ci/run` installs them),
 * each started in a temp dir on a free 127.0.0.1 port, nothing shared with a system instance, and
 * stopped + removed by `stop()` (call it in afterAll).
 *
 * CI runs as root. PostgreSQL refuses to run as root, so when we are root its data directory is
 * given to the `postgres` system user (created by the Debian package) and every server command runs
 * through `runuser`. MariaDB runs as root with `--user=root`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The newest PostgreSQL the Debian packages installed (`/usr/lib/postgresql/<major>/bin`). */
const PG_BIN = (() => {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  return join(root, majors[0] ?? '15', 'bin');
})();
const MARIADBD = '/usr/sbin/mariadbd';
const MARIADB_INSTALL_DB = '/usr/bin/mariadb-install-db';

/** True when the servers are missing here and we are not in CI (where their absence is a failure). */
export const skipPostgresTests = !existsSync(join(PG_BIN, 'postgres')) && !process.env['CI'];
export const skipMariadbTests = !existsSync(MARIADBD) && !process.env['CI'];

export interface TestSqlServer {
  /** A connection URL for the test database (`postgres://…` / `mysql://…`). */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/**
 * initdb + pg_ctl start in a temp dir (trust auth on loopback only, fsync off: the data is
 * thrown away), then `CREATE DATABASE`. About a second on a quiet machine.
 */
export async function startPostgres(): Promise<TestSqlServer> {
  const dir = mkdtempSync(join(tmpdir(), 'idbridge-pg-'));
  const data = join(dir, 'data');
  const asServer = (cmd: string, args: string[]) => (isRoot() ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));
  if (isRoot()) {
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const port = await freePort();
  try {
    await asServer(join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await asServer(join(PG_BIN, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '20', 'start']);
    await asServer(join(PG_BIN, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qc', 'CREATE DATABASE site']);
  } catch (error) {
    await asServer(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres:unused@127.0.0.1:${port}/site`,
    host: '127.0.0.1',
    port,
    database: 'site',
    user: 'postgres',
    password: 'unused',
    async stop() {
      await asServer(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * mariadb-install-db + mariadbd in a temp dir, TCP on 127.0.0.1 only, then a database `site` and
 * a user `site` with a password (so URLs with credentials and their redaction are exercised).
 */
export async function startMariadb(): Promise<TestSqlServer> {
  const dir = mkdtempSync(join(tmpdir(), 'idbridge-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const port = await freePort();
  const user = isRoot() ? ['--user=root'] : [];
  const fast = ['--innodb-buffer-pool-size=16M', '--innodb-log-file-size=8M', '--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0', '--skip-log-bin'];
  let child: ChildProcess | undefined;
  const cleanup = async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => child!.kill('SIGKILL'))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run(MARIADB_INSTALL_DB, ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...user, ...fast]);
    child = spawn(
      MARIADBD,
      ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1', '--skip-networking=0', `--pid-file=${join(dir, 'pid')}`, `--log-error=${join(dir, 'log')}`, '--skip-name-resolve', ...user, ...fast],
      { stdio: 'ignore' },
    );
    await waitFor(async () => {
      if (child!.exitCode !== null) throw new Error(`mariadbd exited with ${child!.exitCode}`);
      await run('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-e', 'SELECT 1']);
    }, 20_000);
    await run('mariadb', [
      '--no-defaults',
      `--socket=${socket}`,
      '-uroot',
      '-e',
      "CREATE DATABASE site; CREATE USER 'site'@'127.0.0.1' IDENTIFIED BY 's3cret-pw'; GRANT ALL ON site.* TO 'site'@'127.0.0.1';",
    ]);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return {
    url: `mysql://site:s3cret-pw@127.0.0.1:${port}/site`,
    host: '127.0.0.1',
    port,
    database: 'site',
    user: 'site',
    password: 's3cret-pw',
    stop: cleanup,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(probe: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (error) {
      if (Date.now() > deadline || /exited/.test(String(error))) throw error;
      await sleep(100);
    }
  }
}

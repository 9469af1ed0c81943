/**
 * Run idbridge's Worker locally for tests: `wrangler d1 migrations apply --local` into a private
 * persistence folder, then `wrangler dev` (workerd, local D1, no network) on a loopback port with
 * the given vars. The process group is always killed on `stop()`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './walk.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };

export interface LocalWorker {
  /** The URL the worker listens on (`http://<host>:<port>`). */
  url: string;
  port: number;
  /** Run SQL against the worker's local D1. */
  sql(statement: string): Promise<void>;
  /** Run a SELECT against the worker's local D1 and return its rows. */
  query(statement: string): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

/** Start the Worker with these vars (merged over wrangler.toml's), reachable as `http://<host>:<port>`. */
export async function startWorker(vars: (url: string) => Record<string, string>, host = '127.0.0.1'): Promise<LocalWorker> {
  const persist = mkdtempSync(join(tmpdir(), 'idbridge-d1-'));
  const port = await freePort();
  const url = `http://${host}:${port}`;
  await run(wrangler, ['d1', 'migrations', 'apply', 'idbridge', '--local', '--persist-to', persist], { cwd: root, env, timeout: 120_000 });

  // --test-scheduled: GET /__scheduled runs the cron handler (local dev only).
  const args = ['dev', '--test-scheduled', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', persist, '--inspector-port', String(await freePort())];
  for (const [key, value] of Object.entries(vars(url))) args.push('--var', `${key}:${value}`);
  const child: ChildProcess = spawn(wrangler, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM'); // the whole group: wrangler and its workerd
      } catch {
        /* already gone */
      }
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(persist, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }

  return {
    url,
    port,
    sql: async (statement) => {
      await run(wrangler, ['d1', 'execute', 'idbridge', '--local', '--persist-to', persist, '--command', statement], { cwd: root, env, timeout: 60_000 });
    },
    query: async (statement) => {
      const { stdout } = await run(wrangler, ['d1', 'execute', 'idbridge', '--local', '--persist-to', persist, '--json', '--command', statement], { cwd: root, env, timeout: 60_000 });
      return (JSON.parse(stdout) as Array<{ results: Array<Record<string, unknown>> }>)[0]?.results ?? [];
    },
    stop,
  };
}

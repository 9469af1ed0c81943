/**
 * SIGTERM under load, against the real server process (`bin/idbridge.js serve`, role=bridge, a
 * SQLite file): in-flight sign-ins finish, kept-alive connections are closed instead of serving
 * on, new connections are refused, and the process logs `stopped` and exits 0 within the grace
 * period. The identity service's PostBack URL is a local server that holds every postback until
 * the test releases it, so the sign-ins are reliably in flight when the signal arrives.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../helpers/browser.js';
import { newRequestId, verifyPath } from '../../helpers/bridge-server.js';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'idbridge.js');
const PASSWORD = 'correct horse battery staple';
const SIGN_INS = 4;
const GRACE_SECONDS = 10;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  socket: Socket;
}

/** One browser on one kept-alive connection (node:http, so `Connection` and the socket are visible). */
function keepAliveBrowser(base: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const answers: Answer[] = [];
  const browser = new TestBrowser(base, (url, init) =>
    new Promise<Response>((resolve, reject) => {
      let socket: Socket;
      const req = request(url, { method: init.method, headers: init.headers as Record<string, string>, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          answers.push({ status: res.statusCode!, headers: res.headers, socket });
          const headers = Object.entries(res.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, String(v)]]));
          resolve(new Response(res.statusCode === 302 || res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode, headers: headers as [string, string][] }));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.once('socket', (s) => (socket = s));
      req.end(init.body as string | undefined);
    }),
  );
  return { browser, answers, agent };
}

describe('SIGTERM under load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idbridge-shutdown-'));
  const held: ServerResponse[] = [];
  const identity = createServer((req, res) => {
    req.resume();
    req.on('end', () => (req.url === '/ows_auth' ? held.push(res) : res.writeHead(404).end()));
  });
  let env: Record<string, string>;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    await new Promise<void>((resolve) => identity.listen(0, '127.0.0.1', resolve));
    const idUrl = `http://127.0.0.1:${(identity.address() as AddressInfo).port}`;
    env = {
      PATH: process.env.PATH!,
      IDBRIDGE_ENV: 'test',
      IDBRIDGE_ROLE: 'bridge',
      IDBRIDGE_DATABASE: join(dir, 'db.sqlite'),
      IDBRIDGE_POSTBACK_URL: `${idUrl}/ows_auth`,
      IDBRIDGE_RETURN_URL: `${idUrl}/ows_return`,
      IDBRIDGE_API_KEY: 'k'.repeat(32),
      IDBRIDGE_SCRYPT_LN: '10',
      IDBRIDGE_POSTBACK_TIMEOUT_MS: '20000',
      IDBRIDGE_POSTBACK_DEADLINE_MS: '30000',
      IDBRIDGE_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
      PORT: '0',
    };
    for (let i = 0; i < SIGN_INS; i++) {
      const r = spawnSync(process.execPath, [bin, 'user', 'add', '--email', `user${i}@example.com`, '--password', PASSWORD], { env, cwd: dir, encoding: 'utf8' });
      expect(r.stderr).toBe('');
    }
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const res of held) res.destroy();
    identity.closeAllConnections();
    await new Promise((resolve) => identity.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes in-flight sign-ins, closes kept-alive connections, refuses new ones, logs stopped and exits 0', async () => {
    const proc = spawn(process.execPath, [bin, 'serve'], { env, cwd: dir });
    child = proc;
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => proc.once('exit', (code) => resolve({ code, at: Date.now() })));
    const until = async (what: () => boolean, label: string, ms = 15_000) => {
      const deadline = Date.now() + ms;
      while (!what()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(() => /listening on http:\/\/\S+/.test(out), 'the server to listen');
    const base = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    const port = Number(new URL(base).port);

    // Sign-ins in flight: each browser on its own kept-alive connection, held at the postback.
    const signIns = await Promise.all(
      Array.from({ length: SIGN_INS }, async (_, i) => {
        const b = keepAliveBrowser(base);
        const requestId = newRequestId();
        const login = await b.browser.get(verifyPath(requestId));
        expect(login.status).toBe(200);
        expect(b.answers[0]!.headers.connection).toBe('keep-alive');
        const finished = b.browser.submit(await login.text(), { identifier: `user${i}@example.com`, password: PASSWORD });
        return { ...b, requestId, finished };
      }),
    );
    await until(() => held.length === SIGN_INS, 'every postback to be in flight');

    // An idle kept-alive connection, and two clients keeping theirs busy with new sign-ins.
    const idle = keepAliveBrowser(base);
    expect((await idle.browser.get('/healthz')).status).toBe(200);
    const idleSocket = idle.answers[0]!.socket;
    const idleClosed = new Promise<void>((resolve) => idleSocket.once('close', () => resolve()));
    let stopping = false;
    let stopLoad = false;
    const afterStop: Answer[] = [];
    const load = Array.from({ length: 2 }, async () => {
      const b = keepAliveBrowser(base);
      for (let n = 0; n < 5000 && !stopLoad; n++) {
        const sentAfterStop = stopping;
        try {
          await b.browser.get(verifyPath(newRequestId()));
        } catch {
          return; // connection closed or refused: what a draining server should do
        }
        if (sentAfterStop) afterStop.push(b.answers.at(-1)!);
      }
    });

    await new Promise((r) => setTimeout(r, 100)); // let the load run on its connections
    const signalledAt = Date.now();
    proc.kill('SIGTERM');
    // New connections are refused as soon as the signal is handled (the listening socket is closed).
    const tryConnect = () =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
    let refused = await tryConnect();
    for (let n = 0; n < 100 && refused === 'connected'; n++) {
      await new Promise((r) => setTimeout(r, 50));
      refused = await tryConnect();
    }
    expect(refused, out).toBe('ECONNREFUSED');
    stopping = true;
    // The idle kept-alive connection is closed by the server, not left to serve on.
    await idleClosed;
    await expect(idle.browser.get('/healthz')).rejects.toThrow();
    // The busy ones are answered at most once more, with Connection: close, then closed.
    await Promise.race([Promise.all(load), new Promise((r) => setTimeout(r, 3000))]);
    stopLoad = true;
    await Promise.all(load);
    expect(afterStop.length).toBeLessThanOrEqual(2);
    for (const answer of afterStop) expect(answer.headers.connection).toBe('close');

    // The held sign-ins are still in flight; release them: each completes, with Connection: close.
    expect(proc.exitCode).toBeNull();
    for (const res of held) res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    for (const signIn of signIns) {
      const res = await signIn.finished;
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('request_id')).toBe(signIn.requestId);
      expect(signIn.answers.at(-1)!.headers.connection).toBe('close');
      signIn.agent.destroy();
    }

    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - signalledAt).toBeLessThan(GRACE_SECONDS * 1000);
    const stopped = out.split('\n').filter((line) => line.includes('"event":"stopped"'));
    expect(out).toMatch(/"event":"stopping","reason":"SIGTERM"/);
    expect(stopped).toHaveLength(1);
    expect(JSON.parse(stopped[0]!)).toMatchObject({ level: 'info', forced_requests: 0 });
  }, 60_000);
});

describe('npm start and SIGTERM', () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const dir = mkdtempSync(join(tmpdir(), 'idbridge-npm-'));
  let serverPid: number | undefined;
  let npm: ChildProcess | undefined;
  afterAll(() => {
    if (npm && npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    // Before the fix the server outlived npm; never leave it running.
    if (serverPid) {
      try {
        process.kill(serverPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM to npm stops the node server too (it is not left listening, orphaned)', async () => {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: root,
      env: { PATH: process.env.PATH!, HOME: dir, IDBRIDGE_ENV: 'test', IDBRIDGE_DATABASE: join(dir, 'db.sqlite'), PORT: '0', IDBRIDGE_SCRYPT_LN: '10' },
    });
    npm = child;
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const npmExited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 30_000;
    while (!/listening on .* \(pid \d+\)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const [, url, pid] = /listening on (http:\/\/\S+) \(pid (\d+)\)/.exec(out) ?? [];
    expect(url, out).toBeDefined();
    serverPid = Number(pid);
    expect(serverPid).not.toBe(child.pid); // npm really is in between

    child.kill('SIGTERM');
    await npmExited;
    const alive = () => {
      try {
        process.kill(serverPid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    const until = Date.now() + 15_000;
    while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 60_000);
});

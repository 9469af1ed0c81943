/**
 * The reference HTTP directory (examples/http-directory/server.mjs) as a child process on a free
 * loopback port, and a fault-injecting proxy in front of it (a slow site, 500s, a forged or
 * replayed answer, a proxy that sends a request twice), all real HTTP on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { scryptSync, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../../examples/http-directory/server.mjs', import.meta.url));

/** scrypt cost of the seeded hashes and of the server's dummy hash (kept equal: same timing). */
export const TEST_SCRYPT_LOG_N = 13;

/** A hash in the reference implementation's format, made here with node:crypto directly. */
export function referenceHash(password: string, logN = TEST_SCRYPT_LOG_N): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 2 ** logN, r: 8, p: 1 });
  return `$scrypt$ln=${logN},r=8,p=1$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export interface DirectoryProcess {
  url: string;
  /** The JSON lines it logged (one per request). */
  log: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Start the reference implementation over `usersFile`; resolves once it listens. */
export async function startReferenceDirectory(options: { secret: string; usersFile: string; basePath?: string }): Promise<DirectoryProcess> {
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH,
      DIRECTORY_SECRET: options.secret,
      USERS_FILE: options.usersFile,
      PORT: '0',
      HOST: '127.0.0.1',
      BASE_PATH: options.basePath ?? '',
      SCRYPT_LOG_N: String(TEST_SCRYPT_LOG_N),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk) => {
      buffered += String(chunk);
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const entry = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        buffered = buffered.slice(newline + 1);
        log.push(entry);
        if (entry.event === 'listening') resolve(String(entry.url));
      }
    });
    child.once('exit', (code) => reject(new Error(`reference directory exited (${code}): ${stderr}`)));
  });
  return {
    url,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface RecordedExchange {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  responseHeaders: IncomingHttpHeaders;
  responseBody: string;
}

/** What the proxy does with the next requests (tests set it; `pass` is the default). */
export type ProxyMode =
  | { kind: 'pass' }
  /** Wait before forwarding (a slow site). */
  | { kind: 'delay'; ms: number }
  /** Answer with this status without forwarding (the site is down behind its load balancer), `times` times or for good. */
  | { kind: 'status'; status: number; times?: number }
  /** Forward, then change the answer's body and/or signature on the way back. */
  | { kind: 'tamper'; body?: (body: string) => string; signature?: (value: string) => string }
  /** Answer with a recorded answer (a replayed "password ok") instead of forwarding. */
  | { kind: 'replay-answer'; exchange: RecordedExchange }
  /** Forward the request twice and return the second answer (a proxy that retries on its own). */
  | { kind: 'double-send' }
  /** Close the connection without answering. */
  | { kind: 'hang-up' };

export interface FaultProxy {
  url: string;
  mode: ProxyMode;
  /** Every request that reached the proxy, with the answer it got. */
  exchanges: RecordedExchange[];
  count(path: string): number;
  /** Send a recorded request again, verbatim, to the site (an attacker replaying it). */
  resend(exchange: RecordedExchange): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/** A proxy on a free loopback port in front of `target` (an origin such as http://127.0.0.1:1234). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const origin = new URL(target);
  const forward = (path: string, headers: IncomingHttpHeaders, body: string) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const out = httpRequest({ host: origin.hostname, port: origin.port, method: 'POST', path, headers: { ...headers, host: origin.host } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      out.on('error', reject);
      out.end(body);
    });

  const proxy: FaultProxy = {
    url: '',
    mode: { kind: 'pass' },
    exchanges: [],
    count: (path) => proxy.exchanges.filter((e) => e.path.endsWith(path)).length,
    resend: async (e) => forward(e.path, e.headers, e.body),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const path = req.url ?? '/';
      const mode = proxy.mode;
      const exchange: RecordedExchange = { path, headers: req.headers, body, status: 0, responseHeaders: {}, responseBody: '' };
      proxy.exchanges.push(exchange);
      const send = (status: number, headers: IncomingHttpHeaders, text: string) => {
        exchange.status = status;
        exchange.responseHeaders = headers;
        exchange.responseBody = text;
        const clean = Object.fromEntries(Object.entries(headers).filter(([k]) => !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)));
        if (!res.destroyed) res.writeHead(status, clean as Record<string, string>).end(text);
      };
      try {
        switch (mode.kind) {
          case 'status':
            // `times` refusals, then the site is back.
            if (mode.times !== undefined && --mode.times <= 0) proxy.mode = { kind: 'pass' };
            return send(mode.status, { 'content-type': 'application/json' }, JSON.stringify({ error: 'server_error' }));
          case 'hang-up':
            return void req.socket.destroy();
          case 'replay-answer':
            return send(mode.exchange.status, mode.exchange.responseHeaders, mode.exchange.responseBody);
          case 'delay':
            await new Promise((resolve) => setTimeout(resolve, mode.ms));
            break;
          case 'double-send':
            await forward(path, req.headers, body);
            break;
          default:
            break;
        }
        const answer = await forward(path, req.headers, body);
        if (mode.kind === 'tamper') {
          const headers = { ...answer.headers };
          if (mode.signature && typeof headers['x-idbridge-signature'] === 'string') headers['x-idbridge-signature'] = mode.signature(headers['x-idbridge-signature']);
          return send(answer.status, headers, mode.body ? mode.body(answer.body) : answer.body);
        }
        send(answer.status, answer.headers, answer.body);
      } catch {
        send(502, { 'content-type': 'text/plain' }, 'bad gateway');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/**
 * The bounded fetch of relying-party discovery on Node, against real servers on loopback: every
 * limit (time, size, redirects, scheme, addresses) is exercised over the wire.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBoundedFetch } from '../../../src/entry/node/rp-fetch.js';
import { rpFetchLimits } from '../../../src/provider/rp-discovery.js';
import { FetchRefusedError, type BoundedFetch, type BoundedFetchLimits } from '../../../src/util/bounded-fetch.js';
import { PUBLIC_ONLY } from '../../../src/util/ip-address.js';

const XRDS = '<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds"><XRD/></xrds:XRDS>';

let server: Server;
let base: string;
let port: number;
let connections = 0;
const hits = new Map<string, number>();
const open = new Set<ServerResponse>();

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url!, base).pathname;
  hits.set(path, (hits.get(path) ?? 0) + 1);
  switch (path) {
    case '/xrds':
      res.writeHead(200, { 'content-type': 'application/xrds+xml', 'x-accept-seen': req.headers.accept ?? '' }).end(XRDS);
      return;
    case '/hang': // headers never come
      open.add(res);
      return;
    case '/trickle': // headers at once, then a byte now and then, forever
      res.writeHead(200, { 'content-type': 'text/plain' });
      open.add(res);
      {
        const timer = setInterval(() => res.write('x'), 50);
        res.on('close', () => clearInterval(timer));
      }
      return;
    case '/big-declared':
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(1024 * 1024) });
      res.end('x'.repeat(1024 * 1024));
      return;
    case '/big-chunked': // no content-length: the cap must hold while streaming
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 64; i++) res.write('y'.repeat(16 * 1024));
      res.end();
      return;
    case '/loop':
      res.writeHead(302, { location: '/loop' }).end();
      return;
    case '/to-xrds':
      res.writeHead(301, { location: `${base}/xrds` }).end();
      return;
    case '/to-private':
      res.writeHead(302, { location: 'http://10.20.30.40/admin' }).end();
      return;
    case '/to-metadata':
      res.writeHead(307, { location: 'http://[::ffff:169.254.169.254]/latest/meta-data/' }).end();
      return;
    case '/to-ftp':
      res.writeHead(302, { location: 'ftp://example.com/x' }).end();
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer(route);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The test environment's limits, with a short deadline so the timeout cases end quickly. */
const limits = (overrides: Partial<BoundedFetchLimits> = {}): BoundedFetchLimits => ({ ...rpFetchLimits('test'), timeoutMs: 400, ...overrides });

async function failure(fetch: BoundedFetch, url: string, followRedirects = true): Promise<string> {
  try {
    await fetch(url, { accept: 'application/xrds+xml', followRedirects });
  } catch (error) {
    expect(error).toBeInstanceOf(FetchRefusedError);
    return (error as FetchRefusedError).reason;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('nodeBoundedFetch', () => {
  it('fetches within the limits: status, headers, body; Accept is sent', async () => {
    const res = await nodeBoundedFetch(limits())(`${base}/xrds`, { accept: 'application/xrds+xml', followRedirects: false });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${base}/xrds`);
    expect(res.headers.get('content-type')).toBe('application/xrds+xml');
    expect(res.headers.get('x-accept-seen')).toBe('application/xrds+xml');
    expect(res.body).toBe(XRDS);
  });

  it('times out when the headers never come, and when the body never ends', async () => {
    const fetch = nodeBoundedFetch(limits());
    expect(await failure(fetch, `${base}/hang`)).toBe('timeout');
    expect(await failure(fetch, `${base}/trickle`)).toBe('timeout');
  });

  it('refuses a body over the cap, declared or streamed', async () => {
    const fetch = nodeBoundedFetch(limits({ timeoutMs: 3_000 }));
    expect(await failure(fetch, `${base}/big-declared`)).toBe('too_large');
    expect(await failure(fetch, `${base}/big-chunked`)).toBe('too_large');
  });

  it('follows at most maxRedirects redirects: a loop ends after maxRedirects + 1 requests', async () => {
    const fetch = nodeBoundedFetch(limits({ timeoutMs: 3_000, maxRedirects: 3 }));
    const before = hits.get('/loop') ?? 0;
    expect(await failure(fetch, `${base}/loop`)).toBe('too_many_redirects');
    expect((hits.get('/loop') ?? 0) - before).toBe(4);
    const followed = await fetch(`${base}/to-xrds`, { accept: 'application/xrds+xml', followRedirects: true });
    expect(followed.url).toBe(`${base}/xrds`);
    expect(followed.body).toBe(XRDS);
  });

  it('a redirect is a failure when the caller does not follow redirects', async () => {
    expect(await failure(nodeBoundedFetch(limits()), `${base}/to-xrds`, false)).toBe('redirected');
  });

  it('re-checks every redirect target: private, IPv4-mapped metadata and non-http targets are refused outside development', async () => {
    const fetch = nodeBoundedFetch(limits());
    expect(await failure(fetch, `${base}/to-private`)).toBe('address_refused');
    expect(await failure(fetch, `${base}/to-metadata`)).toBe('address_refused');
    expect(await failure(fetch, `${base}/to-ftp`)).toBe('insecure_scheme');
  });

  it('production: http is refused, and so is loopback, before any connection', async () => {
    const before = connections;
    const production = nodeBoundedFetch(rpFetchLimits('production'));
    expect(await failure(production, `${base}/xrds`)).toBe('insecure_scheme');
    expect(await failure(production, `https://127.0.0.1:${port}/xrds`)).toBe('address_refused');
    expect(await failure(production, `https://[::1]:${port}/xrds`)).toBe('address_refused');
    expect(connections).toBe(before);
  });

  it('checks the addresses a host name resolves to when connecting (localhost is loopback)', async () => {
    const before = connections;
    const publicOnly = nodeBoundedFetch(limits({ addresses: PUBLIC_ONLY }));
    expect(await failure(publicOnly, `http://localhost:${port}/xrds`)).toBe('address_refused');
    expect(connections).toBe(before);
    // The same name is fine where loopback is allowed (tests, development).
    const res = await nodeBoundedFetch(limits())(`http://localhost:${port}/xrds`, { accept: '*/*', followRedirects: false });
    expect(res.status).toBe(200);
  });

  it('refuses URLs with credentials or of other schemes', async () => {
    const fetch = nodeBoundedFetch(limits());
    expect(await failure(fetch, `http://user:pw@127.0.0.1:${port}/xrds`)).toBe('invalid_url');
    expect(await failure(fetch, 'file:///etc/passwd')).toBe('insecure_scheme');
    expect(await failure(fetch, 'not a url')).toBe('invalid_url');
  });

  it('the environments: production only public https; tests add http and loopback; development also private', () => {
    expect(rpFetchLimits('production')).toMatchObject({ allowHttp: false, addresses: { loopback: false, private: false } });
    expect(rpFetchLimits('test')).toMatchObject({ allowHttp: true, addresses: { loopback: true, private: false } });
    expect(rpFetchLimits('development')).toMatchObject({ allowHttp: true, addresses: { loopback: true, private: true } });
    expect(rpFetchLimits('production')).toMatchObject({ timeoutMs: 3_000, maxBytes: 64 * 1024, maxRedirects: 3 });
  });
});

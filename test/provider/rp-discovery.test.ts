/**
 * Relying-party discovery as a service: verdicts, the cache of settled results (positive and
 * negative TTLs on the injected clock), background start and joining, and the in-flight bound.
 * The realm is a real server on loopback, fetched with the Node bounded fetch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nodeRpFetch } from '../../src/entry/node/rp-fetch.js';
import { RelyingPartyDiscovery, rpFetchLimits, type RelyingPartyFetch } from '../../src/provider/rp-discovery.js';
import { TestClock } from '../helpers/clock.js';

let server: Server;
let base: string;
let hits: Record<string, number> = {};
/** Paths whose answer waits until released (to observe requests in flight). */
const held = new Map<string, Array<() => void>>();
let holding = new Set<string>();

function answer(path: string, res: ServerResponse): void {
  if (path.startsWith('/listed')) {
    res.writeHead(200, { 'content-type': 'application/xrds+xml' });
    res.end(
      `<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>http://specs.openid.net/auth/2.0/return_to</Type><URI>${base}${path}/return</URI></Service></XRD></xrds:XRDS>`,
    );
  } else if (path.startsWith('/plain')) {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>No XRDS</title></head></html>');
  } else {
    res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url!, 'http://x').pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    if (holding.has(path)) {
      const waiting = held.get(path) ?? [];
      waiting.push(() => answer(path, res));
      held.set(path, waiting);
      return;
    }
    answer(path, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  hits = {};
  holding = new Set();
});

function release(path: string): void {
  for (const go of held.get(path) ?? []) go();
  held.delete(path);
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

function discovery(options: { background?: boolean; maxInFlight?: number } = {}) {
  const clock = new TestClock();
  const fetch: RelyingPartyFetch = { ...nodeRpFetch(rpFetchLimits('test')), background: options.background ?? true };
  return { clock, rp: new RelyingPartyDiscovery(fetch, { clock, maxInFlight: options.maxInFlight }) };
}

describe('RelyingPartyDiscovery', () => {
  it('verdicts: verified, return_to_not_listed, no_xrds, fetch_failed:<reason>', async () => {
    const { rp } = discovery();
    expect(await rp.verify(`${base}/listed`, `${base}/listed/return?session=1`)).toBe('verified');
    expect(await rp.verify(`${base}/listed`, `${base}/listed/elsewhere`)).toBe('return_to_not_listed');
    expect(await rp.verify(`${base}/plain`, `${base}/plain/return`)).toBe('no_xrds');
    expect(await rp.verify(`${base}/missing`, `${base}/missing/return`)).toBe('fetch_failed:http_404');
    // The realm defaults to return_to, which may carry a fragment.
    expect(await rp.verify(`${base}/plain-f#top`, `${base}/plain-f#top`)).toBe('no_xrds');
    expect(hits['/plain-f']).toBe(1);
  });

  it('caches what a realm lists for an hour and a failure for five minutes', async () => {
    const { rp, clock } = discovery();
    await rp.verify(`${base}/listed-a`, `${base}/listed-a/return`);
    await rp.verify(`${base}/plain-a`, `${base}/plain-a/return`);
    clock.advance(299_000);
    expect(await rp.verify(`${base}/listed-a`, `${base}/listed-a/other`)).toBe('return_to_not_listed'); // the cached list, another return_to
    expect(await rp.verify(`${base}/plain-a`, `${base}/plain-a/return`)).toBe('no_xrds');
    expect(hits).toEqual({ '/listed-a': 1, '/plain-a': 1 });
    clock.advance(2_000); // past the negative TTL
    await rp.verify(`${base}/plain-a`, `${base}/plain-a/return`);
    await rp.verify(`${base}/listed-a`, `${base}/listed-a/return`);
    expect(hits).toEqual({ '/listed-a': 1, '/plain-a': 2 });
    clock.advance(3_600_000); // past the positive TTL
    await rp.verify(`${base}/listed-a`, `${base}/listed-a/return`);
    expect(hits['/listed-a']).toBe(2);
  });

  it('start() runs discovery in the background; verify() joins it instead of fetching again', async () => {
    const { rp } = discovery();
    holding.add('/listed-b');
    rp.start(`${base}/listed-b`);
    await until(() => hits['/listed-b'] === 1);
    const verdict = rp.verify(`${base}/listed-b`, `${base}/listed-b/return`);
    release('/listed-b');
    expect(await verdict).toBe('verified');
    expect(hits['/listed-b']).toBe(1);
  });

  it('without background work (Workers), start() does nothing and each verify() discovers on its own', async () => {
    const { rp } = discovery({ background: false });
    rp.start(`${base}/listed-c`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hits['/listed-c']).toBeUndefined();
    expect(await rp.verify(`${base}/listed-c`, `${base}/listed-c/return`)).toBe('verified');
    expect(await rp.verify(`${base}/listed-c`, `${base}/listed-c/return`)).toBe('verified'); // settled results are still cached
    expect(hits['/listed-c']).toBe(1);
  });

  it('bounds discoveries in flight: one more answers fetch_failed:busy (not cached)', async () => {
    const { rp } = discovery({ maxInFlight: 2 });
    holding = new Set(['/plain-1', '/plain-2']);
    rp.start(`${base}/plain-1`);
    rp.start(`${base}/plain-2`);
    await until(() => hits['/plain-1'] === 1 && hits['/plain-2'] === 1);
    expect(await rp.verify(`${base}/listed-d`, `${base}/listed-d/return`)).toBe('fetch_failed:busy');
    expect(hits['/listed-d']).toBeUndefined();
    release('/plain-1');
    release('/plain-2');
    expect(await rp.verify(`${base}/plain-1`, `${base}/plain-1/return`)).toBe('no_xrds');
    expect(await rp.verify(`${base}/listed-d`, `${base}/listed-d/return`)).toBe('verified');
  });

  it('an invalid realm is a failure, not an exception', async () => {
    const { rp } = discovery();
    expect(await rp.verify('not a realm', 'https://rp.example/')).toBe('fetch_failed:invalid_url');
  });
});

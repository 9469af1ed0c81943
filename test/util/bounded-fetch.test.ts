/**
 * The runtime-agnostic bounds over a plain Web `fetch` (what the Workers entry uses: no connect-time
 * address check there, the platform refuses private destinations), against a loopback server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedFetch, FetchRefusedError, type BoundedFetchLimits } from '../../src/util/bounded-fetch.js';

let server: Server;
let base: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/to-link-local') res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    else if (req.url === '/to-https') res.writeHead(302, { location: 'https://127.0.0.1:1/' }).end();
    else if (req.url === '/big') res.end('z'.repeat(2048));
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const limits = (overrides: Partial<BoundedFetchLimits> = {}): BoundedFetchLimits => ({
  timeoutMs: 2_000,
  maxBytes: 1024,
  maxRedirects: 2,
  allowHttp: true,
  addresses: { loopback: true, private: false },
  ...overrides,
});

async function reason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchRefusedError);
  return (error as FetchRefusedError).reason;
}

describe('boundedFetch over the global fetch', () => {
  const get = { accept: '*/*', followRedirects: true };

  it('answers within the limits', async () => {
    const res = await boundedFetch(fetch, limits())(`${base}/`, get);
    expect(res).toMatchObject({ status: 200, body: 'ok', url: `${base}/` });
  });

  it('checks IP-literal hosts itself, the first URL and every redirect target', async () => {
    const before = requests;
    expect(await reason(boundedFetch(fetch, limits({ addresses: { loopback: false, private: false } }))(`${base}/`, get))).toBe('address_refused');
    expect(requests).toBe(before);
    expect(await reason(boundedFetch(fetch, limits())(`${base}/to-link-local`, get))).toBe('address_refused');
  });

  it('the body cap, https-only and redirect counting hold without any runtime help', async () => {
    expect(await reason(boundedFetch(fetch, limits())(`${base}/big`, get))).toBe('too_large');
    expect(await reason(boundedFetch(fetch, limits({ allowHttp: false }))(`${base}/`, get))).toBe('insecure_scheme');
    expect(await reason(boundedFetch(fetch, limits({ maxRedirects: 0 }))(`${base}/to-https`, get))).toBe('too_many_redirects');
  });

  it('a runtime error is reported by its classification, else as network', async () => {
    const failing = async () => Promise.reject(new TypeError('fetch failed'));
    expect(await reason(boundedFetch(failing, limits())(`${base}/`, get))).toBe('network');
    expect(await reason(boundedFetch(failing, limits(), () => 'address_refused')(`${base}/`, get))).toBe('address_refused');
  });
});

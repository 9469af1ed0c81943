/** The drain on a real HTTP server: the grace period bounds it, and cut-off requests are counted. */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { drainable } from '../../../src/entry/node/shutdown.js';

describe('drainable', () => {
  it('closes a request that outlives the grace period and reports it as forced', async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const server = createServer(() => arrived()); // never answers
    const drainer = drainable(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const hung = new Promise<string>((resolve) => {
      const req = request({ port, host: '127.0.0.1', path: '/hang' }, () => resolve('answered'));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      req.end();
    });
    await reached;
    const started = Date.now();
    const { forced } = await drainer.drain(300);
    expect(forced).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await hung).toBe('ECONNRESET');
    expect(drainer.draining).toBe(true);
  });

  it('resolves at once, forcing nothing, when nothing is in flight', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const drainer = drainable(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(await drainer.drain(10_000)).toEqual({ forced: 0 });
  });
});

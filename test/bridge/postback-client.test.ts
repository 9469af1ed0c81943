/**
 * Postback transport failures over real loopback sockets with the Node runtime's fetch (undici):
 * each failed attempt is logged with its cause (DNS, refused, TLS, timeout, reset) and its attempt
 * number, and the final `postback_failed` line names the last cause.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPostback } from '../../src/bridge/postback-client.js';
import { nodeFetch } from '../../src/entry/node/fetch.js';
import { memoryLogger } from '../../src/log.js';
import { TestClock } from '../helpers/clock.js';
import { selfSignedCertificate } from '../helpers/tls.js';
import { freePort } from '../helpers/walk.js';

const fetch = nodeFetch();

async function post(url: string, policy: Partial<{ maxAttempts: number; attemptTimeoutMs: number; deadlineMs: number }> = {}) {
  const logger = memoryLogger();
  const result = await sendPostback(url, new URLSearchParams({ api_key: 'secret-key-never-logged', request_id: 'r1' }), 'r1', {
    fetch,
    clock: new TestClock(),
    logger,
    random: () => 0,
    policy: { maxAttempts: 2, deadlineMs: 5_000, attemptTimeoutMs: 3_000, baseDelayMs: 10, maxDelayMs: 10, ...policy },
  });
  const attempts = logger.entries.filter((e) => e.event === 'postback_attempt');
  const failed = logger.entries.find((e) => e.event === 'postback_failed');
  expect(JSON.stringify(logger.entries)).not.toContain('secret-key-never-logged');
  return { result, attempts, failed };
}

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('postback network failures name their cause', () => {
  const sockets = new Set<Socket>();
  const silent = createNetServer((socket) => void sockets.add(socket)); // accepts, never answers
  const resetting = createNetServer((socket) => socket.on('data', () => socket.resetAndDestroy()));
  const { key, cert } = selfSignedCertificate();
  const tls = createHttpsServer({ key, cert }, (_req, res) => res.end('OK'));
  const plain = createHttpServer((_req, res) => res.end('OK'));
  const ports = { silent: 0, resetting: 0, tls: 0, plain: 0 };

  beforeAll(async () => {
    ports.silent = await listen(silent);
    ports.resetting = await listen(resetting);
    ports.tls = await listen(tls);
    ports.plain = await listen(plain);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const server of [silent, resetting, tls, plain]) await new Promise((resolve) => server.close(resolve));
  });

  it('connection refused: cause "refused" with ECONNREFUSED, per attempt', async () => {
    const { result, attempts, failed } = await post(`http://127.0.0.1:${await freePort()}/ows_auth`);
    expect(result).toMatchObject({ ok: false, reason: 'attempts', attempts: 2, lastCause: 'refused' });
    expect(attempts.map((a) => [a.attempt, a.error, a.cause, a.code])).toEqual([
      [1, 'network_error', 'refused', 'ECONNREFUSED'],
      [2, 'network_error', 'refused', 'ECONNREFUSED'],
    ]);
    expect(failed).toMatchObject({ level: 'error', attempts: 2, reason: 'attempts', cause: 'refused' });
  });

  it('no answer within the attempt timeout: cause "timeout" with the timeout used', async () => {
    const { result, attempts, failed } = await post(`http://127.0.0.1:${ports.silent}/ows_auth`, { attemptTimeoutMs: 150, deadlineMs: 2_000 });
    expect(result).toMatchObject({ ok: false, attempts: 2, lastCause: 'timeout' });
    expect(attempts.map((a) => [a.attempt, a.error, a.cause, a.timeout_ms])).toEqual([
      [1, 'timeout', 'timeout', 150],
      [2, 'timeout', 'timeout', 150],
    ]);
    expect(failed).toMatchObject({ cause: 'timeout' });
  });

  it('a self-signed certificate: cause "tls" (the certificate is verified, never skipped)', async () => {
    const { result, attempts } = await post(`https://127.0.0.1:${ports.tls}/ows_auth`);
    expect(result).toMatchObject({ ok: false, lastCause: 'tls' });
    expect(attempts[0]).toMatchObject({ attempt: 1, error: 'network_error', cause: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('TLS spoken to a plain-http server: cause "tls"', async () => {
    const { attempts } = await post(`https://127.0.0.1:${ports.plain}/ows_auth`, { maxAttempts: 1 });
    expect(attempts[0]).toMatchObject({ attempt: 1, error: 'network_error', cause: 'tls' });
  });

  it('a name that does not resolve (.invalid, RFC 6761): cause "dns"', async () => {
    const { result, attempts } = await post('https://postback.invalid/ows_auth', { maxAttempts: 1 });
    expect(result).toMatchObject({ ok: false, lastCause: 'dns' });
    expect(attempts[0]).toMatchObject({ attempt: 1, error: 'network_error', cause: 'dns' });
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(attempts[0]!.code);
  });

  it('the connection reset by the peer: cause "reset"', async () => {
    const { attempts } = await post(`http://127.0.0.1:${ports.resetting}/ows_auth`, { maxAttempts: 1 });
    expect(attempts[0]).toMatchObject({ attempt: 1, error: 'network_error', cause: 'reset' });
  });
});

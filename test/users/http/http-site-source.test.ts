import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../src/log.js';
import { createHttpSiteSource, type HttpSiteSourceOptions } from '../../../src/users/http/http-site-source.js';
import { signResponse } from '../../../src/users/http/signature.js';
import type { OutgoingFetch } from '../../../src/util/bounded-fetch.js';
import { utf8 } from '../../../src/util/bytes.js';
import { DirectoryUnavailableError } from '../../../src/users/site-source.js';
import { TestClock } from '../../helpers/clock.js';
import { referenceHash, startFaultProxy, startReferenceDirectory, type DirectoryProcess, type FaultProxy } from '../../helpers/directory-server.js';
import { CONTRACT_USERS, siteSourceContract, type ContractUser } from '../site-source-contract.js';

const SECRET = 'directory-test-secret-0123456789-abcdefghij';
const BASE = '/idbridge-directory';
const alice = CONTRACT_USERS.alice;
const SEEDED = Object.values(CONTRACT_USERS);

function writeUsers(file: string, users: readonly ContractUser[]): void {
  const data = {
    users: users.map((u) => ({
      id: u.key,
      email: u.email,
      username: u.username,
      passwordHash: referenceHash(u.password),
      blocked: u.blocked,
      emailVerified: u.emailVerified,
      attributes: u.attributes,
    })),
  };
  writeFileSync(file, JSON.stringify(data, null, 2));
}

const dir = mkdtempSync(join(tmpdir(), 'idbridge-http-directory-'));
const usersFile = join(dir, 'users.json');
let site: DirectoryProcess;

beforeAll(async () => {
  writeUsers(usersFile, SEEDED);
  site = await startReferenceDirectory({ secret: SECRET, usersFile, basePath: BASE });
});

afterAll(async () => {
  await site?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function source(url: string, overrides: Partial<HttpSiteSourceOptions> = {}, clock = new TestClock()) {
  const logger = memoryLogger();
  const src = createHttpSiteSource(
    { url, secret: SECRET, timeoutMs: 1_000, retries: 2, cacheSeconds: 30, breaker: { failures: 5, resetSeconds: 30 }, ...overrides },
    { fetch: (input, init) => fetch(input, init), clock, logger, random: () => 0 },
  );
  return { src, logger, clock };
}

/** The DirectoryUnavailableError `promise` rejects with (fails the test on anything else). */
async function unavailable(promise: Promise<unknown>): Promise<DirectoryUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DirectoryUnavailableError);
  const e = error as DirectoryUnavailableError;
  // What the bridge turns into the user's page: 503 "temporarily unavailable", never "wrong password".
  expect(e.code).toBe('directory_unavailable');
  expect(e.status).toBe(503);
  expect(e.description).toBe('Sign-in is temporarily unavailable. Please try again in a few minutes.');
  return e;
}

let slowProxy: FaultProxy | undefined;
afterAll(async () => {
  await slowProxy?.close();
});

siteSourceContract('http (reference implementation)', async () => ({
  source: source(site.url).src,
  // The reference implementation compares logins and emails case-insensitively, like most sites.
  loginCase: 'insensitive',
  unreachable: async () => source('http://127.0.0.1:9/x', { retries: 0 }).src,
  slow: async () => {
    slowProxy = await startFaultProxy(new URL(site.url).origin);
    slowProxy.mode = { kind: 'delay', ms: 1_500 };
    return source(slowProxy.url + BASE, { timeoutMs: 300, retries: 0 }).src;
  },
}));

describe('HttpSiteSource against the reference implementation, through a faulty network', () => {
  let proxy: FaultProxy;
  beforeEach(async () => {
    proxy = await startFaultProxy(new URL(site.url).origin);
  });
  afterEach(async () => {
    await proxy.close();
  });
  const url = () => proxy.url + BASE;

  it('signs its requests the site accepts, and checks the signed answers', async () => {
    const { src } = source(url());
    expect((await src.verifyCredentials(alice.email!, alice.password)).ok).toBe(true);
    const [exchange] = proxy.exchanges;
    expect(exchange!.path).toBe(`${BASE}/verify`);
    expect(exchange!.headers['x-idbridge-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(exchange!.responseHeaders['x-idbridge-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('bad signature (a wrong secret): the site refuses with 401, the user sees "unavailable" (misconfigured), not "wrong password"', async () => {
    const { src, logger } = source(url(), { secret: 'another-secret-another-secret-0123456789' });
    const e = await unavailable(src.verifyCredentials(alice.email!, alice.password));
    expect(e.reason).toBe('misconfigured');
    expect(e.detail).toContain('HTTP 401: bad_signature');
    expect(proxy.count('/verify')).toBe(1);
    // Details in the log, never the login or the password.
    expect(logger.entries).toContainEqual(expect.objectContaining({ event: 'directory_unavailable', reason: 'misconfigured', operation: 'verify' }));
    expect(JSON.stringify(logger.entries)).not.toContain(alice.password);
    expect(JSON.stringify(logger.entries)).not.toContain(alice.email!);
  });

  it('a clock too far off: the site refuses the stale timestamp (misconfigured)', async () => {
    const clock = new TestClock();
    clock.advance(301_000);
    const e = await unavailable(source(url(), {}, clock).src.findByKey(alice.key));
    expect(e.reason).toBe('misconfigured');
    expect(e.detail).toContain('stale_timestamp');
    expect(proxy.count('/users/by-id')).toBe(1); // a 401 is final: not retried
  });

  it('replayed request: the site refuses a captured request sent again, and a proxy that sends twice makes the source fail safe', async () => {
    const { src } = source(url());
    expect((await src.verifyCredentials(alice.email!, alice.password)).ok).toBe(true);
    const captured = proxy.exchanges[0]!;
    const replay = await proxy.resend(captured);
    expect(replay.status).toBe(409);
    expect(JSON.parse(replay.body)).toEqual({ error: 'replayed' });

    proxy.mode = { kind: 'double-send' };
    const e = await unavailable(src.verifyCredentials(alice.email!, alice.password));
    expect(e.reason).toBe('misconfigured');
    expect(e.detail).toContain('HTTP 409: replayed');
  });

  it('forged answer: a garbled response signature is bad_response, even for a "password ok"', async () => {
    const { src } = source(url());
    proxy.mode = { kind: 'tamper', signature: (v) => v.slice(0, -1) + (v.endsWith('0') ? '1' : '0') };
    const e = await unavailable(src.verifyCredentials(alice.email!, alice.password));
    expect(e.reason).toBe('bad_response');
    expect(e.detail).toContain('bad_signature');
  });

  it('forged answer: a body changed in transit ("user": null → a user) is bad_response', async () => {
    const { src } = source(url());
    const { exchanges } = proxy;
    expect((await src.verifyCredentials(alice.email!, alice.password)).ok).toBe(true);
    const okBody = exchanges[0]!.responseBody;
    proxy.mode = { kind: 'tamper', body: () => okBody };
    const e = await unavailable(src.verifyCredentials(alice.email!, 'wrong password'));
    expect(e.reason).toBe('bad_response');
  });

  it('replayed answer: a recorded "password ok" answered to another request is bad_response', async () => {
    const { src } = source(url());
    expect((await src.verifyCredentials(alice.email!, alice.password)).ok).toBe(true);
    proxy.mode = { kind: 'replay-answer', exchange: proxy.exchanges[0]! };
    const e = await unavailable(src.verifyCredentials(alice.email!, 'guess'));
    expect(e.reason).toBe('bad_response');
  });

  it('an unsigned or non-contract answer is bad_response, and is not retried', async () => {
    const { src } = source(url());
    proxy.mode = { kind: 'tamper', signature: () => 'v1=zz' };
    expect((await unavailable(src.findByEmail(alice.email!))).reason).toBe('bad_response');
    expect(proxy.count('/users/by-email')).toBe(1);
  });

  it('timeout: a slow site is "unavailable" (timeout); a lookup is retried, the credential check is sent once', async () => {
    const { src } = source(url(), { timeoutMs: 200, retries: 1, cacheSeconds: 0 });
    proxy.mode = { kind: 'delay', ms: 600 };
    const started = Date.now();
    const e = await unavailable(src.verifyCredentials(alice.email!, alice.password));
    expect(e.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(550);
    expect(proxy.count('/verify')).toBe(1);

    expect((await unavailable(src.findByKey(alice.key))).reason).toBe('timeout');
    expect(proxy.count('/users/by-id')).toBe(2);
  });

  it('500s from the site (its users file is broken): lookups retried then fail, the credential check never retried', async () => {
    const { src, logger } = source(url(), { retries: 2, cacheSeconds: 0 });
    writeFileSync(usersFile, '{ this is not json');
    try {
      const check = await unavailable(src.verifyCredentials(alice.email!, alice.password));
      expect(check.reason).toBe('unreachable');
      expect(check.detail).toContain('HTTP 500');
      expect(proxy.count('/verify')).toBe(1); // the site saw exactly one verify call

      expect((await unavailable(src.findByKey(alice.key))).reason).toBe('unreachable');
      expect(proxy.count('/users/by-id')).toBe(3); // 1 + 2 retries
      expect(logger.entries.filter((e) => e.event === 'directory_http_attempt')).toHaveLength(4);
    } finally {
      writeUsers(usersFile, SEEDED);
    }
    // The site mends: the next lookup works.
    expect(await src.findByKey(alice.key)).toMatchObject({ key: alice.key });
  });

  it('503 at the load balancer: a lookup retries and succeeds when the site comes back', async () => {
    const { src } = source(url(), { retries: 2, cacheSeconds: 0 });
    proxy.mode = { kind: 'status', status: 503, times: 2 };
    expect(await src.findByEmail(alice.email!)).toMatchObject({ key: alice.key });
    expect(proxy.count('/users/by-email')).toBe(3);
  });

  it('unreachable: nothing listens', async () => {
    const { src } = source('http://127.0.0.1:9/x', { retries: 0 });
    const e = await unavailable(src.findByKey('1001'));
    expect(e.reason).toBe('unreachable');
    expect(e.detail).toMatch(/^byId: network: [a-z]+/);
  });

  it('circuit open: after N failures the source fails fast without calling the site, and recovers after resetSeconds', async () => {
    const clock = new TestClock();
    const { src, logger } = source(url(), { retries: 0, cacheSeconds: 0, breaker: { failures: 3, resetSeconds: 30 } }, clock);
    proxy.mode = { kind: 'status', status: 500 };
    for (let i = 0; i < 3; i++) expect((await unavailable(src.findByKey(alice.key))).reason).toBe('unreachable');
    expect(proxy.exchanges).toHaveLength(3);

    const open = await unavailable(src.verifyCredentials(alice.email!, alice.password));
    expect(open.reason).toBe('circuit_open');
    expect((await unavailable(src.findByKey(alice.key))).reason).toBe('circuit_open');
    expect(proxy.exchanges).toHaveLength(3); // nothing was sent
    expect(logger.entries).toContainEqual(expect.objectContaining({ event: 'directory_circuit', from: 'closed', to: 'open' }));

    // The site recovers; after resetSeconds one probe goes out and closes the circuit.
    proxy.mode = { kind: 'pass' };
    clock.advance(29_000);
    expect((await unavailable(src.findByKey(alice.key))).reason).toBe('circuit_open');
    clock.advance(1_000);
    expect((await src.verifyCredentials(alice.email!, alice.password)).ok).toBe(true);
    expect(await src.findByKey(alice.key)).toMatchObject({ key: alice.key });
    expect(proxy.exchanges).toHaveLength(5);
  });

  it('get-by-id cache: a second lookup within cacheSeconds does not call the site; after it, it does', async () => {
    const clock = new TestClock();
    const { src } = source(url(), { cacheSeconds: 30 }, clock);
    expect(await src.findByKey(alice.key)).toMatchObject({ key: alice.key });
    expect(await src.findByKey(alice.key)).toMatchObject({ key: alice.key });
    expect(proxy.count('/users/by-id')).toBe(1);
    clock.advance(30_000);
    await src.findByKey(alice.key);
    expect(proxy.count('/users/by-id')).toBe(2);
  });

  it('a successful credential check fills the cache (the session reuse that follows costs no call)', async () => {
    const { src } = source(url());
    expect((await src.verifyCredentials(alice.username!, alice.password)).ok).toBe(true);
    expect(await src.findByKey(alice.key)).toMatchObject({ key: alice.key });
    expect(proxy.count('/users/by-id')).toBe(0);
  });

  it('failures are not cached', async () => {
    const { src } = source(url(), { retries: 0 });
    proxy.mode = { kind: 'status', status: 500 };
    await unavailable(src.findByKey(alice.key));
    proxy.mode = { kind: 'pass' };
    expect(await src.findByKey(alice.key)).toMatchObject({ key: alice.key });
  });

  it('a validly signed answer for another id than asked is refused (it would hand the session to another person)', async () => {
    // A buggy site, not a forger: it signs its answer properly, but for the wrong user.
    const buggySite: OutgoingFetch = async (_input, init) => {
      const headers = new Headers(init.headers);
      const requestSignature = headers.get('x-idbridge-signature')!.slice(3);
      const body = JSON.stringify({ user: { id: '1002', email: 'bob@example.com', username: null, blocked: false, emailVerified: false, attributes: {} } });
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = await signResponse(utf8(SECRET), timestamp, requestSignature, 200, body);
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json', 'x-idbridge-timestamp': String(timestamp), 'x-idbridge-signature': `v1=${signature}` } });
    };
    const src = createHttpSiteSource(
      { url: 'https://directory.example.com/x', secret: SECRET, timeoutMs: 1_000, retries: 0, cacheSeconds: 30, breaker: { failures: 5, resetSeconds: 30 } },
      { fetch: buggySite, clock: new TestClock(), logger: memoryLogger(), random: () => 0 },
    );
    expect((await unavailable(src.findByKey('1001'))).reason).toBe('bad_response');
    expect(await src.findByEmail('bob@example.com')).toMatchObject({ key: '1002' });
  });

  it('refuses plain http to a non-loopback host and a short secret at construction', () => {
    expect(() => source('http://directory.example.com/x')).toThrow(/directory\.url: must use https/);
    expect(() => source(url(), { secret: 'short' })).toThrow(/directory\.secret/);
  });
});

describe('HttpSiteSource: unknown user and wrong password', () => {
  // Retried: on a loaded 2-core CI machine a burst of other work can skew one side's median.
  it('cost the same: median of 30 within 25 % (the site hashes a dummy for unknown users)', { retry: 2 }, async () => {
    const { src } = source(site.url, { cacheSeconds: 0 });
    const time = async (login: string, password: string) => {
      const started = performance.now();
      expect(await src.verifyCredentials(login, password)).toEqual({ ok: false });
      return performance.now() - started;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    await time('warm-up@example.com', 'x');
    // Alternating order (ABBA), so a drift in the machine's load falls on both sides alike.
    for (let i = 0; i < 30; i++) {
      const pair = [() => time(`nobody-${i}@example.com`, 'some password'), () => time(alice.email!, `wrong password ${i}`)] as const;
      if (i % 2 === 0) {
        unknown.push(await pair[0]());
        wrong.push(await pair[1]());
      } else {
        wrong.push(await pair[1]());
        unknown.push(await pair[0]());
      }
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [u, w] = [median(unknown), median(wrong)];
    expect(Math.abs(u - w) / Math.max(u, w), `unknown ${u.toFixed(2)} ms, wrong password ${w.toFixed(2)} ms`).toBeLessThan(0.25);
  });
});

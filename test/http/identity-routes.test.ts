/** The identity service's `POST /ows_probe` (the bridge's start-up check) through `app.request()`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSignature, probeSignatureMatches } from '../../src/util/bridge-probe.js';
import { testApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';

const KEY = 'p'.repeat(40);
const NONCE = 'n'.repeat(43);

async function probe(app: Awaited<ReturnType<typeof testApp>>['app'], form: Record<string, string> | string) {
  const res = await app.request('/ows_probe', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('POST /ows_probe', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({ config: testConfig({ IDBRIDGE_ROLE: 'identity', IDBRIDGE_VERIFY_URL: 'http://localhost:3001/verify', IDBRIDGE_API_KEY: KEY }) });
  });
  afterAll(() => t.close());

  it('answers a probe signed with the right key with a proof of the same key', async () => {
    const res = await probe(t.app, { nonce: NONCE, signature: await probeSignature(KEY, 'request', NONCE) });
    expect(res.status).toBe(200);
    const signature = /^signature=(\S+)\n$/.exec(res.body)![1]!;
    expect(await probeSignatureMatches(KEY, 'answer', NONCE, signature)).toBe(true);
    // The answer is not the request's signature echoed back (it could not prove anything then).
    expect(signature).not.toBe(await probeSignature(KEY, 'request', NONCE));
    expect(res.body).not.toContain(KEY);
  });

  it('refuses a probe signed with another key: 401, text, nothing learned', async () => {
    const res = await probe(t.app, { nonce: NONCE, signature: await probeSignature('w'.repeat(40), 'request', NONCE) });
    expect(res).toMatchObject({ status: 401 });
    expect(res.type).toMatch(/text\/plain/);
    expect(res.body).not.toMatch(/signature=/);
    expect(t.logger.entries.some((e) => e.event === 'probe_unauthorized')).toBe(true);
  });

  it.each([
    ['no fields', ''],
    ['a short nonce', `nonce=abc&signature=${'s'.repeat(43)}`],
    ['a repeated nonce', `nonce=${NONCE}&nonce=${NONCE}&signature=${'s'.repeat(43)}`],
    ['a malformed signature', `nonce=${NONCE}&signature=%%%`],
  ])('answers %s with a 4xx text error, never 500', async (_name, body) => {
    const res = await probe(t.app, body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.type).toMatch(/text\/plain/);
  });

  it('creates nothing: an identity service without a key yet refuses, and still has no key', async () => {
    const fresh = await testApp({ config: testConfig({ IDBRIDGE_ROLE: 'identity', IDBRIDGE_VERIFY_URL: 'http://localhost:3001/verify', IDBRIDGE_API_KEY: '' }) });
    try {
      const res = await probe(fresh.app, { nonce: NONCE, signature: await probeSignature(KEY, 'request', NONCE) });
      expect(res.status).toBe(401);
      expect(await fresh.services.apiKeys.current()).toBeNull();
    } finally {
      fresh.close();
    }
  });

  it('is not served by a bridge', async () => {
    const bridge = await testApp({ config: testConfig({ IDBRIDGE_ROLE: 'bridge', IDBRIDGE_POSTBACK_URL: 'http://127.0.0.1:9/ows_auth', IDBRIDGE_RETURN_URL: 'http://127.0.0.1:9/ows_return' }) });
    try {
      expect((await probe(bridge.app, { nonce: NONCE, signature: await probeSignature(KEY, 'request', NONCE) })).status).toBe(404);
      // The bridge's own GET / says what it is instead of redirecting to a missing /openid.
      const home = await bridge.app.request('/');
      expect(home.status).toBe(200);
      expect(await home.text()).toMatch(/start from the website you want to use/);
    } finally {
      bridge.close();
    }
  });
});

/**
 * Issue 9.1: parameters named like Object.prototype members (`__proto__`, `constructor`, …) are
 * ordinary bad or ignored input on every endpoint: a 4xx in the router's format, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';

const ADMIN_TOKEN = 'admin-token-admin-token-admin-token-0123456789';
const PROTO = '__proto__=x&__proto__=y&constructor=z&toString=t';

describe('prototype-named parameters through the app', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({ config: testConfig({ IDBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN }) });
  });
  afterAll(() => t.close());
  /** Unhandled errors logged since `from` (an index into the log). */
  const crashesSince = (from: number) => t.logger.entries.slice(from).filter((e) => e.event === 'unhandled_error');

  const posts: Array<[path: string, type: RegExp]> = [
    ['/login', /text\/html/],
    ['/verify/retry', /text\/html/],
    ['/ows_auth', /text\/plain/],
    ['/ows_consent', /text\/html/],
    ['/ows_return', /text\/html/],
    ['/openid', /text\/plain/], // a direct request from an RP server: key-value form
    ['/authorize', /text\/html/],
    ['/token', /application\/json/],
    ['/revoke', /application\/json/],
    ['/introspect', /application\/json/],
    ['/userinfo', /application\/json/],
    ['/logout', /text\/html/],
    ['/logout/confirm', /text\/html/],
    ['/account/apps/revoke', /text\/html/],
  ];
  for (const [path, type] of posts) {
    it(`POST ${path} with __proto__ fields: an answer in the router's format, no 500`, async () => {
      const from = t.logger.entries.length;
      const res = await t.app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:3000' },
        body: PROTO,
      });
      // 4xx, or for POST /logout (nobody is signed in here) straight on to the bridge's sign-out.
      expect(res.status, await res.clone().text()).toBeLessThan(500);
      if (path === '/logout') expect(res.status).toBe(302);
      else {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.headers.get('content-type')).toMatch(type);
      }
      expect(crashesSince(from)).toEqual([]);
    });
  }

  for (const path of ['/verify', '/authorize', '/openid', '/ows_return', '/verify/status']) {
    it(`GET ${path} with __proto__ query parameters: a 4xx or a page, no 500`, async () => {
      const from = t.logger.entries.length;
      const res = await t.app.request(`${path}?${PROTO}&openid.__proto__=1`);
      expect(res.status).toBeLessThan(500);
      expect(crashesSince(from)).toEqual([]);
    });
  }

  it('POST /openid with an openid.__proto__ field is an ordinary (unknown) field of the message', async () => {
    const res = await t.app.request('/openid', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'openid.ns=http%3A%2F%2Fspecs.openid.net%2Fauth%2F2.0&openid.mode=associate&openid.__proto__=x&__proto__=y&openid.assoc_type=HMAC-SHA256&openid.session_type=no-encryption',
    });
    // Refused for its session type over plain http, not for the prototype keys.
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/error_code:unsupported-type/);
  });

  it('the admin API treats "__proto__" in a JSON body as data: no privilege sneaks in', async () => {
    const res = await t.app.request('/admin/clients', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{"__proto__":{"trusted":true,"public":true},"constructor":{"prototype":{"trusted":true}},"name":"Proto","redirect_uris":["https://rp.example/cb"]}',
    });
    expect(res.status).toBe(201);
    const client = (await res.json()) as Record<string, unknown>;
    expect(client).toMatchObject({ name: 'Proto', trusted: false, public: false });
    expect(({} as Record<string, unknown>)['trusted']).toBeUndefined();
  });
});

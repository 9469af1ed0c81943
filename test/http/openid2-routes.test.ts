/**
 * Issue 9.2: a malformed OpenID 2.0 direct request (a POST from a relying party's server to the
 * OP endpoint) gets HTTP 400 with a Key-Value body carrying `ns` and `error` (§5.1.2.2), whatever
 * is wrong with it — including a body over the limit and a non-form content type. A browser's form
 * post still gets pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvDecode } from '../../src/protocol/openid2/kv.js';
import { testApp } from '../helpers/app.js';

const NS = 'http://specs.openid.net/auth/2.0';
const ns = `openid.ns=${encodeURIComponent(NS)}`;
const FORM = 'application/x-www-form-urlencoded';
/** What browsers send with a top-level form submission. */
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'sec-fetch-mode': 'navigate' };

describe('OpenID 2.0 direct requests: every refusal is a 400 in Key-Value form', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  const post = (body: BodyInit, headers: Record<string, string> = { 'content-type': FORM }) =>
    t.app.request('/openid', { method: 'POST', headers, body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);

  async function expectKvError(res: Response, pattern: RegExp, code = 'invalid_request') {
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const fields = kvDecode(text); // strict: well-formed Key-Value form
    expect(fields['ns']).toBe(NS);
    expect(fields['error']).toMatch(pattern);
    expect(fields['error_code']).toBe(code);
    expect(res.headers.get('set-cookie')).toBeNull(); // an RP server gets no browser cookie
  }

  const cases: Array<[name: string, body: string, error: RegExp]> = [
    ['no openid.mode', ns, /openid\.mode is missing/],
    ['an empty openid.mode', `${ns}&openid.mode=`, /openid\.mode is missing/],
    ['an unknown mode', `${ns}&openid.mode=id_res`, /openid\.mode id_res is not supported/],
    ['a made-up mode', `${ns}&openid.mode=exfiltrate`, /not supported/],
    ['no openid.* field at all', 'hello=world', /not an OpenID message/],
    ['an empty body', '', /not an OpenID message/],
    ['OpenID 1.x (no openid.ns)', 'openid.mode=associate', /Only OpenID 2\.0/],
    ['broken percent-encoding in a value', `${ns}&openid.mode=associate&openid.assoc_type=HMAC%ZZ`, /percent-encoded/],
    ['broken percent-encoding in the mode', `${ns}&openid.mode=check%5gauthentication`, /percent-encoded/],
    ['bytes that are not UTF-8', `${ns}&openid.mode=associate&openid.session_type=%FF%FE`, /percent-encoded/],
    ['a repeated parameter', `${ns}&openid.mode=associate&openid.mode=associate`, /more than once/],
  ];
  for (const [name, body, error] of cases) {
    it(`${name}: 400 with ns and error`, async () => {
      await expectKvError(await post(body), error);
    });
  }

  it('a direct request in the wrong content type (JSON, text, none): 400 in Key-Value form, not 415', async () => {
    const body = `${ns}&openid.mode=associate`;
    await expectKvError(await post(JSON.stringify({ 'openid.mode': 'associate' }), { 'content-type': 'application/json' }), /x-www-form-urlencoded/);
    await expectKvError(await post(body, { 'content-type': 'text/plain' }), /x-www-form-urlencoded/);
    await expectKvError(await post(body, {}), /x-www-form-urlencoded/);
  });

  it('a body over the limit (declared, or streamed without a length): 400 in Key-Value form, error_code payload_too_large', async () => {
    const big = `${ns}&openid.mode=check_authentication&openid.x=${'a'.repeat(70 * 1024)}`;
    await expectKvError(await post(big, { 'content-type': FORM, 'content-length': String(big.length) }), /too large/, 'payload_too_large');
    const chunk = new TextEncoder().encode('a'.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    await expectKvError(await post(stream), /too large/, 'payload_too_large');
  });

  it('a well-formed direct request still works (associate, no-encryption refused over http with unsupported-type)', async () => {
    const res = await post(`${ns}&openid.mode=associate&openid.assoc_type=HMAC-SHA256&openid.session_type=no-encryption`);
    expect(res.status).toBe(400);
    expect(kvDecode(await res.text())).toMatchObject({ ns: NS, error_code: 'unsupported-type', session_type: 'DH-SHA256' });
  });

  it('a direct mode sent by GET: Key-Value error', async () => {
    const res = await t.app.request(`/openid?${ns}&openid.mode=check_authentication`);
    await expectKvError(res, /must be sent as a POST/);
  });

  describe('a browser form post (an RP auto-submitting a checkid request) gets pages', () => {
    it('malformed, from a browser with Fetch Metadata or with an HTML Accept: an HTML error page', async () => {
      for (const headers of [BROWSER, { accept: BROWSER.accept }]) {
        for (const body of [`${ns}&openid.mode=checkid_setup&openid.return_to=%zz`, `${ns}&openid.mode=bogus`, 'x=1']) {
          const res = await post(body, { 'content-type': FORM, ...headers });
          expect(res.status, body).toBe(400);
          expect(res.headers.get('content-type')).toMatch(/text\/html/);
          expect(await res.text()).not.toMatch(/^ns:/m);
        }
      }
    });

    it('a fetch() from a page (Sec-Fetch-Mode: cors) is not a navigation: Key-Value', async () => {
      await expectKvError(await post(ns, { 'content-type': FORM, accept: 'text/html', 'sec-fetch-mode': 'cors' }), /openid\.mode is missing/);
    });

    it('a checkid request is answered with pages, whoever sends it (its mode decides once parsed)', async () => {
      const checkid = `${ns}&openid.mode=checkid_setup&openid.return_to=${encodeURIComponent('https://rp.example/return')}&openid.realm=${encodeURIComponent('https://other.example/')}`;
      for (const headers of [{}, BROWSER]) {
        const res = await post(checkid, { 'content-type': FORM, ...headers });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/text\/html/);
        expect(res.headers.get('location')).toBeNull();
      }
    });

    it('a body over the limit from a browser: the HTML "too large" page', async () => {
      const big = `${ns}&openid.mode=checkid_setup&openid.x=${'a'.repeat(70 * 1024)}`;
      const res = await post(big, { 'content-type': FORM, 'content-length': String(big.length), ...BROWSER });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toMatch(/Too much data/);
    });
  });
});

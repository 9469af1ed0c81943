/** HTTP-level tests of the bridge routes through `app.request()`: input validation and error pages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page, TestBrowser } from '../helpers/browser.js';
import { testApp } from '../helpers/app.js';

describe('bridge routes: bad input gets a clear page, never a stack trace', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  const cases: Array<[string, string, number, RegExp]> = [
    ['missing request_id', '/verify?realm=https://rp.example.com/', 400, /missing its request_id/],
    ['malformed request_id', '/verify?request_id=short', 400, /malformed/],
    ['oversized request_id', `/verify?request_id=${'a'.repeat(200)}`, 400, /malformed/],
    ['repeated request_id', '/verify?request_id=aaaaaaaaaaaaaaaaaaaa&request_id=bbbbbbbbbbbbbbbbbbbb', 400, /more than once/],
    ['javascript: realm', '/verify?request_id=aaaaaaaaaaaaaaaaaaaa&realm=javascript:alert(1)', 400, /realm/],
    ['oversized realm', `/verify?request_id=aaaaaaaaaaaaaaaaaaaa&realm=https://x.example/${'a'.repeat(3000)}`, 400, /too long/],
    ['unknown attribute', '/verify?request_id=aaaaaaaaaaaaaaaaaaaa&requested_attributes=sreg_password', 400, /Unknown requested attribute/],
    ['huge query', `/verify?request_id=aaaaaaaaaaaaaaaaaaaa&x=${'a'.repeat(9000)}`, 400, /too long/],
  ];
  for (const [name, path, status, message] of cases) {
    it(`answers ${name} with ${status} and an HTML error page`, async () => {
      const res = await t.app.request(path);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const body = await res.text();
      const $ = page(body);
      // A plain-language title and sentence; the precise reason as a detail line.
      expect($('h1').text()).toBe('This link did not work');
      expect($('p.details').text()).toMatch(message);
      // No relying party is known (the request was refused before anything was stored): no link
      // built from the URL, only where to start again.
      expect($('a.button').length).toBe(0);
      expect($('p.message').text()).toMatch(/go back to the site you came from/);
      expect(body).not.toMatch(/at .*\.ts:\d+|Error:/);
    });
  }

  it('escapes the realm on the login page (no HTML injection)', async () => {
    const realm = 'https://rp.example.com/"><script>alert(1)</script>';
    const res = await t.app.request(`/verify?request_id=cccccccccccccccccccc&realm=${encodeURIComponent(realm)}`);
    const body = await res.text();
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(page(body)('.realm-url').text()).toContain('<script>');
  });

  it('refuses non-form bodies on /login with 415', async () => {
    const res = await t.app.request('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(415);
  });

  it('refuses bodies over 64 kB with 413', async () => {
    const res = await t.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `password=${'a'.repeat(70 * 1024)}`,
    });
    expect(res.status).toBe(413);
  });

  it('refuses a form post from a foreign Origin even with a valid token', async () => {
    const browser = TestBrowser.forApp(t.app);
    const html = await (await browser.get('/verify?request_id=dddddddddddddddddddd')).text();
    const csrf = page(html)('input[name=csrf]').attr('value')!;
    const res = await browser.post(
      '/login',
      { request_id: 'dddddddddddddddddddd', csrf, identifier: 'a', password: 'b' },
      { origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
  });

  it('answers unknown paths with a 404 page', async () => {
    const res = await t.app.request('/nope');
    expect(res.status).toBe(404);
    expect(page(await res.text())('h1').text()).toBe('Page not found');
  });

  it('turns an unexpected failure into a detail-free 500 page and logs it', async () => {
    const browser = TestBrowser.forApp(t.app);
    const html = await (await browser.get('/verify?request_id=eeeeeeeeeeeeeeeeeeee')).text();
    await t.services.userStore.count(); // the database works…
    const original = t.services.directory.authenticate;
    t.services.directory.authenticate = async () => {
      throw new Error('database exploded at /secret/path.ts:12');
    };
    try {
      const res = await browser.submit(html, { identifier: 'a@example.com', password: 'whatever1' });
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).not.toContain('exploded');
      expect(page(body)('h1').text()).toBe('Something went wrong');
      expect(t.logger.entries.some((e) => e.event === 'unhandled_error' && String(e.error).includes('exploded'))).toBe(true);
    } finally {
      t.services.directory.authenticate = original;
    }
  });

  it('asks for both fields when one is empty, keeping the typed identifier', async () => {
    const browser = TestBrowser.forApp(t.app);
    const html = await (await browser.get('/verify?request_id=ffffffffffffffffffff')).text();
    const res = await browser.submit(html, { identifier: 'someone', password: '' });
    expect(res.status).toBe(400);
    const $ = page(await res.text());
    expect($('[role=alert]').text()).toMatch(/Please enter/);
    expect($('input[name=identifier]').attr('value')).toBe('someone');
  });
});

/**
 * Integration tests of the bridge (Janrain steps 2–6) over real HTTP: a real bridge server on
 * loopback with SQLite, a cookie-keeping test browser, and a real local HTTP server standing in
 * for the identity service's PostBack URL.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { page, TestBrowser } from '../helpers/browser.js';
import { newRequestId, startBridge, verifyPath, type TestBridge } from '../helpers/bridge-server.js';
import { FakeIdentityService } from '../helpers/fake-identity-service.js';

const PASSWORD = 'correct horse battery staple';

describe('bridge sign-in over HTTP', () => {
  const identity = new FakeIdentityService();
  let bridge: TestBridge;
  let alice: Awaited<ReturnType<TestBridge['addUser']>>;

  beforeAll(async () => {
    await identity.start();
    bridge = await startBridge(identity, { IDBRIDGE_TRUSTED_REALMS: 'https://trusted.example.org/' });
    alice = await bridge.addUser({
      email: 'alice@example.com',
      username: 'alice',
      password: PASSWORD,
      fullname: 'Alice Liddell',
      nickname: 'ali',
      country: 'gb',
    });
    await bridge.addUser({ email: 'mallory@example.com', password: PASSWORD, blocked: true });
  });
  afterAll(async () => {
    await bridge.close();
    await identity.stop();
  });
  beforeEach(() => {
    identity.postbacks.length = 0;
    identity.script = [];
    bridge.logger.entries.length = 0;
  });

  async function openLogin(browser: TestBrowser, requestId = newRequestId(), realm?: string, attrs?: string) {
    const res = await browser.get(verifyPath(requestId, realm, attrs));
    expect(res.status).toBe(200);
    return { requestId, html: await res.text() };
  }

  function expectReturnRedirect(res: Response, requestId: string) {
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(identity.returnUrl);
    expect(location.searchParams.get('request_id')).toBe(requestId);
  }

  it('happy path: login form names the realm, one postback with only the requested values, 302 to the Return URL', async () => {
    const browser = new TestBrowser(bridge.url);
    const { requestId, html } = await openLogin(browser, newRequestId(), 'https://rp.example.com/', 'sreg_email,sreg_fullname,sreg_dob');
    const $ = page(html);
    expect($('.realm-url').text()).toBe('https://rp.example.com');
    expect($('label[for=identifier]').text()).toMatch(/email or username/i);
    expect($('label[for=password]').text()).toMatch(/password/i);
    expect($('input[name=csrf]').attr('value')).toBeTruthy();

    const res = await browser.submit(html, { identifier: 'alice@example.com', password: PASSWORD });
    expectReturnRedirect(res, requestId);

    expect(identity.postbacks).toHaveLength(1);
    const { form, contentType } = identity.postbacks[0]!;
    expect(contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(form)).toEqual({
      api_key: 'k'.repeat(32),
      request_id: requestId,
      username: alice.id,
      no_prompt: 'false',
      auth_time: expect.stringMatching(/^\d{10}$/),
      amr: 'pwd',
      return_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      sreg_email: 'alice@example.com',
      sreg_fullname: 'Alice Liddell',
      // sreg_dob requested but alice has none: omitted; sreg_nickname/country not requested: omitted
    });
  });

  it('sends no_prompt=true only for a trusted realm', async () => {
    const browser = new TestBrowser(bridge.url);
    const { html } = await openLogin(browser, newRequestId(), 'https://trusted.example.org/');
    await browser.submit(html, { identifier: 'alice', password: PASSWORD });
    expect(identity.postbacks[0]!.form.get('no_prompt')).toBe('true');
  });

  it('retries 503, 503 and completes on the third attempt, logging each attempt without secrets', async () => {
    identity.script = [{ status: 503 }, { status: 503 }, { status: 200 }];
    const browser = new TestBrowser(bridge.url);
    const { requestId, html } = await openLogin(browser);
    const res = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
    expectReturnRedirect(res, requestId);
    expect(identity.postbacks).toHaveLength(3);
    const attempts = bridge.logger.entries.filter((e) => e.event === 'postback_attempt');
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    for (const a of attempts) {
      expect(a.request_id).toBe(requestId);
      expect(typeof a.latency_ms).toBe('number');
    }
    const logText = JSON.stringify(bridge.logger.entries);
    expect(logText).not.toContain('k'.repeat(32));
    expect(logText).not.toContain(PASSWORD);
    expect(logText).not.toContain('Alice Liddell');
  });

  it('honours Retry-After before the next attempt', async () => {
    identity.script = [{ status: 503, retryAfter: '1' }, { status: 200 }];
    const browser = new TestBrowser(bridge.url);
    const { requestId, html } = await openLogin(browser);
    const res = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
    expectReturnRedirect(res, requestId);
    expect(identity.postbacks).toHaveLength(2);
    const gap = identity.postbacks[1]!.at - identity.postbacks[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(950); // base delay is 20 ms: only Retry-After explains a 1 s wait
  });

  it('does not retry a 400 from the identity service and offers no "try again"', async () => {
    identity.script = [{ status: 400, body: 'malformed request' }];
    const browser = new TestBrowser(bridge.url);
    const { html } = await openLogin(browser);
    const res = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
    expect(res.status).toBe(503);
    const $ = page(await res.text());
    expect($('h1').text()).toBe('Sign-in could not be completed');
    expect($('form[action="/verify/retry"]').length).toBe(0);
    expect($.text()).not.toContain('malformed request'); // the identity service's text is for logs only
    expect(identity.postbacks).toHaveLength(1);
  });

  it('gives up after the attempt limit, tells the user only that sign-in did not complete, and "try again" works once the receiver is back', async () => {
    identity.script = [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }];
    const browser = new TestBrowser(bridge.url);
    const { requestId, html } = await openLogin(browser);
    const failed = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
    expect(failed.status).toBe(503);
    const failedHtml = await failed.text();
    expect(page(failedHtml)('h1').text()).toBe('Sign-in could not be completed');
    expect(identity.postbacks).toHaveLength(4); // default attempt count

    // The receiver recovers; the user presses "try again".
    const retried = await browser.submit(failedHtml, {}, 'form[action="/verify/retry"]');
    expectReturnRedirect(retried, requestId);
    expect(identity.postbacks).toHaveLength(5);
  });

  it('survives the receiver being down (connection refused) and completes after it comes back', async () => {
    const port = identity.port;
    await identity.stop();
    try {
      const browser = new TestBrowser(bridge.url);
      const { requestId, html } = await openLogin(browser);
      const failed = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
      expect(failed.status).toBe(503);
      const failedHtml = await failed.text();
      expect(page(failedHtml)('form[action="/verify/retry"] button').text()).toBe('Try again');
      const networkErrors = bridge.logger.entries.filter((e) => e.event === 'postback_attempt' && e.error === 'network_error');
      expect(networkErrors.length).toBeGreaterThanOrEqual(1);

      await identity.start(port);
      const retried = await browser.submit(failedHtml, {}, 'form[action="/verify/retry"]');
      expectReturnRedirect(retried, requestId);
      expect(identity.postbacks).toHaveLength(1);
    } finally {
      if (identity.port !== port) await identity.start(port).catch(() => undefined);
    }
  });

  it('bounds the "try again" button', async () => {
    const browser = new TestBrowser(bridge.url);
    const { html } = await openLogin(browser);
    identity.script = Array.from({ length: 40 }, () => ({ status: 503 }));
    let res = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
    let body = await res.text();
    for (let i = 0; i < 3; i++) {
      expect(page(body)('form[action="/verify/retry"]').length).toBe(1);
      res = await browser.submit(body, {}, 'form[action="/verify/retry"]');
      body = await res.text();
    }
    expect(res.status).toBe(503);
    expect(page(body)('form[action="/verify/retry"]').length).toBe(0);
    expect(identity.postbacks).toHaveLength(16); // 4 attempts × (1 + 3 manual retries)
  });

  it('never posts a completed request twice: reload, double submit', async () => {
    const browser = new TestBrowser(bridge.url);
    const { requestId, html } = await openLogin(browser);
    expectReturnRedirect(await browser.submit(html, { identifier: 'alice', password: PASSWORD }), requestId);

    const reload = await browser.get(verifyPath(requestId));
    expect(reload.status).toBe(409);
    const reloaded = page(await reload.text());
    expect(reloaded('h1').text()).toBe('Sign-in already finished');
    // The request names its relying party: the page leads back there.
    expect(reloaded('a.button').attr('href')).toBe('https://rp.example.com/');
    expect(reloaded('a.button').text()).toBe('Back to https://rp.example.com');

    const resubmit = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
    expect(resubmit.status).toBe(409);
    expect(identity.postbacks).toHaveLength(1);
  });

  it('posts once when two tabs submit at the same time', async () => {
    identity.script = [{ status: 200, delayMs: 300 }];
    const browser = new TestBrowser(bridge.url);
    const { requestId, html } = await openLogin(browser);
    const [a, b] = await Promise.all([
      browser.submit(html, { identifier: 'alice', password: PASSWORD }),
      browser.submit(html, { identifier: 'alice', password: PASSWORD }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses[0]).toBe(202); // the loser waits on a "completing" page…
    expect(statuses[1]).toBe(302); // …the winner redirects
    expect(identity.postbacks).toHaveLength(1);
    const winner = a.status === 302 ? a : b;
    expectReturnRedirect(winner, requestId);
  });

  it('answers unknown and expired request ids with clear pages', async () => {
    const browser = new TestBrowser(bridge.url);
    const unknown = await browser.get(`/verify/status?request_id=${newRequestId()}`);
    expect(unknown.status).toBe(404);
    expect(page(await unknown.text())('h1').text()).toBe('Sign-in not found');

    const { html } = await openLogin(browser);
    bridge.clock.advance(11 * 60 * 1000); // default lifetime: 10 minutes
    try {
      const res = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
      expect(res.status).toBe(410);
      const $ = page(await res.text());
      expect($('h1').text()).toBe('Sign-in timed out');
      expect($('a.button').attr('href')).toBe('https://rp.example.com/');
      expect(identity.postbacks).toHaveLength(0);
    } finally {
      bridge.clock.advance(-11 * 60 * 1000);
    }
  });

  it('names the client on the login page and on error pages when the identity service sends client_name', async () => {
    const browser = new TestBrowser(bridge.url);
    const requestId = newRequestId();
    const path = `${verifyPath(requestId, 'https://app.example.com/')}&client_name=${encodeURIComponent('Acme Books')}`;
    const res = await browser.get(path);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(page(html)('.realm').text().replace(/\s+/g, ' ')).toBe('to continue to Acme Books');
    // Re-rendered after a wrong password: still the client's name (it is stored with the request).
    const wrong = page(await (await browser.submit(html, { identifier: 'alice', password: 'wrong password' })).text());
    expect(wrong('.realm').text().replace(/\s+/g, ' ')).toBe('to continue to Acme Books');
    bridge.clock.advance(11 * 60 * 1000);
    try {
      const expired = page(await (await browser.get(path)).text());
      expect(expired('a.button').text()).toBe('Back to Acme Books');
      expect(expired('a.button').attr('href')).toBe('https://app.example.com/');
    } finally {
      bridge.clock.advance(-11 * 60 * 1000);
    }
  });

  it('answers a request left mid-flow by a crashed process and expired since with the expired page, not an endless loop', async () => {
    // A bridge killed after the password check (authenticated) or during the postback (posting,
    // lease lapsed) and restarted after the request expired: the next visit must get an answer.
    // Before the fix, status() and postAndReturn() called each other for ever on synchronous
    // SQLite promises, starving the event loop: the whole process (and this test) hung.
    const { requests } = bridge.server.services;
    for (const crashedIn of ['authenticated', 'posting'] as const) {
      const browser = new TestBrowser(bridge.url);
      const { requestId } = await openLogin(browser);
      const now = bridge.clock.now();
      expect(await requests.authenticate(requestId, alice.id, now, ['pwd'], now)).toBe(true);
      if (crashedIn === 'posting') expect(await requests.claimForPostback(requestId, now, now + 1_000)).not.toBeNull();
      bridge.clock.advance(11 * 60 * 1000); // past the request's 10 minutes, and past the lease
      try {
        const res = await Promise.race([
          browser.get(`/verify/status?request_id=${requestId}`),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer for a request crashed in ${crashedIn}`)), 5_000)),
        ]);
        expect(res.status).toBe(410);
        expect(page(await res.text())('h1').text()).toBe('Sign-in timed out');
        expect(identity.postbacks).toHaveLength(0);
      } finally {
        bridge.clock.advance(-11 * 60 * 1000);
      }
    }
  });

  it('refuses a login without or with a wrong CSRF token and keeps the request usable', async () => {
    const browser = new TestBrowser(bridge.url);
    const { requestId, html } = await openLogin(browser);
    const missing = await browser.post('/login', { request_id: requestId, identifier: 'alice', password: PASSWORD });
    expect(missing.status).toBe(403);
    const wrong = await browser.post('/login', { request_id: requestId, csrf: 'A'.repeat(43), identifier: 'alice', password: PASSWORD });
    expect(wrong.status).toBe(403);
    expect(identity.postbacks).toHaveLength(0);
    expectReturnRedirect(await browser.submit(html, { identifier: 'alice', password: PASSWORD }), requestId);
  });

  it('refuses a request id continued from another browser', async () => {
    const owner = new TestBrowser(bridge.url);
    const { requestId, html } = await openLogin(owner);
    const intruder = new TestBrowser(bridge.url);
    const res = await intruder.get(verifyPath(requestId));
    expect(res.status).toBe(403);
    expect(page(await res.text())('h1').text()).toBe('Started in another browser');
    // The intruder replaying the owner's form (with the owner's CSRF token) fails CSRF.
    const replay = await intruder.submit(html, { identifier: 'alice', password: PASSWORD });
    expect(replay.status).toBe(403);
    expect(identity.postbacks).toHaveLength(0);
  });

  it('gives a wrong password and an unknown user the same answer', async () => {
    const browser = new TestBrowser(bridge.url);
    const { html } = await openLogin(browser);
    const wrong = await browser.submit(html, { identifier: 'alice', password: 'not the password' });
    const unknown = await browser.submit(html, { identifier: 'nobody@example.com', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = page(await wrong.text())('[role=alert]').text();
    const b = page(await unknown.text())('[role=alert]').text();
    expect(a).toBe('The email/username or password is incorrect.');
    expect(b).toBe(a);
    expect(identity.postbacks).toHaveLength(0);
  });

  it('handles a 10 kB username and an SQL-looking username without error or damage', async () => {
    const browser = new TestBrowser(bridge.url);
    const { html } = await openLogin(browser);
    const huge = await browser.submit(html, { identifier: 'a'.repeat(10 * 1024), password: 'x' });
    expect(huge.status).toBe(400);
    expect(page(await huge.text())('[role=alert]').text()).toMatch(/too long/);

    const sql = await browser.submit(html, { identifier: "alice' OR '1'='1' --", password: "' OR 1=1; DROP TABLE users; --" });
    expect(sql.status).toBe(401);
    expect(await bridge.server.services.userStore.count()).toBe(2);
    // The request is intact: the real password still works.
    const ok = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
    expect(ok.status).toBe(302);
  });

  it('does not let a blocked user sign in', async () => {
    const browser = new TestBrowser(bridge.url);
    const { html } = await openLogin(browser);
    const res = await browser.submit(html, { identifier: 'mallory@example.com', password: PASSWORD });
    expect(res.status).toBe(403);
    expect(page(await res.text())('[role=alert]').text()).toMatch(/blocked/);
    expect(identity.postbacks).toHaveLength(0);
  });

  it('skips the login UI when the browser already has a session (and does not count that as a login)', async () => {
    const browser = new TestBrowser(bridge.url);
    // A first session…
    const first = await openLogin(browser);
    await browser.submit(first.html, { identifier: 'alice', password: PASSWORD });
    const sessionCookie = [...browser.cookies.keys()].find((k) => k.includes('idb_bridge_session'))!;
    const firstSession = browser.cookies.get(sessionCookie);
    expect(firstSession).toBeTruthy();
    const before = (await bridge.server.services.userStore.findById(alice.id))!.loginsCount;

    // …means no form for the next request: straight to postback and Return URL.
    const requestId = newRequestId();
    const res = await browser.get(verifyPath(requestId));
    expectReturnRedirect(res, requestId);
    expect(identity.postbacks.at(-1)!.form.get('username')).toBe(alice.id);
    expect((await bridge.server.services.userStore.findById(alice.id))!.loginsCount).toBe(before); // not a password login

  });

  it('rotates the session id on password login and invalidates the previous one', async () => {
    const browser = new TestBrowser(bridge.url);
    const first = await openLogin(browser);
    await browser.submit(first.html, { identifier: 'alice', password: PASSWORD });
    const name = [...browser.cookies.keys()].find((k) => k.includes('idb_bridge_session'))!;
    const oldSession = browser.cookies.get(name)!;
    const before = (await bridge.server.services.userStore.findById(alice.id))!.loginsCount;

    // Force the form again by dropping the session cookie from the jar, keeping the old value aside.
    browser.cookies.delete(name);
    const second = await openLogin(browser);
    browser.cookies.set(name, oldSession); // the browser still presents the old session when logging in
    const res = await browser.submit(second.html, { identifier: 'alice', password: PASSWORD });
    expect(res.status).toBe(302);
    const newSession = browser.cookies.get(name)!;
    expect(newSession).not.toBe(oldSession);
    expect((await bridge.server.services.userStore.findById(alice.id))!.loginsCount).toBe(before + 1);

    // The old session id no longer skips the login form.
    const other = new TestBrowser(bridge.url);
    other.cookies.set(name, oldSession);
    const page2 = await other.get(verifyPath(newRequestId()));
    expect(page2.status).toBe(200);
    expect(page(await page2.text())('form[action="/login"]').length).toBe(1);
  });

  it('answers an immediate request without a session by returning at once, without a form or postback', async () => {
    const browser = new TestBrowser(bridge.url);
    const requestId = newRequestId();
    const res = await browser.get(`${verifyPath(requestId)}&immediate=true`);
    expectReturnRedirect(res, requestId);
    expect(identity.postbacks).toHaveLength(0);
    // …and the request is finished: it cannot be turned into a password sign-in afterwards.
    const again = await browser.get(`${verifyPath(requestId)}&immediate=true`);
    expect(again.status).toBe(409);
  });

  it('answers an immediate request with a session by posting back without UI', async () => {
    const browser = new TestBrowser(bridge.url);
    const first = await openLogin(browser);
    await browser.submit(first.html, { identifier: 'alice', password: PASSWORD });
    identity.postbacks.length = 0;
    const requestId = newRequestId();
    expectReturnRedirect(await browser.get(`${verifyPath(requestId)}&immediate=true`), requestId);
    expect(identity.postbacks).toHaveLength(1);
    expect(identity.postbacks[0]!.form.get('username')).toBe(alice.id);
  });

  it('sets secure cookie flags and security headers', async () => {
    const browser = new TestBrowser(bridge.url);
    const res = await browser.get(verifyPath(newRequestId()));
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('idb_bridge_browser='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('bridge sign-in throttling', () => {
  const identity = new FakeIdentityService();
  let bridge: TestBridge;

  beforeAll(() => identity.start());
  afterAll(() => identity.stop());
  // A fresh bridge (and database) per test: each test counts its own failures from zero.
  beforeEach(async () => {
    identity.postbacks.length = 0;
    bridge = await startBridge(identity, { IDBRIDGE_THROTTLE_ACCOUNT_FAILURES: '3', IDBRIDGE_THROTTLE_IP_FAILURES: '6', IDBRIDGE_THROTTLE_LOCKED_IP_DELAY_MS: '20' });
    await bridge.addUser({ email: 'bob@example.com', password: PASSWORD });
  });
  afterEach(() => bridge.close());

  it('locks an account after repeated failures with a growing delay, even for the right password', async () => {
    const browser = new TestBrowser(bridge.url);
    const { html } = await openLogin(browser);
    for (let i = 0; i < 3; i++) {
      expect((await browser.submit(html, { identifier: 'bob@example.com', password: `wrong${i}` })).status).toBe(401);
    }
    const locked = await browser.submit(html, { identifier: 'bob@example.com', password: PASSWORD });
    expect(locked.status).toBe(429);
    const first = Number(locked.headers.get('retry-after'));
    expect(first).toBeGreaterThan(0);
    expect(page(await locked.text())('h1').text()).toBe('Too many attempts');
    expect(identity.postbacks).toHaveLength(0);

    // After the lock passes, one more failure locks for twice as long.
    bridge.clock.advance(first * 1000 + 1);
    expect((await browser.submit(html, { identifier: 'bob@example.com', password: 'wrong again' })).status).toBe(401);
    const second = await browser.submit(html, { identifier: 'bob@example.com', password: PASSWORD });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(first * 2 - 1);
  });

  it('slows down (does not refuse) a client IP trying many accounts', async () => {
    const browser = new TestBrowser(bridge.url);
    const { html } = await openLogin(browser);
    // 6 failures per IP in this configuration, each on another account (none reaches its own limit of 3).
    for (let i = 0; i < 6; i++) {
      expect((await browser.submit(html, { identifier: `user${i}@example.com`, password: 'guess' })).status, `attempt ${i + 1}`).toBe(401);
    }
    expect(bridge.logger.entries.filter((e) => e.event === 'login_slowed')).toHaveLength(0);
    // The IP is locked now: further guesses are still checked (and wrong), but slowed down…
    expect((await browser.submit(html, { identifier: 'user7@example.com', password: 'guess' })).status).toBe(401);
    expect(bridge.logger.entries.filter((e) => e.event === 'login_slowed')).toHaveLength(1);
    // …and the right password for an account behind the same address is not refused.
    expect((await browser.submit(html, { identifier: 'bob@example.com', password: PASSWORD })).status).toBe(302);
    expect(bridge.logger.entries.filter((e) => e.event === 'login_slowed')).toHaveLength(2);
  });

  async function openLogin(browser: TestBrowser) {
    const requestId = newRequestId();
    const res = await browser.get(verifyPath(requestId));
    return { requestId, html: await res.text() };
  }
});

/**
 * Lockout without denial of service (OWASP device cookies): an attacker's failures neither lock
 * the owner out of their account on a browser they signed in from before, nor lock everyone behind
 * a shared address out. Each test gets its own bridge: all test traffic comes from 127.0.0.1.
 */
describe('bridge sign-in lockout is no denial of service', () => {
  const identity = new FakeIdentityService();
  let bridge: TestBridge;

  beforeAll(() => identity.start());
  afterAll(() => identity.stop());
  beforeEach(async () => {
    identity.postbacks.length = 0;
    bridge = await startBridge(identity, {
      IDBRIDGE_THROTTLE_ACCOUNT_FAILURES: '3',
      IDBRIDGE_THROTTLE_IP_FAILURES: '6',
      IDBRIDGE_THROTTLE_LOCKED_IP_DELAY_MS: '20',
      // Postbacks get the production budget: 64 sign-ins at once on a loaded CI machine must not
      // fail on the test helpers' short postback deadline (503), which is not what is tested here.
      IDBRIDGE_POSTBACK_DEADLINE_MS: '30000',
      IDBRIDGE_POSTBACK_TIMEOUT_MS: '10000',
    });
  });
  afterEach(() => bridge.close());

  async function openLogin(browser: TestBrowser, realm?: string) {
    const requestId = newRequestId();
    const res = await browser.get(verifyPath(requestId, realm));
    expect(res.status).toBe(200);
    return { requestId, html: await res.text() };
  }

  it('a locked account still lets its owner in from a browser that signed in before; the lockout page says how long and links back', async () => {
    await bridge.addUser({ email: 'olga@example.com', username: 'olga', password: PASSWORD });
    const owner = new TestBrowser(bridge.url);
    expect((await owner.submit((await openLogin(owner)).html, { identifier: 'olga@example.com', password: PASSWORD })).status).toBe(302);
    expect([...owner.cookies.keys()].some((k) => k.includes('idb_bridge_device'))).toBe(true);
    owner.cookies.delete([...owner.cookies.keys()].find((k) => k.includes('idb_bridge_session'))!); // signed out, the device cookie stays

    // Someone else guesses olga's password until the account locks…
    const attacker = new TestBrowser(bridge.url);
    const { html, requestId } = await openLogin(attacker, 'https://rp.example.com/');
    for (let i = 0; i < 3; i++) expect((await attacker.submit(html, { identifier: 'olga@example.com', password: `guess${i}` })).status).toBe(401);
    const locked = await attacker.submit(html, { identifier: 'olga@example.com', password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const $ = page(await locked.text());
    expect($('h1').text()).toBe('Too many attempts');
    expect($('p.message').text()).toBe('Too many attempts. Try again in 1 minute.');
    expect($(`a[href="/verify/status?request_id=${requestId}"]`).text()).toBe('Start again');
    expect($('a[href="https://rp.example.com/"]').text()).toBe('Back to https://rp.example.com');
    expect(identity.postbacks).toHaveLength(1);

    // …and the owner, on their own browser, signs in with the correct password anyway…
    const ownerAgain = await owner.submit((await openLogin(owner)).html, { identifier: 'olga@example.com', password: PASSWORD });
    expect(ownerAgain.status).toBe(302);
    expect(identity.postbacks).toHaveLength(2);
    // …also with the other identifier of the account (both are bound to the device).
    owner.cookies.delete([...owner.cookies.keys()].find((k) => k.includes('idb_bridge_session'))!);
    expect((await owner.submit((await openLogin(owner)).html, { identifier: 'OLGA', password: PASSWORD })).status).toBe(302);

    // The attacker's copy of the lockout stays: another browser is still refused, correct password included.
    const stranger = new TestBrowser(bridge.url);
    expect((await stranger.submit((await openLogin(stranger)).html, { identifier: 'olga@example.com', password: PASSWORD })).status).toBe(429);
  });

  it('after the lock has passed, "Start again" shows the login form and the correct password works', async () => {
    await bridge.addUser({ email: 'pia@example.com', password: PASSWORD });
    const browser = new TestBrowser(bridge.url);
    const { html } = await openLogin(browser);
    for (let i = 0; i < 3; i++) await browser.submit(html, { identifier: 'pia@example.com', password: `guess${i}` });
    const locked = await browser.submit(html, { identifier: 'pia@example.com', password: PASSWORD });
    expect(locked.status).toBe(429);
    const again = page(await locked.text())('a').filter((_, a) => page(a as never).text() === 'Start again').attr('href')!;
    bridge.clock.advance(Number(locked.headers.get('retry-after')) * 1000 + 1);
    const form = await browser.get(again);
    expect(form.status).toBe(200);
    expect((await browser.submit(await form.text(), { identifier: 'pia@example.com', password: PASSWORD })).status).toBe(302);
  });

  it('wrong passwords for made-up accounts from one address do not lock out the correct passwords of the people behind it', async () => {
    await bridge.addUser({ email: 'quinn@example.com', password: PASSWORD });
    await bridge.addUser({ email: 'rosa@example.com', password: PASSWORD });
    const attacker = new TestBrowser(bridge.url);
    const { html } = await openLogin(attacker);
    for (let i = 0; i < 10; i++) await attacker.submit(html, { identifier: `made-up-${i}@example.com`, password: 'guess' });
    // A colleague behind the same address, first sign-in on this browser (no device cookie).
    const colleague = new TestBrowser(bridge.url);
    expect((await colleague.submit((await openLogin(colleague)).html, { identifier: 'quinn@example.com', password: PASSWORD })).status).toBe(302);
    // A wrong password from there is still just wrong (same answer as ever), not a lockout.
    const other = new TestBrowser(bridge.url);
    const otherLogin = await openLogin(other);
    const wrong = await other.submit(otherLogin.html, { identifier: 'rosa@example.com', password: 'typo' });
    expect(wrong.status).toBe(401);
    expect(page(await wrong.text())('[role=alert]').text()).toBe('The email/username or password is incorrect.');
    expect((await other.submit(otherLogin.html, { identifier: 'rosa@example.com', password: PASSWORD })).status).toBe(302);
    expect(bridge.logger.entries.filter((e) => e.event === 'login_slowed').length).toBeGreaterThanOrEqual(3);
  });

  it('64 concurrent correct sign-ins from one address: none refused', async () => {
    const users = await Promise.all(Array.from({ length: 64 }, (_, i) => bridge.addUser({ email: `crowd${i}@example.com`, password: PASSWORD })));
    const browsers = users.map(() => new TestBrowser(bridge.url));
    const pages = await Promise.all(browsers.map((b) => openLogin(b)));
    const results = await Promise.all(browsers.map((b, i) => b.submit(pages[i]!.html, { identifier: `crowd${i}@example.com`, password: PASSWORD })));
    expect(results.map((r) => r.status).filter((s) => s !== 302)).toEqual([]);
    // Every sign-in was posted back (under load a postback may be retried, so count request ids).
    expect(new Set(identity.postbacks.map((p) => p.form.get('request_id'))).size).toBe(64);
  });
});

describe('bridge sign-in: a concurrent burst of wrong passwords from one address', () => {
  const identity = new FakeIdentityService();
  let bridge: TestBridge;
  beforeAll(() => identity.start());
  afterAll(() => identity.stop());
  beforeEach(async () => {
    identity.postbacks.length = 0;
    // Default queue and concurrency (8 running, 64 waiting per address): only the counters differ.
    bridge = await startBridge(identity, { IDBRIDGE_THROTTLE_ACCOUNT_FAILURES: '3', IDBRIDGE_THROTTLE_IP_FAILURES: '6', IDBRIDGE_THROTTLE_LOCKED_IP_DELAY_MS: '20' });
  });
  afterEach(() => bridge.close());

  async function burst(count: number, identifier: (i: number) => string) {
    const browsers = Array.from({ length: count }, () => new TestBrowser(bridge.url));
    const pages = await Promise.all(browsers.map(async (b) => (await b.get(verifyPath(newRequestId()))).text()));
    const results = await Promise.all(browsers.map((b, i) => b.submit(pages[i]!, { identifier: identifier(i), password: `guess-${i}` })));
    return Promise.all(results.map(async (r) => ({ status: r.status, title: page(await r.text())('h1').text() })));
  }

  it('against one account: a few checks run, then the account lock answers the rest (not the queue), the right password included', async () => {
    await bridge.addUser({ email: 'target@example.com', password: PASSWORD });
    const answers = await burst(16, () => 'target@example.com');
    const wrong = answers.filter((a) => a.status === 401).length;
    // 3 failures lock; checks already admitted (2 per account at once) may still finish.
    expect(wrong).toBeGreaterThanOrEqual(3);
    expect(wrong).toBeLessThanOrEqual(4);
    expect(answers.filter((a) => a.status === 429).map((a) => a.title)).toEqual(Array(16 - wrong).fill('Too many attempts'));
    const owner = new TestBrowser(bridge.url);
    const form = await (await owner.get(verifyPath(newRequestId()))).text();
    expect((await owner.submit(form, { identifier: 'target@example.com', password: PASSWORD })).status).toBe(429);
    expect(identity.postbacks).toHaveLength(0);
  });

  it('against many accounts: every guess is still just wrong, and once the address is locked the checks are slowed', async () => {
    const answers = await burst(16, (i) => `made-up-${i}@example.com`);
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(401));
    // Unslowed checks are at most the 5 failures before the lock plus the 8 holding the address's
    // slots when the 6th is recorded; every later one (queued ones included) takes the slow lane.
    expect(bridge.logger.entries.filter((e) => e.event === 'login_slowed').length).toBeGreaterThanOrEqual(16 - 5 - 8);
    expect(identity.postbacks).toHaveLength(0);
  });
});

describe('bridge sign-in: a flood beyond the per-IP queue', () => {
  const identity = new FakeIdentityService();
  let bridge: TestBridge;
  beforeAll(async () => {
    await identity.start();
    bridge = await startBridge(identity, { IDBRIDGE_LOGIN_CONCURRENCY_PER_IP: '1', IDBRIDGE_LOGIN_QUEUE_PER_IP: '1' });
  });
  afterAll(async () => {
    await bridge.close();
    await identity.stop();
  });

  it('answers 429 "too many at once" to what does not fit in the queue', async () => {
    const browsers = Array.from({ length: 12 }, () => new TestBrowser(bridge.url));
    const pages = await Promise.all(browsers.map(async (b) => (await b.get(verifyPath(newRequestId()))).text()));
    const results = await Promise.all(browsers.map((b, i) => b.submit(pages[i]!, { identifier: `nobody${i}@example.com`, password: 'guess' })));
    const statuses = results.map((r) => r.status);
    expect(statuses).toContain(429);
    expect(statuses).toContain(401);
    const refused = results.find((r) => r.status === 429)!;
    expect(page(await refused.text())('p.message').text()).toMatch(/at once/);
  });
});

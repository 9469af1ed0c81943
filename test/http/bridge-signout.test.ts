/**
 * The bridge's sign-out (issue: logout CSRF). A cross-site GET never ends the session; a confirmed
 * POST with the bridge's CSRF token does; the identity service's logout token (RP-initiated logout
 * the user already confirmed there) does without asking again, but only for the user it names.
 * Over real HTTP: a bridge (role=bridge) and a stand-in identity service.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signExpiringMac } from '../../src/util/expiring-mac.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { newRequestId, startBridge, verifyPath, type TestBridge } from '../helpers/bridge-server.js';
import { FakeIdentityService } from '../helpers/fake-identity-service.js';

const PASSWORD = 'correct horse battery staple';
const API_KEY = 'k'.repeat(32); // what testConfig gives the bridge

/** The logout token as the identity service signs it (provider/oidc/rp-logout.ts). */
const signLogoutToken = (key: string, claims: { userId: string; continueUrl: string }, now: number) =>
  signExpiringMac(key, 'bridge-logout', [claims.userId, claims.continueUrl], now, 120);

describe('bridge /signout', () => {
  const identity = new FakeIdentityService();
  let bridge: TestBridge;
  let aliceId: string;
  let bobId: string;
  let continueUrl: string;

  beforeAll(async () => {
    await identity.start();
    bridge = await startBridge(identity);
    aliceId = (await bridge.addUser({ email: 'alice@example.com', password: PASSWORD })).id;
    bobId = (await bridge.addUser({ email: 'bob@example.com', password: PASSWORD })).id;
    continueUrl = new URL('/logout/done', identity.returnUrl).href;
  });
  afterAll(async () => {
    await bridge.close();
    await identity.stop();
  });
  beforeEach(() => {
    identity.postbacks.length = 0;
  });

  async function signedIn(identifier = 'alice@example.com'): Promise<TestBrowser> {
    const browser = new TestBrowser(bridge.url);
    const html = await (await browser.get(verifyPath(newRequestId()))).text();
    expect((await browser.submit(html, { identifier, password: PASSWORD })).status).toBe(302);
    return browser;
  }

  /** Whether the browser still has a bridge session: a new request skips the login form. */
  async function hasSession(browser: TestBrowser): Promise<boolean> {
    const res = await browser.get(verifyPath(newRequestId()));
    return res.status === 302;
  }

  const signoutPath = (params: Record<string, string>) => `/signout?${new URLSearchParams(params)}`;

  it('a cross-site GET (an <img>, a link) does not end the session: it shows a confirmation page', async () => {
    const browser = await signedIn();
    for (const path of ['/signout', signoutPath({ continue: continueUrl })]) {
      const res = await browser.get(path, { 'sec-fetch-site': 'cross-site' });
      expect(res.status).toBe(200);
      const $ = page(await res.text());
      expect($('h1').text()).toBe('Sign out?');
      expect($('form[method=post][action="/signout"] input[name=csrf]').attr('value')).toBeTruthy();
      expect(res.headers.getSetCookie().some((c) => c.includes('idb_bridge_session') && /max-age=0/i.test(c))).toBe(false);
    }
    expect(await hasSession(browser)).toBe(true);
  });

  it('the confirmation POST ends the session with the CSRF token, and is refused without it', async () => {
    const browser = await signedIn();
    const html = await (await browser.get(signoutPath({ continue: continueUrl }))).text();
    expect((await browser.post('/signout', { continue: continueUrl })).status).toBe(403);
    expect((await browser.post('/signout', { csrf: 'A'.repeat(43), continue: continueUrl })).status).toBe(403);
    expect(await hasSession(browser)).toBe(true);

    const res = await browser.submit(html);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(continueUrl);
    expect(await hasSession(browser)).toBe(false);
  });

  it('the confirmation without continue ends at a signed-out page; a foreign continue is never followed', async () => {
    const browser = await signedIn();
    const html = await (await browser.get(signoutPath({ continue: 'https://evil.example/phish' }))).text();
    expect(page(html)('input[name=continue]').length).toBe(0);
    const res = await browser.submit(html);
    expect(res.status).toBe(200);
    expect(page(await res.text())('h1').text()).toBe('Signed out');
    expect(await hasSession(browser)).toBe(false);
  });

  it("the identity service's logout token ends the session without asking, and only for the user it was signed for", async () => {
    const alice = await signedIn();
    const now = bridge.clock.now();
    // A token for bob (e.g. an attacker's own sign-out, replayed) does not sign alice out.
    const bobs = await signLogoutToken(API_KEY, { userId: bobId, continueUrl }, now);
    const refused = await alice.get(signoutPath({ continue: continueUrl, logout_token: bobs }));
    expect(refused.status).toBe(200);
    expect(page(await refused.text())('h1').text()).toBe('Sign out?');
    // Nor one for alice with another continue URL, another key, or past its expiry.
    const otherUrl = await signLogoutToken(API_KEY, { userId: aliceId, continueUrl: `${continueUrl}?x=1` }, now);
    const otherKey = await signLogoutToken('z'.repeat(32), { userId: aliceId, continueUrl }, now);
    const expired = await signLogoutToken(API_KEY, { userId: aliceId, continueUrl }, now - 10 * 60 * 1000);
    for (const token of [otherUrl, otherKey, expired]) {
      expect((await alice.get(signoutPath({ continue: continueUrl, logout_token: token }))).status).toBe(200);
    }
    expect(await hasSession(alice)).toBe(true);

    const valid = await signLogoutToken(API_KEY, { userId: aliceId, continueUrl }, now);
    const res = await alice.get(signoutPath({ continue: continueUrl, logout_token: valid }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(continueUrl);
    expect(await hasSession(alice)).toBe(false);
    expect(bridge.logger.entries.some((e) => e.event === 'bridge_signed_out')).toBe(true);
  });

  it('without a session there is nothing to end: straight on to continue', async () => {
    const browser = new TestBrowser(bridge.url);
    const res = await browser.get(signoutPath({ continue: continueUrl }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(continueUrl);
  });
});

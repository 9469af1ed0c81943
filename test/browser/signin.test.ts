/**
 * The sign-in pages in a real browser: headless Chromium (Debian's package, driven by
 * playwright-core) against a real all-in-one server on loopback, at desktop (1280×800) and phone
 * (375×667) size.
 *
 * - OpenID Connect: authorization request → login page (typed and submitted with the keyboard
 *   only) → consent page (client name, scopes) → Allow → the client's redirect URI (a tiny local
 *   server) receives a code and the same state; the code is then redeemed with PKCE.
 * - OpenID 2.0: the built-in demo relying party, through login and consent, to the verified
 *   claimed identifier.
 * - A wrong password: the error is announced (role=alert) and the identifier is kept.
 * - Error pages: plain language, and a way back to the client when the sign-in request names it.
 * - Logout: with nobody signed in straight to "You are signed out"; signed in, Sign out or Cancel.
 * - Phone layout: no horizontal scrolling, a big enough fully visible submit button, inputs
 *   inside the viewport.
 * - No JavaScript needed: the login works with JavaScript disabled.
 *
 * Every page of ours is checked with axe-core (no serious or critical violation) before its
 * screenshot (both sizes, NAME-WIDTH.png) goes to test-artifacts/screenshots/.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser } from '../../src/users/create-user.js';
import { expectAccessible } from '../helpers/axe.js';
import { launchChromium, SCREENSHOTS, skipBrowserTests, VIEWPORTS, type ViewportName } from '../helpers/chromium.js';
import { testConfig } from '../helpers/config.js';
import { freePort } from '../helpers/walk.js';

const SITE_NAME = 'Example Forum';
const CLIENT_NAME = 'Photo Gallery';
const PASSWORD = 'correct horse battery staple';
const ALICE = { email: 'alice.liddell@wonderland.example.com', username: 'alice', fullname: 'Alice Liddell', nickname: 'ali' };

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

/** The OIDC client's redirect URI: shows the query it received as text, one `key=value` a line. */
async function startCallbackServer(): Promise<{ server: Server; url: string }> {
  const escape = (text: string) => text.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    const lines = [...query].map(([key, value]) => `${key}=${value}`);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      '<!DOCTYPE html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
        `<title>Callback</title><h1>Callback received</h1><pre style="white-space: pre-wrap; overflow-wrap: anywhere">${escape(lines.join('\n'))}</pre>`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/callback` };
}

function closeHttpServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const base64url = (bytes: Buffer) => bytes.toString('base64url');

function pkce(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()) };
}

/**
 * A screenshot (`NAME-WIDTH.png`) of one of our pages, after axe-core found no serious or critical
 * violation on it (`axe: false` for a page that is not ours, or one shown with JavaScript off).
 */
async function screenshot(page: Page, name: string, viewport: ViewportName, options: { axe?: boolean } = {}): Promise<void> {
  if (options.axe ?? true) await expectAccessible(page, `${name} at ${VIEWPORTS[viewport].width} px`);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-${VIEWPORTS[viewport].width}.png`), fullPage: true });
}

/** The id of the focused element (Playwright evaluates even when the page's own scripts are off). */
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

/** Horizontal overflow and the geometry of the things a user must reach and read. */
async function layoutOf(page: Page) {
  return page.evaluate(() => {
    const box = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
    };
    // Text that sticks out of the card's border (a long unbreakable word, e.g. an email address).
    const card = document.querySelector('main.card');
    const outsideCard: string[] = [];
    if (card) {
      const edge = card.getBoundingClientRect();
      const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent?.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) {
          if (r.width > 0 && (r.right > edge.right - card.clientLeft + 0.5 || r.left < edge.left + card.clientLeft - 0.5)) {
            outsideCard.push(`"${node.textContent.trim()}" (${Math.round(r.left)}–${Math.round(r.right)} px, card ${Math.round(edge.left)}–${Math.round(edge.right)} px)`);
            break;
          }
        }
      }
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      bodyScrollWidth: document.body.scrollWidth,
      viewportWidth: window.innerWidth,
      viewportHeight: window.innerHeight,
      outsideCard,
      inputs: [...document.querySelectorAll('input:not([type="hidden"])')].map((el) => ({ id: el.id, ...box(el) })),
      buttons: [...document.querySelectorAll('button, .button')].map((el) => {
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return { text: (el.textContent ?? '').trim(), ...box(el), onTop: hit === el || el.contains(hit) };
      }),
    };
  });
}

/**
 * The layout rules every page must meet, as the user first sees it (scrolled to the top): all
 * text inside the card; at phone size also no horizontal scrolling, inputs inside the viewport,
 * and every button fully visible without scrolling, uncovered and at least 40 px tall.
 */
async function expectLayout(page: Page, label: string, viewport: ViewportName): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const layout = await layoutOf(page);
  const width = VIEWPORTS[viewport].width;
  expect(layout.viewportWidth, label).toBe(width);
  expect(layout.outsideCard, `${label} at ${viewport} size: text sticking out of the card`).toEqual([]);
  if (viewport !== 'phone') return;
  expect(layout.scrollWidth, `${label}: no horizontal scrolling`).toBeLessThanOrEqual(width);
  expect(layout.bodyScrollWidth, `${label}: no horizontal scrolling`).toBeLessThanOrEqual(width);
  for (const input of layout.inputs) {
    expect(input.left, `${label}: input #${input.id} inside the viewport`).toBeGreaterThanOrEqual(0);
    expect(input.right, `${label}: input #${input.id} inside the viewport`).toBeLessThanOrEqual(width);
  }
  for (const button of layout.buttons) {
    const what = `${label}: button "${button.text}"`;
    expect(button.left, `${what} inside the viewport`).toBeGreaterThanOrEqual(0);
    expect(button.right, `${what} inside the viewport`).toBeLessThanOrEqual(width);
    expect(button.top, `${what} visible without scrolling`).toBeGreaterThanOrEqual(0);
    expect(button.bottom, `${what} visible without scrolling`).toBeLessThanOrEqual(layout.viewportHeight);
    expect(button.height, `${what} at least 40 px tall`).toBeGreaterThanOrEqual(40);
    expect(button.width, `${what} at least 40 px wide`).toBeGreaterThanOrEqual(40);
    expect(button.onTop, `${what} not covered`).toBe(true);
  }
}

/**
 * Wait until the page shows `what`. Any other page (one whose heading is not the "Completing
 * sign-in…" page that refreshes itself) fails at once, with where the browser is and what it shows.
 */
async function arrive(page: Page, what: Locator): Promise<void> {
  const settled = page.locator('h1').filter({ hasNotText: /^Completing sign-in/ });
  let problem: string | undefined;
  try {
    await what.or(settled).first().waitFor();
    if (!(await what.isVisible())) problem = `expected ${what} but another page came`;
  } catch (error) {
    problem = (error as Error).message.split('\n')[0];
  }
  if (problem === undefined) return;
  const text = await page
    .locator('body')
    .innerText({ timeout: 1_000 })
    .catch(() => '(no body)');
  throw new Error(`${problem}\nat ${page.url()}:\n${text.slice(0, 1_000)}`);
}

/** A CSP that allows no script at all: nothing but `default-src 'none'` applies to scripts. */
function expectNoScriptCsp(csp: string | undefined, label: string): void {
  expect(csp, `${label}: CSP header`).toBeDefined();
  expect(csp, label).toMatch(/(^|;)\s*default-src 'none'/);
  expect(csp, label).not.toMatch(/script-src/);
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

describe.skipIf(skipBrowserTests)('sign-in pages in headless Chromium', () => {
  let idp: RunningServer;
  let idpUrl: string;
  let callback: { server: Server; url: string };
  let clientId: string;
  let browser: Browser;
  let aliceClaimedPrefix: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const port = await freePort();
    idpUrl = `http://127.0.0.1:${port}`;
    idp = await startServer(
      testConfig({
        IDBRIDGE_ROLE: 'all',
        IDBRIDGE_PUBLIC_URL: idpUrl,
        PORT: String(port),
        IDBRIDGE_API_KEY: '',
        IDBRIDGE_DEMO: 'true',
        IDBRIDGE_SITE_NAME: SITE_NAME,
      }),
      { logger: memoryLogger() },
    );
    const { services } = idp;
    await createUser({ ...ALICE, password: PASSWORD }, { store: services.userStore, hasher: services.hasher, now: services.clock.now() });
    aliceClaimedPrefix = `${idpUrl}/id/`;
    callback = await startCallbackServer();
    const { client } = await services.clients.register({
      name: CLIENT_NAME,
      redirectUris: [callback.url],
      public: true,
      scopes: ['openid', 'profile', 'email'],
    });
    clientId = client.clientId;
    browser = await launchChromium();
  }, 45_000);

  afterAll(async () => {
    await browser?.close();
    await closeHttpServer(callback?.server);
    await idp?.close();
  });

  /** A fresh browser profile (no cookies) at the given size. */
  async function newContext(viewport: ViewportName, options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
    const context = await browser.newContext({
      viewport: VIEWPORTS[viewport],
      deviceScaleFactor: 1,
      isMobile: viewport === 'phone',
      hasTouch: viewport === 'phone',
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      locale: 'en-US',
      // The pages allow no script at all; axe-core is one. A test-only browser option: the
      // server's CSP header is unchanged (and asserted in the no-JavaScript test).
      bypassCSP: true,
    });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(10_000);
    return context;
  }

  function authorizationUrl(state: string, nonce: string, challenge: string): string {
    const url = new URL('/authorize', idpUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: callback.url,
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  /** The login page as a user sees it: heading, who is asking, labelled inputs. */
  async function expectLoginPage(page: Page, realmText: string): Promise<void> {
    await arrive(page, page.getByRole('heading', { level: 1, name: 'Sign in' }));
    expect(await page.title()).toBe(`Sign in · ${SITE_NAME}`);
    expect(await page.locator('.site-name').textContent()).toBe(SITE_NAME);
    expect((await page.locator('p.realm').innerText()).replace(/\s+/g, ' ')).toBe(`to continue to ${realmText}`);
    expect(await page.getByLabel('Email or username').getAttribute('autocomplete')).toBe('username');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('type')).toBe('password');
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
  }

  /**
   * Fill in and submit the login form with the keyboard only: the identifier has the focus on
   * arrival (autofocus), Tab moves to the password, Enter submits.
   */
  async function keyboardLogin(page: Page, identifier: string, password: string): Promise<void> {
    expect(await focusedId(page), 'the identifier field has the focus on arrival').toBe('identifier');
    await page.keyboard.type(identifier);
    await page.keyboard.press('Tab');
    expect(await focusedId(page), 'Tab moves from the identifier to the password').toBe('password');
    await page.keyboard.type(password);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  }

  /** The consent page: who asks, and what it will receive. */
  /** `rememberTicked`: OIDC remembers an allowed app unless the user opts out; OpenID 2.0 asks to opt in. */
  async function expectConsentPage(page: Page, audience: string, items: RegExp[], rememberTicked: boolean): Promise<void> {
    await arrive(page, page.getByRole('heading', { level: 1, name: 'Sign in to another site?' }));
    expect(await page.locator('.realm-url').textContent()).toBe(audience);
    expect(await page.locator('p.realm').innerText()).toContain(`wants to sign you in with your ${SITE_NAME} account`);
    // The list is named by its visible lead-in ("It will receive:", aria-labelledby), not a hidden aria-label.
    const listed = await page.getByRole('list', { name: 'It will receive:' }).getByRole('listitem').allInnerTexts();
    expect(listed, listed.join(' | ')).toHaveLength(items.length);
    for (const pattern of items) expect(listed.filter((item) => pattern.test(item)), `${pattern} in ${listed.join(' | ')}`).toHaveLength(1);
    expect(await page.getByRole('button', { name: 'Allow' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Deny' }).isVisible()).toBe(true);
    expect(await page.getByLabel('Remember my decision for this site').isChecked()).toBe(rememberTicked);
  }

  for (const viewport of ['desktop', 'phone'] as const) {
    describe(`at ${viewport} size (${VIEWPORTS[viewport].width}×${VIEWPORTS[viewport].height})`, () => {
      it('OpenID Connect: keyboard login, consent naming the client and scopes, Allow, code and state at the redirect URI', async () => {
        const context = await newContext(viewport);
        try {
          const page = await context.newPage();
          const state = base64url(randomBytes(16));
          const nonce = base64url(randomBytes(16));
          const { verifier, challenge } = pkce();

          await page.goto(authorizationUrl(state, nonce, challenge));
          expect(page.url().startsWith(`${idpUrl}/verify?`), page.url()).toBe(true);
          await expectLoginPage(page, CLIENT_NAME);
          await screenshot(page, 'login', viewport);
          await expectLayout(page, 'login page', viewport);

          await keyboardLogin(page, ALICE.username, PASSWORD);
          await expectConsentPage(page, CLIENT_NAME, [
            /^Your account identifier$/,
            new RegExp(`^Your profile .*: .*${ALICE.fullname}`),
            new RegExp(`^Your email address: .*${ALICE.email.replace(/\./g, '\\.')}$`),
          ], true);
          await screenshot(page, 'consent', viewport);
          await expectLayout(page, 'consent page', viewport);
          // The user opts out of remembering (so the other viewport's run sees the page again).
          await page.getByLabel('Remember my decision for this site').uncheck();

          await Promise.all([page.waitForURL((url) => url.href.startsWith(`${callback.url}?`)), page.getByRole('button', { name: 'Allow' }).click()]);
          const answer = new URL(page.url()).searchParams;
          expect(answer.get('error')).toBeNull();
          expect(answer.get('state')).toBe(state);
          expect(answer.get('iss')).toBe(idpUrl);
          const code = answer.get('code');
          expect(code).toMatch(/^[A-Za-z0-9_-]{20,}$/);
          const shown = await page.locator('body').innerText();
          expect(shown).toContain(`code=${code}`);
          expect(shown).toContain(`state=${state}`);
          await screenshot(page, 'oidc-callback', viewport, { axe: false });

          // The code is real: the client redeems it with its PKCE verifier and gets our nonce back.
          const tokenResponse = await fetch(`${idpUrl}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: callback.url, client_id: clientId, code_verifier: verifier }),
          });
          expect(tokenResponse.status).toBe(200);
          const tokens = (await tokenResponse.json()) as { id_token: string; access_token: string };
          const idToken = JSON.parse(Buffer.from(tokens.id_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
          expect(idToken).toMatchObject({ iss: idpUrl, aud: clientId, nonce });
          const userinfo = await fetch(`${idpUrl}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
          expect(userinfo.status).toBe(200);
          expect(await userinfo.json()).toMatchObject({ sub: idToken['sub'], email: ALICE.email, name: ALICE.fullname, nickname: ALICE.nickname });
        } finally {
          await context.close();
        }
      });

      it('OpenID 2.0 demo: "Sign in with OpenID", login, consent, the verified claimed identifier', async () => {
        const context = await newContext(viewport);
        try {
          const page = await context.newPage();
          await page.goto(`${idpUrl}/demo`);
          await arrive(page, page.getByRole('heading', { level: 1, name: 'Demo relying party' }));
          await screenshot(page, 'demo-start', viewport);
          await expectLayout(page, 'demo start page', viewport);

          await Promise.all([page.waitForURL((url) => url.pathname === '/verify'), page.getByRole('button', { name: 'Sign in with OpenID' }).click()]);
          // The demo's realm is its own path, where it publishes its return_to URL (OpenID 2.0 §13).
          await expectLoginPage(page, `${idpUrl}/demo`);
          await page.getByLabel('Email or username').fill(ALICE.email);
          await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
          await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Sign in' }).click()]);

          await expectConsentPage(page, `${idpUrl}/demo`, [
            // Matched by value: the labels are the page's business.
            new RegExp(`: ${ALICE.email.replace(/\./g, '\\.')}$`),
            new RegExp(`: ${ALICE.nickname}$`),
            new RegExp(`: ${ALICE.fullname}$`),
          ], false);
          expect(await page.getByRole('alert').count(), 'the demo is a verified relying party: no warning').toBe(0);
          await screenshot(page, 'demo-consent', viewport);
          await expectLayout(page, 'demo consent page', viewport);
          await Promise.all([page.waitForURL((url) => url.pathname === '/demo/return'), page.getByRole('button', { name: 'Allow' }).click()]);

          await arrive(page, page.getByRole('heading', { level: 1, name: 'Signed in' }));
          const claimed = (await page.locator('#claimed-id').textContent()) ?? '';
          expect(claimed.startsWith(aliceClaimedPrefix), claimed).toBe(true);
          expect(claimed.length).toBeGreaterThan(aliceClaimedPrefix.length);
          expect(claimed).not.toContain('alice');
          expect(await page.locator('dl.identity').innerText()).toContain(ALICE.email);
          await screenshot(page, 'demo-result', viewport);
          await expectLayout(page, 'demo result page', viewport);
        } finally {
          await context.close();
        }
      });

      it('a wrong password: the error is announced (role=alert), the identifier is kept, the focus is on the password', async () => {
        const context = await newContext(viewport);
        try {
          const page = await context.newPage();
          const { challenge } = pkce();
          await page.goto(authorizationUrl('wrong-password-state', 'n-0', challenge));
          await expectLoginPage(page, CLIENT_NAME);
          await keyboardLogin(page, ALICE.email, 'not the password');

          await expectLoginPage(page, CLIENT_NAME);
          const alert = page.getByRole('alert');
          expect(await alert.innerText()).toBe('The email/username or password is incorrect.');
          expect(await page.getByLabel('Email or username').inputValue()).toBe(ALICE.email);
          expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
          // The error is tied to the fields for screen readers, and the user can retype at once.
          expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-describedby')).toBe(await alert.getAttribute('id'));
          expect(await focusedId(page)).toBe('password');
          await screenshot(page, 'login-error', viewport);
          await expectLayout(page, 'login page with error', viewport);

          // Retyping only the password signs in.
          await page.keyboard.type(PASSWORD);
          await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
          await arrive(page, page.getByRole('button', { name: 'Allow' }));
        } finally {
          await context.close();
        }
      });

      it('error pages: a way back to the client on a pending sign-in, plain words and where to go otherwise', async () => {
        const owner = await newContext(viewport);
        const stranger = await newContext(viewport);
        try {
          const first = await owner.newPage();
          const { challenge } = pkce();
          await first.goto(authorizationUrl('error-page-state', 'n-err', challenge));
          await expectLoginPage(first, CLIENT_NAME);
          // The same sign-in link opened in another browser: refused, with the way back.
          const page = await stranger.newPage();
          const response = await page.goto(first.url());
          expect(response?.status()).toBe(403);
          await arrive(page, page.getByRole('heading', { level: 1, name: 'Started in another browser' }));
          const back = page.getByRole('link', { name: `Back to ${CLIENT_NAME}` });
          expect(await back.getAttribute('href')).toBe(`${new URL(callback.url).origin}/`);
          await screenshot(page, 'error-way-back', viewport);
          await expectLayout(page, 'error page with a way back', viewport);
          await Promise.all([page.waitForURL((url) => url.origin === new URL(callback.url).origin), back.click()]);

          // A broken link names no client: a plain explanation and where to start again, no link.
          await page.goto(`${idpUrl}/verify?request_id=short`);
          await arrive(page, page.getByRole('heading', { level: 1, name: 'This link did not work' }));
          expect(await page.locator('p.message').allInnerTexts()).toEqual([
            'The sign-in link or form was incomplete or changed on its way here.',
            'To try again, go back to the site you came from and start the sign-in there.',
          ]);
          expect(await page.locator('main a').count()).toBe(0);
          await screenshot(page, 'error-no-way-back', viewport);
          await expectLayout(page, 'error page without a known client', viewport);
        } finally {
          await owner.close();
          await stranger.close();
        }
      });

      it('logout: nobody signed in goes straight to "You are signed out"; signed in, Sign out or Cancel', async () => {
        const context = await newContext(viewport);
        try {
          const page = await context.newPage();
          await page.goto(`${idpUrl}/logout`);
          await arrive(page, page.getByRole('heading', { level: 1, name: 'You are signed out' }));
          expect(new URL(page.url()).pathname).toBe('/logout/done');
          await screenshot(page, 'logout-nobody', viewport);
          await expectLayout(page, 'signed-out page', viewport);

          // Sign in (OIDC, consent), then ask to log out without a hint: the confirmation.
          const { challenge } = pkce();
          await page.goto(authorizationUrl('logout-state', 'n-logout', challenge));
          await expectLoginPage(page, CLIENT_NAME);
          await keyboardLogin(page, ALICE.username, PASSWORD);
          await arrive(page, page.getByRole('button', { name: 'Allow' }));
          // Not remembered, so the other tests (and viewport) still see the consent page.
          await page.getByLabel('Remember my decision for this site').uncheck();
          await Promise.all([page.waitForURL((url) => url.href.startsWith(`${callback.url}?`)), page.getByRole('button', { name: 'Allow' }).click()]);
          await page.goto(`${idpUrl}/logout`);
          await arrive(page, page.getByRole('heading', { level: 1, name: 'Sign out?' }));
          expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
          expect(await page.getByRole('link', { name: 'Cancel' }).isVisible()).toBe(true);
          await screenshot(page, 'logout-confirm', viewport);
          await expectLayout(page, 'logout confirmation', viewport);
          await Promise.all([page.waitForURL((url) => url.pathname === '/logout/cancelled'), page.getByRole('link', { name: 'Cancel' }).click()]);
          await arrive(page, page.getByRole('heading', { level: 1, name: 'You are still signed in' }));
          await screenshot(page, 'logout-cancelled', viewport);
          // Still signed in: the confirmation again, and this time Sign out.
          await page.goto(`${idpUrl}/logout`);
          await Promise.all([page.waitForURL((url) => url.pathname === '/logout/done'), page.getByRole('button', { name: 'Sign out' }).click()]);
          await arrive(page, page.getByRole('heading', { level: 1, name: 'You are signed out' }));
        } finally {
          await context.close();
        }
      });
    });
  }

  it('works without JavaScript: login and consent with javaScriptEnabled=false (phone)', async () => {
    const context = await newContext('phone', { javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const state = base64url(randomBytes(16));
      const { challenge } = pkce();
      const loginResponse = await page.goto(authorizationUrl(state, 'n-nojs', challenge));
      expectNoScriptCsp(loginResponse?.headers()['content-security-policy'], 'login page');
      expect(await page.evaluate(() => document.scripts.length), 'the login page has no <script>').toBe(0);
      await expectLoginPage(page, CLIENT_NAME);
      await page.getByLabel('Email or username').fill(ALICE.username);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      const [consentResponse] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      expectNoScriptCsp(consentResponse?.headers()['content-security-policy'], 'consent page');

      await arrive(page, page.getByRole('button', { name: 'Allow' }));
      expect(await page.evaluate(() => document.scripts.length), 'the consent page has no <script>').toBe(0);
      await screenshot(page, 'consent-nojs', 'phone', { axe: false });
      await Promise.all([page.waitForURL((url) => url.href.startsWith(`${callback.url}?`)), page.getByRole('button', { name: 'Allow' }).click()]);
      const answer = new URL(page.url()).searchParams;
      expect(answer.get('state')).toBe(state);
      expect(answer.get('code')).toBeTruthy();
    } finally {
      await context.close();
    }
  });
});

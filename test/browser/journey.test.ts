/**
 * The whole account journey in headless Chromium (issue 11, "Tests and proof"), against the real
 * Node server on loopback with its real SMTP transport (nodemailer) delivering to an in-process
 * SMTP server, openid-client as the OpenID Connect relying party and the `openid` package as the
 * OpenID 2.0 one:
 *
 * register → verification mail → open the link → confirm → OIDC code redeemed → OpenID 2.0
 * assertion verified → forgot password (another browser) → reset mail → new password → the old
 * password fails, the new one signs in → connected apps: listed, withdrawn → restart with a
 * profile model that requires a new field → profile completion at the next sign-in.
 *
 * On every page on the way: axe-core (zero serious or critical violations, all others listed on
 * failure) and a screenshot at 1280 and 375 px into test-artifacts/screenshots/.
 * A second test does sign-up → sign-in with the keyboard alone (Tab, Enter) and checks that every
 * focused input and button shows a visible focus outline.
 *
 * The account page (password, email, profile edits, sessions, delete account) is not on main yet:
 * the journey covers what exists, /account/apps.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/document.js';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { axeViolations, blocking, describeViolations, type A11yViolation } from '../helpers/axe.js';
import { atBothWidths, launchChromium, SCREENSHOTS, skipBrowserTests, VIEWPORTS } from '../helpers/chromium.js';
import { testConfig } from '../helpers/config.js';
import { OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { mailLink, SmtpInbox } from '../helpers/smtp-inbox.js';
import { freePort } from '../helpers/walk.js';

const SITE_NAME = 'Example Forum';
const CLIENT_NAME = 'Photo Gallery';
const FIRST_PASSWORD = 'juniper lantern 19 quietly';
const NEW_PASSWORD = 'otter brambles 88 softly';

/** The relying parties' landing page: records each URL it was sent to, shows "Callback received". */
async function startCallbackServer(): Promise<{ server: Server; base: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Callback</title><main><h1>Callback received</h1></main></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.skipIf(skipBrowserTests)('the account journey in headless Chromium (real SMTP, openid-client, openid)', () => {
  let inbox: SmtpInbox;
  let callback: { server: Server; base: string };
  let dir: string;
  let port: number;
  let url: string;
  let server: RunningServer | undefined;
  let browser: Browser;
  let oidc: client.Configuration;
  const redirectUri = () => `${callback.base}/oidc/cb`;
  /** Every axe finding on the way (all impacts); serious and critical ones fail the test. */
  const findings: A11yViolation[] = [];

  const env = () => ({
    IDBRIDGE_ROLE: 'all',
    IDBRIDGE_PUBLIC_URL: url,
    PORT: String(port),
    IDBRIDGE_DATABASE: join(dir, 'idbridge.sqlite'),
    IDBRIDGE_API_KEY: '',
    IDBRIDGE_DEMO: 'false',
    IDBRIDGE_SITE_NAME: SITE_NAME,
    IDBRIDGE_SMTP_URL: inbox.url,
    IDBRIDGE_MAIL_FROM: `${SITE_NAME} <no-reply@forum.example>`,
    IDBRIDGE_EMAIL_VERIFICATION: 'require',
    IDBRIDGE_RESEND_COOLDOWN_SECONDS: '0',
  });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'idbridge-journey-'));
    inbox = await SmtpInbox.start();
    callback = await startCallbackServer();
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = await startServer(testConfig(env()), { logger: memoryLogger() });
    const { client: registered, clientSecret } = await server.services.clients.register({
      name: CLIENT_NAME,
      redirectUris: [redirectUri()],
      public: false,
      scopes: ['openid', 'profile', 'email'],
    });
    oidc = await client.discovery(new URL(url), registered.clientId, {}, client.ClientSecretBasic(clientSecret!), { execute: [client.allowInsecureRequests] });
    browser = await launchChromium();
  }, 45_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await inbox?.close();
    await new Promise<void>((resolve) => (callback ? callback.server.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh browser profile. axe needs its script on pages whose CSP forbids every script. */
  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, deviceScaleFactor: 1, locale: 'en-US', bypassCSP: true });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(10_000);
    return context;
  }

  /** axe and a screenshot at both widths (1280 and 375 px), then back to the desktop size. */
  async function record(page: Page, name: string): Promise<void> {
    await atBothWidths(page, name, async (width) => {
      findings.push(...(await axeViolations(page, `${name} at ${width} px`)));
    });
  }

  async function heading(page: Page, name: string | RegExp): Promise<void> {
    try {
      await page.getByRole('heading', { level: 1, name }).waitFor();
    } catch (error) {
      const text = await page.locator('body').innerText().catch(() => '');
      throw new Error(`expected the heading ${String(name)} at ${page.url()}:\n${text.slice(0, 800)}`, { cause: error });
    }
  }

  async function authorize() {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizationUrl = client.buildAuthorizationUrl(oidc, {
      redirect_uri: redirectUri(),
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: authorizationUrl.toString(), verifier, state, nonce };
  }

  /** The relying party redeems the code the browser brought back. */
  async function redeem(page: Page, pending: Awaited<ReturnType<typeof authorize>>) {
    const tokens = await client.authorizationCodeGrant(oidc, new URL(page.url()), {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    return { tokens, claims: tokens.claims()! };
  }

  async function submit(page: Page, button: string): Promise<void> {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: button, exact: true }).click()]);
  }

  async function allow(page: Page): Promise<void> {
    await heading(page, 'Sign in to another site?');
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${callback.base}/`)), page.getByRole('button', { name: 'Allow' }).click()]);
  }

  async function login(page: Page, identifier: string, password: string): Promise<void> {
    await heading(page, 'Sign in');
    await page.getByLabel('Email or username').fill(identifier);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await submit(page, 'Sign in');
  }

  /** The focused element and how its focus is drawn. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      const style = el ? getComputedStyle(el) : undefined;
      return {
        tag: el?.tagName.toLowerCase() ?? '',
        id: el?.id ?? '',
        type: el?.getAttribute('type') ?? '',
        text: (el?.innerText ?? el?.textContent ?? '').trim(),
        outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '',
        outlineWidth: style ? parseFloat(style.outlineWidth) : 0,
        outlineStyle: style?.outlineStyle ?? 'none',
      };
    });

  it('keyboard only: sign-up → confirm → consent → sign-in with Tab and Enter, the focus always visible', async () => {
    const email = 'kim.keyboard@example.com';
    const context = await newContext();
    const seen: Array<Awaited<ReturnType<typeof focused>>> = [];
    /** Press Tab until the focused element matches (at most 20 times), noting every stop. */
    const tabTo = async (page: Page, what: string, match: (f: Awaited<ReturnType<typeof focused>>) => boolean) => {
      for (let i = 0; i < 20; i++) {
        const now = await focused(page);
        if (now.tag !== 'body') seen.push(now);
        if (match(now)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached ${what} on ${page.url()}; stops: ${seen.map((f) => `${f.tag}#${f.id}"${f.text}"`).join(', ')}`);
    };
    const press = async (page: Page, key: string) => {
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press(key)]);
    };
    try {
      const page = await context.newPage();
      const first = await authorize();
      await page.goto(first.url);
      await heading(page, 'Sign in');
      await tabTo(page, 'the "Create an account" link', (f) => f.tag === 'a' && f.text === 'Create an account');
      await press(page, 'Enter');
      await heading(page, 'Create your account');
      await tabTo(page, 'the name field', (f) => f.id === 'signup-fullname');
      await page.keyboard.type('Kim Keyboard');
      await page.keyboard.press('Tab');
      await tabTo(page, 'the email field', (f) => f.id === 'signup-email');
      await page.keyboard.type(email);
      await page.keyboard.press('Tab');
      await tabTo(page, 'the password field', (f) => f.id === 'signup-password');
      await page.keyboard.type(FIRST_PASSWORD);
      await page.keyboard.press('Tab');
      await tabTo(page, 'the "Create account" button', (f) => f.tag === 'button' && f.text === 'Create account');
      await press(page, 'Enter');
      await heading(page, 'Check your email');

      // Opening the mail's link is the mail program's business; the page itself by keyboard.
      await page.goto(mailLink(await inbox.next(email, 'verify-email'), url).toString());
      await heading(page, 'Confirm your email');
      await tabTo(page, 'the "Confirm my email" button', (f) => f.tag === 'button' && f.text === 'Confirm my email');
      await press(page, 'Enter');
      await heading(page, 'Sign in to another site?');
      // Not remembered (Space unticks), so the sign-in below shows the consent page again.
      await tabTo(page, 'the remember checkbox', (f) => f.id === 'remember');
      await page.keyboard.press('Space');
      expect(await page.getByLabel('Remember my decision for this site').isChecked()).toBe(false);
      await tabTo(page, 'the Allow button', (f) => f.tag === 'button' && f.text === 'Allow');
      await Promise.all([page.waitForURL((u) => u.href.startsWith(`${callback.base}/`)), page.keyboard.press('Enter')]);
      const signedUp = await redeem(page, first);

      // Sign in again in a fresh browser, by keyboard: identifier (focused on arrival), Tab, password, Enter.
      const later = await (await newContext()).newPage();
      const second = await authorize();
      await later.goto(second.url);
      await heading(later, 'Sign in');
      await tabTo(later, 'the identifier field', (f) => f.id === 'identifier');
      await later.keyboard.type(email);
      await later.keyboard.press('Tab');
      await tabTo(later, 'the password field', (f) => f.id === 'password');
      await later.keyboard.type(FIRST_PASSWORD);
      await press(later, 'Enter');
      await heading(later, 'Sign in to another site?');
      await tabTo(later, 'the Allow button', (f) => f.tag === 'button' && f.text === 'Allow');
      await Promise.all([later.waitForURL((u) => u.href.startsWith(`${callback.base}/`)), later.keyboard.press('Enter')]);
      expect((await redeem(later, second)).claims.sub).toBe(signedUp.claims.sub);
      await later.context().close();

      // Every stop of the keyboard on an input, a button or a link drew a visible outline.
      const stops = seen.filter((f) => ['input', 'button', 'a', 'select', 'textarea'].includes(f.tag));
      expect(stops.filter((f) => f.tag === 'input').length).toBeGreaterThanOrEqual(5);
      expect(stops.filter((f) => f.tag === 'button').length).toBeGreaterThanOrEqual(4);
      const invisible = stops.filter((f) => f.outlineStyle === 'none' || f.outlineWidth < 2);
      expect(invisible.map((f) => `${f.tag}#${f.id} "${f.text}": ${f.outline}`)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 40_000);

  it('register → verify → OIDC and OpenID 2.0 → reset → new password only → connected apps → profile completion after a restart', async () => {
    const email = 'carol.journey@example.com';
    const laptop = await newContext();
    const phone = await newContext();
    try {
      // 1. The relying party sends the browser to the bridge; the user creates an account.
      const page = await laptop.newPage();
      const first = await authorize();
      await page.goto(first.url);
      await heading(page, 'Sign in');
      await record(page, 'login');
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Create an account' }).click()]);
      await heading(page, 'Create your account');
      await record(page, 'signup');
      // Bad input first: the server's message on the form, tied to its field, nothing sent.
      await page.$eval('form[action="/signup"]', (form) => form.setAttribute('novalidate', ''));
      await page.getByLabel('Email').fill('not-an-address');
      await page.getByLabel('Password', { exact: true }).fill('short');
      await submit(page, 'Create account');
      await heading(page, 'Create your account');
      expect(await page.getByRole('alert').count()).toBeGreaterThan(0);
      expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
      await record(page, 'signup-error');
      await page.getByLabel('Full name').fill('Carol Journey');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password', { exact: true }).fill(FIRST_PASSWORD);
      await submit(page, 'Create account');
      await heading(page, 'Check your email');
      await record(page, 'check-mail');

      // 2. The verification mail, through nodemailer and SMTP; its link confirms in this browser.
      const verifyMail = await inbox.next(email, 'verify-email');
      expect(verifyMail.html).toContain('<a ');
      const verifyLink = mailLink(verifyMail, url);
      expect(verifyLink.pathname).toBe('/verify-email');
      await page.goto(verifyLink.toString());
      await heading(page, 'Confirm your email');
      await record(page, 'verify');
      await submit(page, 'Confirm my email');
      await heading(page, 'Sign in to another site?');
      await record(page, 'consent');
      await allow(page);
      const signedUp = await redeem(page, first);
      const sub = signedUp.claims.sub;
      const info = await client.fetchUserInfo(oidc, signedUp.tokens.access_token, sub);
      expect(info).toMatchObject({ email, email_verified: true, name: 'Carol Journey' });
      // The link is single-use: opened again it explains itself, and nothing changes.
      await page.goto(verifyLink.toString());
      await submit(page, 'Confirm my email');
      await heading(page, 'This link no longer works');
      await record(page, 'verify-used-link');

      // 3. An OpenID 2.0 relying party: the bridge session carries over; its own consent page.
      const rp = new OpenIdRelyingParty({ returnUrl: `${callback.base}/openid/return`, realm: `${callback.base}/`, stateless: true, extensions: [] });
      await page.goto(await rp.authenticate(`${url}/openid`));
      await heading(page, 'Sign in to another site?');
      await record(page, 'consent-openid2');
      await allow(page);
      const assertion = await rp.verify(page.url());
      expect(assertion.error).toBeUndefined();
      expect(assertion.authenticated).toBe(true);
      expect(assertion.result?.claimedIdentifier?.startsWith(`${url}/id/`)).toBe(true);

      // 4. Forgot password, in another browser; the mail's link works there.
      const other = await phone.newPage();
      await other.goto(`${url}/forgot`);
      await heading(other, 'Reset your password');
      await record(other, 'forgot');
      await other.getByLabel('Email').fill(email);
      await submit(other, 'Send reset link');
      await heading(other, 'Check your email');
      await record(other, 'forgot-sent');
      const resetLink = mailLink(await inbox.next(email, 'reset-password'), url);
      expect(resetLink.pathname).toBe('/reset-password');
      await other.goto(resetLink.toString());
      await heading(other, 'Choose a new password');
      await record(other, 'reset');
      // Mismatched repeat: a message on the form, the password unchanged.
      await other.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await other.getByLabel('Repeat the new password').fill(`${NEW_PASSWORD}!`);
      await submit(other, 'Change password');
      await heading(other, 'Choose a new password');
      expect(await other.getByRole('alert').count()).toBeGreaterThan(0);
      await record(other, 'reset-error');
      await other.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await other.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
      await submit(other, 'Change password');
      await heading(other, 'Password changed');
      await record(other, 'reset-done');
      // The link is spent.
      await other.goto(resetLink.toString());
      await heading(other, 'This link no longer works');
      await record(other, 'reset-used-link');

      // 5. The reset ended the laptop's session: the old password fails, the new one signs in.
      const second = await authorize();
      await page.goto(second.url);
      await login(page, email, FIRST_PASSWORD);
      await heading(page, 'Sign in');
      expect(await page.getByRole('alert').innerText()).toBe('The email/username or password is incorrect.');
      await record(page, 'login-error');
      await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
      await submit(page, 'Sign in');
      // The first consent was remembered (OIDC's default), so the browser goes straight back.
      await page.waitForURL((u) => u.href.startsWith(`${callback.base}/`));
      expect((await redeem(page, second)).claims.sub).toBe(sub);

      // 6. Connected apps: the remembered client is listed and can be withdrawn.
      await page.goto(`${url}/account/apps`);
      await heading(page, 'Connected apps');
      expect(await page.locator('main').innerText()).toContain(CLIENT_NAME);
      await record(page, 'connected-apps');
      await submit(page, `Revoke access of ${CLIENT_NAME}`);
      expect(await page.locator('main').innerText()).not.toContain(CLIENT_NAME);
      await record(page, 'connected-apps-none');

      // 7. The operator adds a required field to the profile model and restarts.
      await server!.close();
      server = undefined;
      const { document, problems } = parseConfigDocument(
        { name: 'journey', data: { profile: { fields: { company: { type: 'text', label: 'Company', requirement: 'required' } } } } },
        {},
      );
      expect(problems).toEqual([]);
      server = await startServer({ ...testConfig(env()), profile: document.profile }, { logger: memoryLogger() });
      const fresh = await (await newContext()).newPage();
      const third = await authorize();
      await fresh.goto(third.url);
      await login(fresh, email, NEW_PASSWORD);
      await fresh.locator('form[action="/verify/profile"]').waitFor();
      await record(fresh, 'profile-completion');
      // Required means required: an empty answer stays on the page with the field's error.
      await fresh.$eval('form[action="/verify/profile"]', (form) => form.setAttribute('novalidate', ''));
      await fresh.locator('form[action="/verify/profile"] button[value=save]').click();
      await fresh.locator('#profile-company-error').waitFor();
      expect(await fresh.getAttribute('#profile-company', 'aria-describedby')).toContain('profile-company-error');
      await record(fresh, 'profile-completion-error');
      await fresh.getByLabel('Company').fill('Wonderland Tea Co');
      await Promise.all([fresh.waitForNavigation(), fresh.locator('form[action="/verify/profile"] button[value=save]').click()]);
      // The consent was withdrawn in step 6, so it is asked again.
      await allow(fresh);
      expect((await redeem(fresh, third)).claims.sub).toBe(sub);
      await fresh.context().close();
    } finally {
      await laptop.close();
      await phone.close();
    }
    // All findings (minor and moderate too) for the record; serious and critical ones fail.
    writeFileSync(join(SCREENSHOTS, '..', 'axe-journey.json'), JSON.stringify(findings, null, 2));
    const bad = blocking(findings);
    expect(bad, describeViolations(bad)).toEqual([]);
  }, 90_000);
});

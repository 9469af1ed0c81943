/**
 * One connector sign-in in headless Chromium: an OIDC client's authorization request → the
 * bridge's login page → "Continue with Google" (an oidc-provider upstream on loopback) → back at
 * the bridge, a new account (policy create) → the client's redirect URI receives a code and its
 * state. Real cookies (SameSite=Lax across the upstream redirect), real redirects.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { expectAccessible } from '../helpers/axe.js';
import { atBothWidths, launchChromium, skipBrowserTests, VIEWPORTS } from '../helpers/chromium.js';
import { startUpstreamOp, type UpstreamOp } from '../helpers/upstream-op.js';
import { freePort } from '../helpers/walk.js';

describe.skipIf(skipBrowserTests)('a connector sign-in in headless Chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  let upstream: UpstreamOp;
  let callback: Server;
  let callbackUrl: string;
  let url: string;
  let clientId: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    upstream = await startUpstreamOp({
      clients: [{ client_id: 'social', client_secret: 'social-secret', redirect_uris: [`${url}/connectors/google/callback`] }],
      accounts: [{ sub: 'g-1', email: 'chromium@example.com', email_verified: true, name: 'Chrome User' }],
    });
    callback = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`callback ${req.url}`);
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', () => resolve()));
    callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/cb`;
    const config = loadConfig(
      {
        IDBRIDGE_ENV: 'test',
        IDBRIDGE_SECRET: 'test-secret-test-secret-test-secret-0123456789',
        IDBRIDGE_DATABASE: ':memory:',
        IDBRIDGE_PUBLIC_URL: url,
        HOST: '127.0.0.1',
        PORT: String(port),
        IDBRIDGE_ROLE: 'all',
        IDBRIDGE_DEMO: 'false',
        IDBRIDGE_SCRYPT_LN: '10',
        GOOGLE_SECRET: 'social-secret',
      },
      {
        document: {
          name: 'test.yaml',
          data: { connectors: [{ id: 'google', kind: 'google', issuer: upstream.issuer, allowInsecure: true, clientId: 'social', clientSecret: '${GOOGLE_SECRET}', policy: 'create' }] },
        },
      },
    );
    server = await startServer(config, { logger: memoryLogger() });
    const reg = await server.services.clients.register({ name: 'Photo Gallery', redirectUris: [callbackUrl], postLogoutRedirectUris: [], public: true, trusted: true });
    clientId = reg.client.clientId;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await upstream?.close();
    await new Promise<void>((resolve) => (callback ? callback.close(() => resolve()) : resolve()));
  });

  it('signs in with the Google button and returns a code to the client', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL('/authorize', url);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: callbackUrl,
      response_type: 'code',
      scope: 'openid email',
      state: 'chromium-state',
      nonce: 'chromium-nonce',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    // bypassCSP: the pages allow no script, and axe is one (test-only browser option).
    const context = await browser.newContext({ bypassCSP: true, viewport: VIEWPORTS.desktop });
    const page = await context.newPage();
    await page.goto(authorize.toString());
    const button = page.getByRole('button', { name: 'Continue with Google' });
    await button.waitFor();
    // The login page with its connector buttons: no serious or critical axe finding at either width.
    await atBothWidths(page, 'connector-buttons', async () => void (await expectAccessible(page, 'connector buttons page')));
    await button.click();
    await page.waitForURL((u) => u.toString().startsWith(callbackUrl), { timeout: 15_000 });
    const answer = new URL(page.url());
    expect(answer.searchParams.get('state')).toBe('chromium-state');
    expect(answer.searchParams.get('code')).toBeTruthy();
    const user = await server.services.directory.findByEmail('chromium@example.com');
    expect(user?.emailVerified).toBe(true);
    await context.close();
  });
});

/**
 * Sign-up end to end over real HTTP on loopback, with `openid-client` as the relying party:
 * prompt=create opens the bridge's sign-up side, the verification mail's link (policy require)
 * confirms the address and continues to the client, whose code openid-client redeems; then a
 * password reset ends the user's sessions and revokes the refresh token (also through the split
 * deployment's `/ows_revoke` call). The same sign-up serves an OpenID 2.0 relying party (`openid`).
 * Mails go to an in-process outbox (the SMTP end-to-end suite
 * comes with the mail transports).
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteIdentityRevocation } from '../../src/bridge/user-revocation.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { linkIn, TestOutbox } from '../helpers/mail.js';
import { openid, OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { follow as walkOn, isConsentPage, rpRedirect, submitAndFollow, visit, freePort, startIdbridge, type Site, type TestServer } from '../helpers/walk.js';

const PASSWORD = 'juniper lantern 19 quietly';

describe('sign-up end to end: prompt=create → register → verify → openid-client gets tokens → reset revokes them', () => {
  let idp: TestServer;
  const outbox = new TestOutbox();
  let redirectUri: string;
  let config: client.Configuration;

  beforeAll(async () => {
    idp = await startIdbridge({ IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '', IDBRIDGE_DEMO: 'false', IDBRIDGE_EMAIL_VERIFICATION: 'require' }, '127.0.0.1', { mail: outbox });
    redirectUri = `http://127.0.0.1:${await freePort()}/cb`;
    const { client: registered, clientSecret } = await idp.server.services.clients.register({ name: 'Shop', redirectUris: [redirectUri], public: false, trusted: true });
    config = await client.discovery(new URL(idp.url), registered.clientId, {}, client.ClientSecretBasic(clientSecret!), { execute: [client.allowInsecureRequests] });
  });
  afterAll(async () => {
    await idp?.close();
  });

  /** Follow redirects while they stay on our server; returns the final response and its URL. */
  async function follow(browser: TestBrowser, res: Response, url: string): Promise<{ res: Response; url: string }> {
    for (let i = 0; i < 12 && (res.status === 302 || res.status === 303); i++) {
      const next = new URL(res.headers.get('location')!, url).toString();
      if (!next.startsWith(`${idp.url}/`)) return { res, url: next };
      await res.arrayBuffer();
      url = next;
      res = await browser.get(url);
    }
    return { res, url };
  }

  async function authorize(extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...extra,
    });
    return { url: url.toString(), verifier, state };
  }

  it('registers through prompt=create, verifies, signs in; a reset revokes the refresh token and ends the session', async () => {
    expect(config.serverMetadata().prompt_values_supported).toContain('create');
    const browser = new TestBrowser(idp.url);
    const pending = await authorize({ prompt: 'create' });
    const signupPage = await follow(browser, await browser.get(pending.url), pending.url);
    const $ = page(await signupPage.res.text());
    expect($('h1').text()).toBe('Create your account');
    const checkMail = await browser.submit($.html(), { email: 'carol@example.com', password: PASSWORD, fullname: 'Carol' }, 'form[action="/signup"]', signupPage.url);
    expect(page(await checkMail.text())('h1').text()).toBe('Check your email');

    const link = linkIn(await outbox.next('carol@example.com', 'verify-email'));
    expect(link.origin).toBe(idp.url);
    const confirm = await browser.get(link.toString());
    const done = await follow(browser, await browser.submit(await confirm.text(), {}, 'form[action^="/verify-email?"]', link.toString()), link.toString());
    expect(done.url.startsWith(redirectUri)).toBe(true);

    const tokens = await client.authorizationCodeGrant(config, new URL(done.url), { pkceCodeVerifier: pending.verifier, expectedState: pending.state, idTokenExpected: true });
    const claims = tokens.claims()!;
    expect(claims['amr']).toEqual(['pwd']);
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info.email).toBe('carol@example.com');
    expect(info.email_verified).toBe(true);
    expect(info.name).toBe('Carol');
    // The refresh token works before the reset (rotation: the next one replaces it).
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();

    // A second browser resets the password.
    const phone = new TestBrowser(idp.url);
    const forgot = await phone.get(`${idp.url}/forgot`);
    expect((await phone.submit(await forgot.text(), { email: 'carol@example.com' }, 'form[action^="/forgot?"]', `${idp.url}/forgot`)).status).toBe(200);
    const reset = linkIn(await outbox.next('carol@example.com', 'reset-password'));
    const form = await (await phone.get(reset.toString())).text();
    const newPassword = 'otter brambles 88 softly';
    expect((await phone.submit(form, { password: newPassword, confirm: newPassword }, 'form[action^="/reset-password?"]', reset.toString())).status).toBe(200);

    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // The first browser's bridge session is gone: the next sign-in asks for the password, and
    // only the new one works.
    const next = await authorize();
    const login = await follow(browser, await browser.get(next.url), next.url);
    const loginHtml = await login.res.text();
    expect(page(loginHtml)('form[action="/login"]')).toHaveLength(1);
    const wrong = await browser.submit(loginHtml, { identifier: 'carol@example.com', password: PASSWORD }, 'form[action="/login"]', login.url);
    expect(wrong.status).toBe(401);
    const right = await follow(browser, await browser.submit(await wrong.text(), { identifier: 'carol@example.com', password: newPassword }, 'form[action="/login"]', login.url), login.url);
    const again = await client.authorizationCodeGrant(config, new URL(right.url), { pkceCodeVerifier: next.verifier, expectedState: next.state, idTokenExpected: true });
    expect(again.claims()!['sub']).toBe(claims['sub']);
    const stillWorks = await client.refreshTokenGrant(config, again.refresh_token!);

    // The split deployment's call reaches the same revocation: revoke the new grant remotely.
    const services = idp.server.services;
    const remote = new RemoteIdentityRevocation({ url: `${idp.url}/ows_revoke`, fetch: (u, i) => fetch(u, i), apiKey: () => services.apiKeys.ensure(), clock: idp.clock, logger: idp.logger });
    const user = (await services.directory.findByEmail('carol@example.com'))!;
    await remote.revokeAll(user.id);
    await expect(client.refreshTokenGrant(config, stillWorks.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  }, 60_000);

  it('signs up at an OpenID 2.0 relying party: the sign-up link, the verification link, consent, a verified assertion', async () => {
    const site: Site = { ours: [idp.url], opIdentifier: `${idp.url}/openid` };
    const realm = 'http://forum.example.test/';
    const rp = new OpenIdRelyingParty({ returnUrl: `${realm}return`, realm, stateless: true, extensions: [new openid.SimpleRegistration({ email: 'required', fullname: 'optional' })] });
    const browser = new TestBrowser(idp.url);
    const login = await visit(browser, site, await rp.authenticate(site.opIdentifier));
    const signupHref = page(login.html)('a[href*="screen=signup"]').attr('href')!;
    const signup = await visit(browser, site, new URL(signupHref, login.url).toString());
    const checkMail = await browser.submit(signup.html, { email: 'dave@example.com', password: PASSWORD, fullname: 'Dave' }, 'form[action="/signup"]', signup.url);
    expect(page(await checkMail.text())('h1').text()).toBe('Check your email');
    const link = linkIn(await outbox.next('dave@example.com', 'verify-email'));
    const confirm = await visit(browser, site, link.toString());
    let hop = await walkOn(browser, site, await browser.submit(confirm.html, {}, 'form[action^="/verify-email?"]', confirm.url), `${idp.url}/verify-email`);
    expect(isConsentPage(hop)).toBe(true);
    hop = await submitAndFollow(browser, site, hop, { decision: 'approve' });
    const location = rpRedirect(site, hop)!;
    expect(location.startsWith(`${realm}return`)).toBe(true);
    const verified = await rp.verify(location);
    expect(verified.authenticated).toBe(true);
    expect(verified.result).toMatchObject({ email: 'dave@example.com', fullname: 'Dave' });
  }, 60_000);
});

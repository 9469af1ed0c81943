/**
 * A stock Janrain authenticating website (test/helpers/janrain-aw.ts: no idbridge code, no
 * return_token) in front of idbridge's identity service (IDBRIDGE_ROLE=identity), with the real
 * `openid` and `openid-client` packages as relying parties.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { page, TestBrowser } from '../helpers/browser.js';
import { JanrainAw } from '../helpers/janrain-aw.js';
import { openid, OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { follow, freePort, isConsentPage, isLoginPage, signInAt, startIdbridge, submitAndFollow, visit, type Site, type TestServer } from '../helpers/walk.js';

const API_KEY = 'janrain-aw-api-key-0123456789abcdef';
const TRUSTED_REALM = 'http://trusted.example.test/';

describe('a stock Janrain authenticating website with idbridge as its identity service', () => {
  let aw: JanrainAw;
  let idp: TestServer;
  let site: Site;
  let rpOrigin: string;
  const alice = { identifier: 'alice', password: 'alice-password-123' };

  beforeAll(async () => {
    aw = new JanrainAw();
    await aw.start('127.0.0.1');
    aw.addUser({ login: 'alice', password: alice.password, profile: { email: 'alice@example.com', fullname: 'Alice Liddell', nickname: 'ali' } });
    idp = await startIdbridge(
      { IDBRIDGE_ROLE: 'identity', IDBRIDGE_VERIFY_URL: `${aw.url}/verify`, IDBRIDGE_API_KEY: API_KEY, IDBRIDGE_TRUSTED_REALMS: TRUSTED_REALM },
      'localhost',
    );
    Object.assign(aw.options, { apiKey: API_KEY, postbackUrl: `${idp.url}/ows_auth`, returnUrl: `${idp.url}/ows_return` });
    site = { ours: [idp.url, aw.url], opIdentifier: `${idp.url}/openid` };
    rpOrigin = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await idp?.close();
    await aw?.close();
  });
  beforeEach(async () => {
    Object.assign(aw.options, { noPrompt: 'false', returnVia: 'get', extraFields: {} });
    await idp.server.services.janrainCompatibility.set(true);
  });

  const browser = () => new TestBrowser(idp.url, undefined, { cookiesPerHost: true });
  const relyingParty = (realm = `${rpOrigin}/`) =>
    new OpenIdRelyingParty({
      returnUrl: `${realm}return`,
      realm,
      stateless: false,
      extensions: [new openid.SimpleRegistration({ email: 'required', fullname: true })],
    });

  it('with the setting off (the default), refuses the postback and logs why', async () => {
    await idp.server.services.janrainCompatibility.set(false);
    const b = browser();
    const login = await visit(b, site, await relyingParty().authenticate(site.opIdentifier));
    expect(isLoginPage(login)).toBe(true);
    const after = await submitAndFollow(b, site, login, alice);
    expect(after.response.status).toBe(502); // the AW stops and tells the user the sign-in did not complete
    const refused = aw.postbacks.at(-1)!;
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/return_token/);
    expect(idp.logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', event: 'postback_without_return_token', request_id: refused.requestId }),
    );
    expect((await idp.server.services.authRequests.get(refused.requestId))!.state).toBe('created');
  });

  it('OpenID 2.0: signs in through the AW; consent is shown despite no_prompt=true, without "remember"; extra fields are dropped', async () => {
    Object.assign(aw.options, { noPrompt: 'true', extraFields: { sreg_gender: 'F', password: 'plaintext-from-a-sample-aw', blob: '{"x":1}' } });
    const rp = relyingParty();
    const outcome = await signInAt(browser(), site, await rp.authenticate(site.opIdentifier), { user: alice, consent: 'approve' });
    expect(outcome.seen).toEqual(['login', 'consent']);
    const $ = page(outcome.consentHtml!);
    expect($('input[name="remember"]').length).toBe(0);
    expect($('input[name="return_token"]').length).toBe(0);

    const verified = await rp.verify(outcome.location);
    expect(verified.authenticated).toBe(true);
    expect(verified.result).toMatchObject({ email: 'alice@example.com', fullname: 'Alice Liddell' });
    // The AW's own login name never shows in the claimed identifier.
    expect(verified.result!.claimedIdentifier).toMatch(new RegExp(`^${idp.url}/id/[A-Za-z0-9_-]{16,}$`));
    expect(verified.result!.claimedIdentifier).not.toContain('alice');
    // Extra fields: not released, not stored, logged by name only.
    expect(new URL(outcome.location).searchParams.get('openid.sreg.gender')).toBeNull();
    expect(outcome.location).not.toContain('plaintext-from-a-sample-aw');
    const requestId = aw.postbacks.at(-1)!.requestId;
    const stored = await idp.server.services.authRequests.get(requestId);
    expect(stored!.attributes).toEqual({ email: 'alice@example.com', fullname: 'Alice Liddell' });
    const ignored = idp.logger.entries.find((e) => e.event === 'postback_fields_ignored' && e.request_id === requestId);
    expect(ignored).toMatchObject({ fields: 'blob,password,sreg_gender', count: 3 });
    expect(JSON.stringify(idp.logger.entries)).not.toContain('plaintext-from-a-sample-aw');
  });

  it('a relying party the identity service trusts goes through without consent', async () => {
    const rp = relyingParty(TRUSTED_REALM);
    const b = browser();
    // The AW still has no session in this browser: login, then straight back to the RP.
    const outcome = await signInAt(b, site, await rp.authenticate(site.opIdentifier), { user: alice });
    expect(outcome.seen).toEqual(['login']);
    expect(outcome.location.startsWith(`${TRUSTED_REALM}return?`)).toBe(true);
    expect(new URL(outcome.location).searchParams.get('openid.mode')).toBe('id_res');
  });

  it('OpenID Connect: code flow through the AW with openid-client; consent is shown even for a remembered decision', async () => {
    const reg = await idp.server.services.clients.register({ name: 'Janrain RP', redirectUris: [`${rpOrigin}/cb`], postLogoutRedirectUris: [], public: false, trusted: false });
    const config = await client.discovery(new URL(idp.url), reg.client.clientId, {}, client.ClientSecretBasic(reg.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
    const b = browser();
    for (const round of [1, 2]) {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: `${rpOrigin}/cb`,
        scope: 'openid email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      // Round 2: the AW has a session (no login page), but consent is asked again (tries to remember).
      const outcome = await signInAt(b, site, url.href, { user: alice, consent: 'remember' });
      expect(outcome.seen).toEqual(round === 1 ? ['login', 'consent'] : ['consent']);
      const tokens = await client.authorizationCodeGrant(config, new URL(outcome.location), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      expect(claims.sub).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(claims.sub).not.toContain('alice');
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      expect(info.email).toBe('alice@example.com');
    }
  });

  it('OpenID Connect: max_age cannot be honoured without the AW saying when the user signed in', async () => {
    const reg = await idp.server.services.clients.register({ name: 'Strict RP', redirectUris: [`${rpOrigin}/cb`], postLogoutRedirectUris: [], public: true, trusted: true });
    const verifier = client.randomPKCECodeVerifier();
    const url = new URL(`${idp.url}/authorize`);
    for (const [k, v] of Object.entries({
      client_id: reg.client.clientId,
      response_type: 'code',
      redirect_uri: `${rpOrigin}/cb`,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'st',
      max_age: '60',
    }))
      url.searchParams.set(k, v);
    const outcome = await signInAt(browser(), site, url.href, { user: alice });
    const answer = new URL(outcome.location).searchParams;
    expect(answer.get('error')).toBe('login_required');
    expect(answer.get('code')).toBeNull();
  });

  it('the Return URL accepts request_id by form POST (303 to the GET) and by query', async () => {
    aw.options.returnVia = 'post';
    const rp = relyingParty();
    const b = browser();
    const login = await visit(b, site, await rp.authenticate(site.opIdentifier));
    const bounce = await submitAndFollow(b, site, login, alice);
    expect(page(bounce.html)('form#return').attr('action')).toBe(`${idp.url}/ows_return`);
    const posted = await b.submit(bounce.html, {}, 'form#return', bounce.url);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('set-cookie')).toBeNull(); // the binding cookie is neither read nor replaced here
    const consent = await follow(b, site, posted, `${idp.url}/ows_return`);
    expect(isConsentPage(consent)).toBe(true);
    const done = await submitAndFollow(b, site, consent, { decision: 'approve' });
    expect((await rp.verify(done.response.headers.get('location')!)).authenticated).toBe(true);
  });

  it('another browser at the Return URL is refused; the browser that started the request still finishes', async () => {
    const rp = relyingParty();
    const starter = browser();
    const login = await visit(starter, site, await rp.authenticate(site.opIdentifier));
    const posted = await starter.submit(login.html, alice, 'form', login.url);
    expect(posted.status).toBe(302);
    const returnUrl = posted.headers.get('location')!;
    expect(returnUrl.startsWith(`${idp.url}/ows_return?request_id=`)).toBe(true);

    const stranger = await visit(browser(), site, returnUrl);
    expect(stranger.response.status).toBe(403);
    expect(stranger.html).toContain('another browser');

    const consent = await visit(starter, site, returnUrl);
    expect(isConsentPage(consent)).toBe(true);
  });

  it('turning the setting off stops requests already posted back without a token', async () => {
    const starter = browser();
    const login = await visit(starter, site, await relyingParty().authenticate(site.opIdentifier));
    const posted = await starter.submit(login.html, alice, 'form', login.url);
    await idp.server.services.janrainCompatibility.set(false);
    const refused = await visit(starter, site, posted.headers.get('location')!);
    expect(refused.response.status).toBe(403);
  });

  it.each([
    ['true', true],
    ['false', false],
    ['1', true],
    ['0', false],
  ])('no_prompt=%s is accepted and read as %s', async (spelling, expected) => {
    aw.options.noPrompt = spelling;
    const b = browser();
    const login = await visit(b, site, await relyingParty().authenticate(site.opIdentifier));
    const posted = await b.submit(login.html, alice, 'form', login.url);
    expect(posted.status).toBe(302);
    const { requestId, status } = aw.postbacks.at(-1)!;
    expect(status).toBe(200);
    expect((await idp.server.services.authRequests.get(requestId))!.noPrompt).toBe(expected);
  });

  it('no_prompt with another value is refused with a short text/plain reason', async () => {
    aw.options.noPrompt = 'yes please';
    const b = browser();
    const login = await visit(b, site, await relyingParty().authenticate(site.opIdentifier));
    await b.submit(login.html, alice, 'form', login.url);
    const refused = aw.postbacks.at(-1)!;
    expect(refused).toMatchObject({ status: 400, text: expect.stringMatching(/^invalid_request: no_prompt must be/) });
    const direct = await fetch(`${idp.url}/ows_auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: 'wrong'.repeat(8), request_id: refused.requestId, username: 'alice' }).toString(),
    });
    expect(direct.status).toBe(401);
    expect(direct.headers.get('content-type')).toMatch(/^text\/plain/);
  });
});

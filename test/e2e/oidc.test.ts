/**
 * End-to-end OpenID Connect over real HTTP on loopback. The relying party is `openid-client` v6 (a
 * certified RP library): it reads our discovery document, builds authorization requests, validates
 * the authorization response (state, RFC 9207 iss), redeems codes with PKCE and client
 * authentication, and validates ID tokens against our JWKS. A cookie-keeping test browser plays
 * the user (login form at the bridge, consent page at the identity service) and hands the final
 * redirect (or form_post form) to openid-client instead of following it: the redirect URIs point
 * at a loopback port where nothing listens.
 *
 * One all-in-one server (IDBRIDGE_ROLE=all) on a fresh in-memory database serves every test;
 * each test uses its own browser unless it is about sessions.
 */
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OidcClient } from '../../src/protocol/oidc/client.js';
import type { DirectoryUser } from '../../src/users/user.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { freePort, startIdbridge, type TestServer } from '../helpers/walk.js';

const PASSWORD = 'correct horse battery staple';
const ADMIN_TOKEN = 'admin-token-admin-token-admin-token-0123456789';
const ACR = 'urn:idbridge:acr:password';
const CUSTOMER_ID_CLAIM = 'https://idbridge.dev/claims/customer_id';

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The user's browser
// ---------------------------------------------------------------------------------------------

interface Login {
  identifier: string;
  password: string;
}

interface WalkOptions {
  /** Credentials for the login form (the walk fails if the form appears without them). */
  login?: Login;
  /** Answer for the consent page (the walk fails if it appears without one). */
  /** approve: as the page is (OIDC remembers by default); once: approve, opting out of remembering. */
  consent?: 'approve' | 'deny' | 'remember' | 'once';
}

/** Where the browser ended up: a redirect to the client, or a form_post page aimed at it. */
interface WalkOutcome {
  seen: Array<'login' | 'consent'>;
  /** Every URL of ours the browser requested, in order. */
  visited: string[];
  location?: string;
  formPost?: { action: string; fields: Array<[string, string]> };
  consentHtml?: string;
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

interface Registered {
  client: OidcClient;
  clientSecret?: string;
}

type Tokens = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

describe('OpenID Connect end to end, all-in-one server, openid-client as the relying party', () => {
  let idp: TestServer;
  let rpOrigin: string;
  let redirectUri: string;
  let postLogoutUri: string;
  let alice: DirectoryUser;
  let bob: DirectoryUser;
  /** Third-party confidential client: consent is asked. */
  let webapp: Registered;
  /** First-party confidential client: consent is skipped. */
  let firstParty: Registered;
  /** Public client (PKCE, no secret). */
  let spa: Registered;
  /** Another confidential client, for cross-client checks. */
  let other: Registered;
  const aliceLogin: Login = { identifier: 'alice@example.com', password: PASSWORD };
  const bobLogin: Login = { identifier: 'bob', password: PASSWORD };

  beforeAll(async () => {
    idp = await startIdbridge({
      IDBRIDGE_ROLE: 'all',
      IDBRIDGE_API_KEY: '', // all-in-one: the co-located identity service's own key
      IDBRIDGE_DEMO: 'false',
      IDBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    // Nothing listens here: the browser never follows redirects to the client.
    rpOrigin = `http://127.0.0.1:${await freePort()}`;
    redirectUri = `${rpOrigin}/cb`;
    postLogoutUri = `${rpOrigin}/logged-out`;
    alice = await idp.addUser({
      email: 'alice@example.com',
      username: 'alice',
      password: PASSWORD,
      fullname: 'Alice Liddell',
      nickname: 'ali',
      dob: '1990-04-01',
      gender: 'F',
      postcode: 'OX1 1DP',
      country: 'gb',
      language: 'en-GB',
      timezone: 'Europe/London',
      phone: '+44 1865 000000',
      customerId: 'CUST-0042',
      emailVerified: true,
    });
    bob = await idp.addUser({ email: 'bob@example.com', username: 'bob', password: PASSWORD });
    const clients = idp.server.services.clients;
    const common = { redirectUris: [redirectUri], postLogoutRedirectUris: [postLogoutUri] };
    webapp = await clients.register({ name: 'Web App', ...common, public: false, trusted: false });
    firstParty = await clients.register({ name: 'First Party', ...common, public: false, trusted: true });
    spa = await clients.register({ name: 'Single Page App', ...common, public: true, trusted: false });
    other = await clients.register({ name: 'Other App', ...common, public: false, trusted: false });
  });
  afterAll(async () => {
    await idp?.close();
  });
  // An allowed third-party app is remembered by default: each test starts with none remembered,
  // so that what one test approved does not skip the consent page another test expects.
  beforeEach(async () => {
    const consents = idp.server.services.consents;
    for (const user of [alice, bob]) for (const c of await consents.list(user.id)) await consents.revoke(user.id, c.audience);
  });

  // --- helpers that need the server ----------------------------------------------------------

  const ours = (url: string) => url.startsWith(`${idp.url}/`);

  /**
   * Walk the browser from `start` through our pages (login, consent) until it is sent to the
   * client (redirect or form_post page).
   */
  async function walk(browser: TestBrowser, start: string, options: WalkOptions = {}): Promise<WalkOutcome> {
    const outcome: WalkOutcome = { seen: [], visited: [] };
    let url = start;
    let res = await browser.get(url);
    outcome.visited.push(url);
    for (let step = 0; step < 20; step++) {
      if (res.status === 302 || res.status === 303) {
        const next = new URL(res.headers.get('location')!, url).toString();
        await res.arrayBuffer();
        if (!ours(next)) return { ...outcome, location: next };
        url = next;
        res = await browser.get(url);
        outcome.visited.push(url);
        continue;
      }
      const html = await res.text();
      const $ = page(html);
      if (res.status === 200 && $('form[action="/login"]').length === 1) {
        outcome.seen.push('login');
        if (!options.login) throw new Error('unexpected login page');
        url = `${idp.url}/login`;
        res = await browser.submit(html, { ...options.login });
        continue;
      }
      if (res.status === 200 && $('form[action="/ows_consent"]').length === 1) {
        outcome.seen.push('consent');
        outcome.consentHtml = html;
        if (!options.consent) throw new Error('unexpected consent page');
        url = `${idp.url}/ows_consent`;
        res = await browser.submit(html, {
          decision: options.consent === 'deny' ? 'deny' : 'approve',
          ...(options.consent === 'remember' ? { remember: 'yes' } : options.consent === 'once' ? { remember: null } : {}),
        });
        continue;
      }
      const answer = $('form#answer');
      if (res.status === 200 && answer.length === 1) {
        const fields: Array<[string, string]> = answer
          .find('input[type=hidden]')
          .map((_, el) => [[$(el).attr('name')!, $(el).attr('value') ?? '']] as Array<[string, string]>)
          .get();
        return { ...outcome, formPost: { action: answer.attr('action')!, fields } };
      }
      throw new Error(`unexpected answer ${res.status} at ${url}: ${html.replace(/\s+/g, ' ').slice(0, 400)}`);
    }
    throw new Error('too many steps');
  }

  /** openid-client's view of one of our clients. */
  async function rp(reg: Registered, method: 'basic' | 'post' | 'none' = reg.client.public ? 'none' : 'basic', metadata: Partial<client.ClientMetadata> = {}) {
    const auth =
      method === 'none'
        ? client.None()
        : method === 'post'
          ? client.ClientSecretPost(reg.clientSecret!)
          : client.ClientSecretBasic(reg.clientSecret!);
    return client.discovery(new URL(idp.url), reg.client.clientId, metadata, auth, { execute: [client.allowInsecureRequests] });
  }

  interface Pending {
    url: URL;
    verifier: string;
    state: string;
    nonce: string;
  }

  /** An authorization request with PKCE S256, state and nonce; `params` override or add. */
  async function authorizationRequest(config: client.Configuration, params: Record<string, string> = {}): Promise<Pending> {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...params,
    });
    return { url, verifier, state, nonce };
  }

  /** The callback openid-client sees: the redirect URL, or the form_post as a POST request. */
  function callback(outcome: WalkOutcome): URL | Request {
    if (outcome.location) return new URL(outcome.location);
    if (outcome.formPost) {
      return new Request(outcome.formPost.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(outcome.formPost.fields).toString(),
      });
    }
    throw new Error('the walk did not reach the client');
  }

  function redeem(config: client.Configuration, pending: Pending, outcome: WalkOutcome, checks: client.AuthorizationCodeGrantChecks = {}) {
    return client.authorizationCodeGrant(config, callback(outcome), {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
      ...checks,
    });
  }

  interface Flow {
    config: client.Configuration;
    pending: Pending;
    outcome: WalkOutcome;
    tokens: Tokens;
    claims: client.IDToken;
  }

  /** A whole code flow: request, browser walk, redemption. */
  async function codeFlow(
    reg: Registered,
    options: WalkOptions & { browser?: TestBrowser; params?: Record<string, string>; method?: 'basic' | 'post' | 'none'; config?: client.Configuration } = {},
  ): Promise<Flow> {
    const config = options.config ?? (await rp(reg, options.method));
    const pending = await authorizationRequest(config, options.params);
    const outcome = await walk(options.browser ?? new TestBrowser(idp.url), pending.url.href, options);
    const tokens = await redeem(config, pending, outcome);
    return { config, pending, outcome, tokens, claims: tokens.claims()! };
  }

  const subOf = async (user: DirectoryUser) => idp.server.services.identities.publicIdFor(user.id, idp.clock.now());

  /** Userinfo by hand: status and JSON body (openid-client throws on 401). */
  async function userinfo(accessToken: string): Promise<{ status: number; body: Record<string, unknown>; challenge: string | null }> {
    const res = await fetch(`${idp.url}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, challenge: res.headers.get('www-authenticate') };
  }

  /** The OAuth error an openid-client call failed with. */
  async function oauthError(promise: Promise<unknown>): Promise<{ kind: string; error: string | undefined; status?: number }> {
    try {
      await promise;
    } catch (e) {
      if (e instanceof client.ResponseBodyError) return { kind: 'response', error: e.error, status: e.status };
      if (e instanceof client.AuthorizationResponseError) return { kind: 'authorization', error: e.error };
      if (e instanceof client.WWWAuthenticateChallengeError) {
        return { kind: 'challenge', error: e.cause[0]?.parameters.error, status: e.status };
      }
      throw e;
    }
    throw new Error('expected the call to fail with an OAuth error');
  }

  /** An error page: HTML, the given status, no redirect, and nothing that looks like a code. */
  async function expectErrorPage(res: Response, status = 400): Promise<string> {
    const html = await res.text();
    expect(res.status, html.slice(0, 300)).toBe(status);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(html).not.toMatch(/code=|name="code"/);
    return html;
  }

  /** A redirect to the client carrying an OAuth error (and state, iss), never a code. */
  function expectErrorRedirect(res: Response, error: string, state?: string): URLSearchParams {
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    const params = location.searchParams;
    expect(params.get('error')).toBe(error);
    expect(params.get('code')).toBeNull();
    expect(params.get('iss')).toBe(idp.url);
    if (state !== undefined) expect(params.get('state')).toBe(state);
    return params;
  }

  /** The at_hash of an access token for an RS256/ES256 ID token (OIDC Core §3.1.3.6). */
  async function atHash(accessToken: string): Promise<string> {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)));
    return Buffer.from(digest.subarray(0, 16)).toString('base64url');
  }

  async function jwks(): Promise<JSONWebKeySet> {
    const res = await fetch(`${idp.url}/jwks`);
    expect(res.status).toBe(200);
    return (await res.json()) as JSONWebKeySet;
  }

  /** Every ID token claim openid-client validates, plus the ones it leaves to us. */
  async function expectIdToken(flow: Flow, reg: Registered, user: DirectoryUser): Promise<void> {
    const { claims, tokens, pending } = flow;
    const now = Math.floor(Date.now() / 1000);
    expect(claims.iss).toBe(idp.url);
    expect(claims.aud).toBe(reg.client.clientId);
    expect(claims.sub).toBe(await subOf(user));
    expect(claims.nonce).toBe(pending.nonce);
    expect(claims.iat).toBeGreaterThanOrEqual(now - 30);
    expect(claims.iat).toBeLessThanOrEqual(now + 5);
    expect(claims.exp).toBe(claims.iat + 3600);
    expect(typeof claims.auth_time).toBe('number');
    expect(claims.auth_time!).toBeLessThanOrEqual(claims.iat);
    expect(claims['acr']).toBe(ACR);
    expect(claims['amr']).toEqual(['pwd']);
    expect(typeof claims['sid']).toBe('string');
    expect((claims['sid'] as string).length).toBeGreaterThanOrEqual(16);
    expect(claims['at_hash']).toBe(await atHash(tokens.access_token));
    // No user data in the ID token: claims come from userinfo.
    expect(claims).not.toHaveProperty('email');
    // Independently of openid-client: the signature verifies with our published keys.
    const header = decodeProtectedHeader(tokens.id_token!);
    expect(header.alg).toBe('RS256');
    const verified = await jwtVerify(tokens.id_token!, createLocalJWKSet(await jwks()), { issuer: idp.url, audience: reg.client.clientId });
    expect(verified.payload.sub).toBe(claims.sub);
  }

  // --- discovery ------------------------------------------------------------------------------

  describe('discovery and keys', () => {
    it('the discovery document is accurate and every endpoint it names answers', async () => {
      const res = await fetch(`${idp.url}/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      const meta = (await res.json()) as Record<string, unknown>;
      expect(meta).toMatchObject({
        issuer: idp.url,
        authorization_endpoint: `${idp.url}/authorize`,
        token_endpoint: `${idp.url}/token`,
        userinfo_endpoint: `${idp.url}/userinfo`,
        jwks_uri: `${idp.url}/jwks`,
        revocation_endpoint: `${idp.url}/revoke`,
        introspection_endpoint: `${idp.url}/introspect`,
        end_session_endpoint: `${idp.url}/logout`,
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'form_post'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        subject_types_supported: ['public'],
        authorization_response_iss_parameter_supported: true,
        acr_values_supported: [ACR],
      });
      expect(meta['id_token_signing_alg_values_supported']).toEqual(expect.arrayContaining(['RS256', 'ES256']));
      expect(meta['token_endpoint_auth_methods_supported']).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']));
      expect(meta['scopes_supported']).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'phone', 'address', 'offline_access']));
      expect(meta['claims_supported']).toEqual(expect.arrayContaining(['sub', 'email', 'email_verified', 'openid2_id', CUSTOMER_ID_CLAIM]));

      // openid-client accepts it as is.
      const config = await rp(webapp);
      expect(config.serverMetadata().issuer).toBe(idp.url);

      // Reachable: each endpoint answers in its own way to an empty request (never 404 / 500).
      const authz = await fetch(meta['authorization_endpoint'] as string, { redirect: 'manual' });
      await expectErrorPage(authz, 400);
      for (const name of ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
        const r = await fetch(meta[name] as string, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'token=x&grant_type=authorization_code',
        });
        expect(r.status, name).toBe(401);
        expect(((await r.json()) as { error: string }).error, name).toBe('invalid_client');
      }
      const ui = await fetch(meta['userinfo_endpoint'] as string);
      expect(ui.status).toBe(401);
      expect(ui.headers.get('www-authenticate')).toBe('Bearer');
      await ui.arrayBuffer();
      // Nobody is signed in: straight on through the bridge's sign-out, no confirmation.
      const logout = await fetch(meta['end_session_endpoint'] as string, { redirect: 'manual' });
      expect(logout.status).toBe(302);
      await logout.arrayBuffer();
      expect((await fetch(meta['jwks_uri'] as string)).status).toBe(200);
    });

    it('the JWKS publishes an ES256 (P-256) and an RS256 public key, with kid and use=sig and no private parts', async () => {
      const res = await fetch(`${idp.url}/jwks`);
      expect(res.headers.get('content-type')).toContain('application/jwk-set+json');
      const { keys } = (await res.json()) as JSONWebKeySet;
      const es = keys.filter((k) => k.alg === 'ES256');
      const rs = keys.filter((k) => k.alg === 'RS256');
      expect(es.length).toBeGreaterThanOrEqual(1);
      expect(rs.length).toBeGreaterThanOrEqual(1);
      expect(es[0]).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig' });
      expect(rs[0]).toMatchObject({ kty: 'RSA', use: 'sig', e: 'AQAB' });
      for (const key of keys) {
        expect(typeof key.kid).toBe('string');
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key, `${key.kid} ${secret}`).not.toHaveProperty(secret);
      }
      expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
    });
  });

  // --- code flow --------------------------------------------------------------------------------

  describe('authorization code + PKCE', () => {
    it('confidential client, client_secret_basic: login, consent, code, tokens; openid-client validates the ID token', async () => {
      const flow = await codeFlow(webapp, { login: aliceLogin, consent: 'approve', method: 'basic', params: { scope: 'openid email' } });
      expect(flow.outcome.seen).toEqual(['login', 'consent']);
      // The consent page names the client and what it will get.
      const $ = page(flow.outcome.consentHtml!);
      expect($('.realm-url').text()).toBe('Web App');
      expect($('ul.attributes').text()).toContain('alice@example.com');
      // The redirect carried the code, our state and iss.
      const answer = new URL(flow.outcome.location!);
      expect(`${answer.origin}${answer.pathname}`).toBe(redirectUri);
      expect(answer.searchParams.get('state')).toBe(flow.pending.state);
      expect(answer.searchParams.get('iss')).toBe(idp.url);
      expect(flow.tokens.token_type.toLowerCase()).toBe('bearer');
      expect(flow.tokens.expires_in).toBe(3600);
      expect(flow.tokens.scope).toBe('openid email');
      expect(flow.tokens.refresh_token).toBeUndefined(); // no offline_access asked
      await expectIdToken(flow, webapp, alice);
      const info = await client.fetchUserInfo(flow.config, flow.tokens.access_token, flow.claims.sub);
      expect(info).toEqual({ sub: flow.claims.sub, email: 'alice@example.com', email_verified: true });
    });

    it('confidential client, client_secret_post', async () => {
      const flow = await codeFlow(webapp, { login: aliceLogin, consent: 'approve', method: 'post' });
      await expectIdToken(flow, webapp, alice);
      expect((await client.fetchUserInfo(flow.config, flow.tokens.access_token, flow.claims.sub)).sub).toBe(flow.claims.sub);
    });

    it('public client (token_endpoint_auth_method none) with PKCE', async () => {
      const flow = await codeFlow(spa, { login: bobLogin, consent: 'approve', method: 'none' });
      expect(flow.outcome.seen).toEqual(['login', 'consent']);
      await expectIdToken(flow, spa, bob);
      expect(flow.claims.sub).not.toBe(await subOf(alice));
      expect((await client.fetchUserInfo(flow.config, flow.tokens.access_token, flow.claims.sub)).sub).toBe(flow.claims.sub);
    });

    it('userinfo releases exactly the claims of the granted scopes', async () => {
      // A first-party client skips consent; one browser session serves every request.
      const browser = new TestBrowser(idp.url);
      const sub = await subOf(alice);
      const claimsFor = async (scope: string) => {
        const flow = await codeFlow(firstParty, { browser, login: aliceLogin, params: { scope } });
        expect(flow.outcome.seen).not.toContain('consent');
        expect(flow.tokens.scope).toBe(scope);
        return client.fetchUserInfo(flow.config, flow.tokens.access_token, flow.claims.sub);
      };

      expect(await claimsFor('openid')).toEqual({ sub });
      const profile = await claimsFor('openid profile');
      expect(profile).toEqual({
        sub,
        name: 'Alice Liddell',
        nickname: 'ali',
        birthdate: '1990-04-01',
        gender: 'female',
        zoneinfo: 'Europe/London',
        locale: 'en-GB',
        updated_at: expect.any(Number),
        [CUSTOMER_ID_CLAIM]: 'CUST-0042',
      });
      expect(Math.abs((profile['updated_at'] as number) - Math.floor(alice.updateTime / 1000))).toBeLessThanOrEqual(1);
      expect(await claimsFor('openid email')).toEqual({ sub, email: 'alice@example.com', email_verified: true });
      expect(await claimsFor('openid phone')).toEqual({ sub, phone_number: '+441865000000' });
      expect(await claimsFor('openid address')).toEqual({ sub, address: { postal_code: 'OX1 1DP', country: 'GB' } });
      // Bob has no profile data: his email is not verified.
      const bobFlow = await codeFlow(firstParty, { login: bobLogin, params: { scope: 'openid email profile' } });
      const bobInfo = await client.fetchUserInfo(bobFlow.config, bobFlow.tokens.access_token, bobFlow.claims.sub);
      expect(bobInfo).toMatchObject({ sub: await subOf(bob), email: 'bob@example.com', email_verified: false });
      expect(bobInfo).not.toHaveProperty('name');
      expect(bobInfo).not.toHaveProperty(CUSTOMER_ID_CLAIM);
    });

    it('response_mode=form_post: an auto-submitting form to redirect_uri carries code, state and iss', async () => {
      const config = await rp(webapp);
      // A state full of HTML metacharacters must come back exactly, as data, not markup.
      const hostileState = `"><img src=x onerror=alert(1)>&amp;'<`;
      const pending = { ...(await authorizationRequest(config, { response_mode: 'form_post', scope: 'openid email', state: hostileState })), state: hostileState };
      const outcome = await walk(new TestBrowser(idp.url), pending.url.href, { login: aliceLogin, consent: 'approve' });
      expect(outcome.location).toBeUndefined();
      expect(outcome.formPost!.action).toBe(redirectUri);
      const fields = new Map(outcome.formPost!.fields);
      expect([...fields.keys()].sort()).toEqual(['code', 'iss', 'state']);
      expect(fields.get('state')).toBe(pending.state);
      expect(fields.get('iss')).toBe(idp.url);
      const tokens = await redeem(config, pending, outcome);
      expect(tokens.claims()!.nonce).toBe(pending.nonce);
      expect((await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).email).toBe('alice@example.com');
    });

    it('form_post: the answer page posts only to the redirect_uri and allows only its own script', async () => {
      const config = await rp(firstParty);
      const pending = await authorizationRequest(config, { response_mode: 'form_post' });
      const browser = new TestBrowser(idp.url);
      const outcome = await walk(browser, pending.url.href, { login: aliceLogin });
      expect(outcome.formPost!.action).toBe(redirectUri);
      // Again, to look at the page itself (session: no login).
      const again = await authorizationRequest(config, { response_mode: 'form_post' });
      let res = await browser.get(again.url.href);
      while (res.status === 302) res = await browser.get(new URL(res.headers.get('location')!, idp.url).toString());
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9]+'/);
      expect(csp).toContain("default-src 'none'");
      const $ = page(await res.text());
      expect($('form#answer').attr('method')).toBe('post');
      expect($('script').attr('nonce')).toBe(/'nonce-([A-Za-z0-9]+)'/.exec(csp)![1]);
    });
  });

  // --- refresh, reuse, revocation, introspection ----------------------------------------------

  describe('tokens', () => {
    it('refresh tokens rotate; reusing an old one revokes the whole family (newest refresh token and access tokens)', async () => {
      const flow = await codeFlow(firstParty, { login: aliceLogin, params: { scope: 'openid email offline_access' } });
      const { config } = flow;
      const rt1 = flow.tokens.refresh_token!;
      expect(rt1).toBeTruthy();
      const second = await client.refreshTokenGrant(config, rt1);
      const rt2 = second.refresh_token!;
      expect(rt2).toBeTruthy();
      expect(rt2).not.toBe(rt1);
      expect(second.access_token).not.toBe(flow.tokens.access_token);
      // The refreshed ID token is validated by openid-client too (same sub, no nonce).
      expect(second.claims()!.sub).toBe(flow.claims.sub);
      expect(second.claims()!.nonce).toBeUndefined();
      // Wrong kinds of token: an access token is no refresh token, a refresh token no bearer token.
      expect(await oauthError(client.refreshTokenGrant(config, second.access_token))).toMatchObject({ error: 'invalid_grant' });
      expect((await userinfo(rt2)).status).toBe(401);
      expect((await userinfo(second.id_token!)).status).toBe(401);
      // Another client cannot use it (and its attempt does not burn it).
      expect(await oauthError(client.refreshTokenGrant(await rp(other), rt2))).toMatchObject({ error: 'invalid_grant' });
      const third = await client.refreshTokenGrant(config, rt2);
      const rt3 = third.refresh_token!;
      expect(new Set([rt1, rt2, rt3]).size).toBe(3);
      expect((await userinfo(third.access_token)).status).toBe(200);

      // rt1 was already used: a thief or a replay. invalid_grant, and the family dies.
      expect(await oauthError(client.refreshTokenGrant(config, rt1))).toMatchObject({ error: 'invalid_grant', status: 400 });
      expect(await oauthError(client.refreshTokenGrant(config, rt3))).toMatchObject({ error: 'invalid_grant' });
      for (const at of [flow.tokens.access_token, second.access_token, third.access_token]) {
        const ui = await userinfo(at);
        expect(ui.status).toBe(401);
        expect(ui.body['error']).toBe('invalid_token');
        expect(ui.challenge).toBe('Bearer error="invalid_token"');
      }
    });

    // Userinfo answers with the claims of the token's scope, not the grant's.
    it('a refresh may narrow the scope; userinfo then releases only the narrowed scope’s claims', async () => {
      const flow = await codeFlow(firstParty, { login: aliceLogin, params: { scope: 'openid email offline_access' } });
      const narrowed = await client.refreshTokenGrant(flow.config, flow.tokens.refresh_token!, { scope: 'openid offline_access' });
      expect(narrowed.scope).toBe('openid offline_access');
      expect((await client.tokenIntrospection(flow.config, narrowed.access_token)).scope).toBe('openid offline_access');
      // RFC 6749 §6 / OIDC Core §5.4: the access token is limited to the narrowed scope.
      expect(await client.fetchUserInfo(flow.config, narrowed.access_token, flow.claims.sub)).toEqual({ sub: flow.claims.sub });
    });

    // The new refresh token keeps the granted scope (RFC 6749 §6).
    it('narrowing the scope at refresh keeps the refresh token’s own scope (RFC 6749 §6)', async () => {
      const flow = await codeFlow(firstParty, { login: aliceLogin, params: { scope: 'openid email offline_access' } });
      // An access token for less, e.g. just to sign in again.
      const narrowed = await client.refreshTokenGrant(flow.config, flow.tokens.refresh_token!, { scope: 'openid' });
      expect(narrowed.scope).toBe('openid');
      // "If a new refresh token is issued, the refresh token scope MUST be identical to that of the
      // refresh token included by the client in the request": the old one is spent, so a new one
      // must come, and it must still be good for the whole original scope.
      expect(narrowed.refresh_token, 'no refresh token after narrowing: the client lost offline access').toBeTruthy();
      const full = await client.refreshTokenGrant(flow.config, narrowed.refresh_token!);
      expect(full.scope).toBe('openid email offline_access');
    });

    // The scope is checked before the refresh token is spent.
    it('a refused scope widening at refresh does not spend the refresh token (nor revoke the grant)', async () => {
      const flow = await codeFlow(firstParty, { login: aliceLogin, params: { scope: 'openid email offline_access' } });
      const rt = flow.tokens.refresh_token!;
      expect(await oauthError(client.refreshTokenGrant(flow.config, rt, { scope: 'openid email profile offline_access' }))).toMatchObject({
        error: 'invalid_scope',
      });
      // A client's malformed request is not a replay: the refresh token is still unused...
      expect(await client.tokenIntrospection(flow.config, rt), 'the refused request spent the refresh token').toMatchObject({ active: true });
      // ...so it works once, and the grant (with its access token) lives on.
      const next = await client.refreshTokenGrant(flow.config, rt).then(
        (tokens) => ({ ok: true, tokens }),
        (e: unknown) => ({ ok: false, error: e instanceof client.ResponseBodyError ? e.error : String(e) }),
      );
      expect(next).toMatchObject({ ok: true });
      expect((await userinfo(flow.tokens.access_token)).status).toBe(200);
    });

    it('offline_access is dropped for a third-party client unless prompt=consent', async () => {
      const browser = new TestBrowser(idp.url);
      const plain = await codeFlow(webapp, { browser, login: aliceLogin, consent: 'approve', params: { scope: 'openid offline_access' } });
      expect(plain.tokens.scope).toBe('openid');
      expect(plain.tokens.refresh_token).toBeUndefined();
      const asked = await codeFlow(webapp, { browser, consent: 'approve', params: { scope: 'openid offline_access', prompt: 'consent' } });
      expect(asked.tokens.scope).toBe('openid offline_access');
      expect(asked.tokens.refresh_token).toBeTruthy();
    });

    it('a code used twice: invalid_grant, and the tokens from the first use are revoked', async () => {
      const config = await rp(webapp);
      const pending = await authorizationRequest(config, { scope: 'openid email' });
      const outcome = await walk(new TestBrowser(idp.url), pending.url.href, { login: aliceLogin, consent: 'approve' });
      const first = await redeem(config, pending, outcome);
      expect((await userinfo(first.access_token)).status).toBe(200);
      expect(await oauthError(redeem(config, pending, outcome))).toMatchObject({ error: 'invalid_grant', status: 400 });
      expect((await userinfo(first.access_token)).status).toBe(401);
    });

    it('revocation (RFC 7009): an access token stops working at once; the refresh token still works', async () => {
      const flow = await codeFlow(firstParty, { login: aliceLogin, params: { scope: 'openid offline_access' } });
      await client.tokenRevocation(flow.config, flow.tokens.access_token);
      expect((await userinfo(flow.tokens.access_token)).status).toBe(401);
      const refreshed = await client.refreshTokenGrant(flow.config, flow.tokens.refresh_token!);
      expect((await userinfo(refreshed.access_token)).status).toBe(200);
      // Unknown and already revoked tokens: still 200 (RFC 7009 §2.2).
      await client.tokenRevocation(flow.config, flow.tokens.access_token);
      await client.tokenRevocation(flow.config, 'not-a-token');
    });

    it('revocation (RFC 7009): a refresh token revokes its whole family', async () => {
      const flow = await codeFlow(firstParty, { login: aliceLogin, params: { scope: 'openid offline_access' } });
      const refreshed = await client.refreshTokenGrant(flow.config, flow.tokens.refresh_token!);
      await client.tokenRevocation(flow.config, refreshed.refresh_token!, { token_type_hint: 'refresh_token' });
      expect(await oauthError(client.refreshTokenGrant(flow.config, refreshed.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
      expect((await userinfo(refreshed.access_token)).status).toBe(401);
      expect((await userinfo(flow.tokens.access_token)).status).toBe(401);
    });

    it('revocation: a client cannot revoke another client’s token', async () => {
      const flow = await codeFlow(firstParty, { login: aliceLogin });
      await client.tokenRevocation(await rp(other), flow.tokens.access_token);
      expect((await userinfo(flow.tokens.access_token)).status).toBe(200);
    });

    it('introspection (RFC 7662): active, revoked, another client’s token, unauthenticated', async () => {
      const flow = await codeFlow(firstParty, { login: aliceLogin, params: { scope: 'openid email offline_access' } });
      const active = await client.tokenIntrospection(flow.config, flow.tokens.access_token);
      const now = Math.floor(Date.now() / 1000);
      expect(active).toMatchObject({
        active: true,
        scope: 'openid email offline_access',
        client_id: firstParty.client.clientId,
        sub: flow.claims.sub,
        iss: idp.url,
        token_type: 'Bearer',
      });
      expect(active.exp!).toBeGreaterThan(now + 3500);
      expect(active.exp!).toBeLessThanOrEqual(now + 3601);
      const refresh = await client.tokenIntrospection(flow.config, flow.tokens.refresh_token!);
      expect(refresh).toMatchObject({ active: true, client_id: firstParty.client.clientId, sub: flow.claims.sub });

      // Another client asking about this token learns nothing.
      expect(await client.tokenIntrospection(await rp(other, 'post'), flow.tokens.access_token)).toEqual({ active: false });
      // Garbage.
      expect(await client.tokenIntrospection(flow.config, 'not-a-token')).toEqual({ active: false });

      // Unauthenticated (no credentials, wrong secret): 401.
      const bare = await fetch(`${idp.url}/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: flow.tokens.access_token }),
      });
      expect(bare.status).toBe(401);
      expect(await bare.json()).toMatchObject({ error: 'invalid_client' });
      const wrong = await fetch(`${idp.url}/introspect`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${firstParty.client.clientId}:wrong-secret`).toString('base64')}`,
        },
        body: new URLSearchParams({ token: flow.tokens.access_token }),
      });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
      await wrong.arrayBuffer();

      // Revoked → inactive.
      await client.tokenRevocation(flow.config, flow.tokens.access_token);
      expect(await client.tokenIntrospection(flow.config, flow.tokens.access_token)).toEqual({ active: false });
    });

    // Introspection needs real client authentication (RFC 7662 §2.1).
    it('introspection requires an authenticated client: a public client_id alone gets 401 (as discovery advertises)', async () => {
      const flow = await codeFlow(spa, { login: aliceLogin, consent: 'approve', method: 'none' });
      const meta = flow.config.serverMetadata();
      // Discovery says: client_secret_basic / client_secret_post only.
      expect(meta.introspection_endpoint_auth_methods_supported).not.toContain('none');
      const res = await fetch(`${idp.url}/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: spa.client.clientId, token: flow.tokens.access_token }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).not.toMatchObject({ active: true });
      expect(res.status).toBe(401);
      expect(body['error']).toBe('invalid_client');
    });
  });

  // --- prompt, max_age, consent --------------------------------------------------------------

  describe('prompt, max_age and consent', () => {
    it('prompt=none without a session: login_required at the redirect_uri, with state and iss', async () => {
      const config = await rp(firstParty);
      const pending = await authorizationRequest(config, { prompt: 'none' });
      const outcome = await walk(new TestBrowser(idp.url), pending.url.href);
      expect(outcome.seen).toEqual([]);
      const params = new URL(outcome.location!).searchParams;
      expect(params.get('error')).toBe('login_required');
      expect(params.get('state')).toBe(pending.state);
      expect(params.get('iss')).toBe(idp.url);
      expect(params.get('code')).toBeNull();
      // openid-client accepts the response as ours (iss, state) and reports the error.
      expect(await oauthError(redeem(config, pending, outcome))).toEqual({ kind: 'authorization', error: 'login_required' });
    });

    it('prompt=none with a session: a code without any page; consent_required when consent is due', async () => {
      const browser = new TestBrowser(idp.url);
      const first = await codeFlow(firstParty, { browser, login: aliceLogin });
      expect(first.outcome.seen).toEqual(['login']);

      const silent = await codeFlow(firstParty, { browser, params: { prompt: 'none' } });
      expect(silent.outcome.seen).toEqual([]);
      expect(silent.claims.sub).toBe(first.claims.sub);
      expect(silent.claims.auth_time).toBe(first.claims.auth_time);

      // A third-party client the user never approved: consent cannot be asked.
      const config = await rp(webapp);
      const pending = await authorizationRequest(config, { prompt: 'none' });
      const outcome = await walk(browser, pending.url.href);
      expect(outcome.seen).toEqual([]);
      expect(await oauthError(redeem(config, pending, outcome))).toEqual({ kind: 'authorization', error: 'consent_required' });
      const params = new URL(outcome.location!).searchParams;
      expect(params.get('state')).toBe(pending.state);
      expect(params.get('iss')).toBe(idp.url);
    });

    it('max_age: a session older than max_age forces a new password check; auth_time moves forward', async () => {
      const browser = new TestBrowser(idp.url);
      const first = await codeFlow(firstParty, { browser, login: aliceLogin });
      const skewSeconds = 600;
      idp.clock.advance(skewSeconds * 1000);
      try {
        // openid-client must share the server's (advanced) idea of now to accept the new tokens.
        const config = await rp(firstParty, 'basic', { [client.clockSkew]: skewSeconds });
        // Within max_age: the session is reused.
        const recent = await authorizationRequest(config, { max_age: String(skewSeconds + 60) });
        const reused = await walk(browser, recent.url.href);
        expect(reused.seen).toEqual([]);
        const reusedTokens = await redeem(config, recent, reused, { maxAge: skewSeconds + 60 });
        expect(reusedTokens.claims()!.auth_time).toBe(first.claims.auth_time);

        // Older than max_age: the login form again, even though the session is alive.
        const pending = await authorizationRequest(config, { max_age: '60' });
        const outcome = await walk(browser, pending.url.href, { login: aliceLogin });
        expect(outcome.seen).toEqual(['login']);
        const tokens = await redeem(config, pending, outcome, { maxAge: 60 });
        const authTime = tokens.claims()!.auth_time!;
        // prompt=none with a session older than max_age cannot log in again: login_required.
        idp.clock.advance(120_000);
        const stale = await authorizationRequest(config, { prompt: 'none', max_age: '60' });
        const staleOutcome = await walk(browser, stale.url.href);
        expect(staleOutcome.seen).toEqual([]);
        expect(await oauthError(redeem(config, stale, staleOutcome))).toEqual({ kind: 'authorization', error: 'login_required' });
        expect(authTime).toBeGreaterThanOrEqual(first.claims.auth_time! + skewSeconds);
        expect(authTime).toBeLessThanOrEqual(Math.floor(idp.clock.now() / 1000));
      } finally {
        idp.clock.offset = 0;
      }
    });

    it('prompt=login and max_age=0: the login form even with a fresh session; auth_time is the new login', async () => {
      const browser = new TestBrowser(idp.url);
      const first = await codeFlow(firstParty, { browser, login: aliceLogin });
      for (const params of [{ prompt: 'login' }, { max_age: '0' }] as Array<Record<string, string>>) {
        const again = await codeFlow(firstParty, { browser, login: aliceLogin, params });
        expect(again.outcome.seen, JSON.stringify(params)).toEqual(['login']);
        expect(again.claims.auth_time!).toBeGreaterThanOrEqual(first.claims.auth_time!);
        expect(again.claims.sub).toBe(first.claims.sub);
      }
      // And without either: no login form.
      expect((await codeFlow(firstParty, { browser })).outcome.seen).toEqual([]);
    });

    it('consent: asked for a third-party client, remembered with remember=yes, asked again for more scopes', async () => {
      const browser = new TestBrowser(idp.url);
      const first = await codeFlow(other, { browser, login: aliceLogin, consent: 'remember', params: { scope: 'openid profile' } });
      expect(first.outcome.seen).toEqual(['login', 'consent']);
      const $ = page(first.outcome.consentHtml!);
      expect($('.realm-url').text()).toBe('Other App');
      expect($('ul.attributes').text()).toContain('Alice Liddell');

      const second = await codeFlow(other, { browser, params: { scope: 'openid profile' } });
      expect(second.outcome.seen).toEqual([]);
      expect(second.claims.sub).toBe(first.claims.sub);
      // A subset of what was approved needs no consent either.
      expect((await codeFlow(other, { browser, params: { scope: 'openid' } })).outcome.seen).toEqual([]);
      // More than what was approved: asked again.
      const wider = await codeFlow(other, { browser, consent: 'approve', params: { scope: 'openid profile email' } });
      expect(wider.outcome.seen).toEqual(['consent']);
      // prompt=consent forces the page even when remembered.
      const forced = await codeFlow(other, { browser, consent: 'approve', params: { scope: 'openid', prompt: 'consent' } });
      expect(forced.outcome.seen).toEqual(['consent']);
      // Opting out of remembering: the third-party webapp asks every time.
      const once = await codeFlow(webapp, { browser, consent: 'once' });
      expect(once.outcome.seen).toEqual(['consent']);
      expect((await codeFlow(webapp, { browser, consent: 'once' })).outcome.seen).toEqual(['consent']);
    });

    it('consent: an allowed third-party app is remembered unless the user opts out; listed and withdrawable on /account/apps', async () => {
      const browser = new TestBrowser(idp.url);
      const first = await codeFlow(webapp, { browser, login: aliceLogin, consent: 'approve' });
      expect(first.outcome.seen).toEqual(['login', 'consent']);
      const $ = page(first.outcome.consentHtml!);
      expect($('input[name=remember]').is('[checked]')).toBe(true); // the box starts ticked
      expect($('a[href="/account/apps"]').length).toBe(1);
      // Allowed once with the page as it is: not asked again.
      expect((await codeFlow(webapp, { browser })).outcome.seen).toEqual([]);

      // The remembered app is listed, and withdrawing it brings the page back.
      const listing = await browser.get(`${idp.url}/account/apps`);
      expect(listing.status).toBe(200);
      const html = await listing.text();
      expect(page(html)('li strong').text()).toBe('Web App');
      expect((await browser.submit(html, {}, 'form[action="/account/apps/revoke"]', `${idp.url}/account/apps`)).status).toBe(303);
      expect((await codeFlow(webapp, { browser, consent: 'once' })).outcome.seen).toEqual(['consent']);
      // Opting out (box unticked) remembered nothing.
      expect((await codeFlow(webapp, { browser, consent: 'once' })).outcome.seen).toEqual(['consent']);
    });

    it('consent: skipped for a trusted client, unless prompt=consent', async () => {
      const browser = new TestBrowser(idp.url);
      const skipped = await codeFlow(firstParty, { browser, login: aliceLogin, params: { scope: 'openid profile email' } });
      expect(skipped.outcome.seen).toEqual(['login']);
      const forced = await codeFlow(firstParty, { browser, consent: 'approve', params: { scope: 'openid profile email', prompt: 'consent' } });
      expect(forced.outcome.seen).toEqual(['consent']);
      expect(page(forced.outcome.consentHtml!)('.realm-url').text()).toBe('First Party');
    });

    it('deny on the consent page → access_denied at the redirect_uri, no code', async () => {
      const config = await rp(webapp);
      const pending = await authorizationRequest(config, { scope: 'openid email' });
      const outcome = await walk(new TestBrowser(idp.url), pending.url.href, { login: aliceLogin, consent: 'deny' });
      expect(outcome.seen).toEqual(['login', 'consent']);
      const params = new URL(outcome.location!).searchParams;
      expect(params.get('error')).toBe('access_denied');
      expect(params.get('code')).toBeNull();
      expect(params.get('state')).toBe(pending.state);
      expect(await oauthError(redeem(config, pending, outcome))).toEqual({ kind: 'authorization', error: 'access_denied' });
    });
  });

  // --- logout -----------------------------------------------------------------------------------

  describe('RP-initiated logout', () => {
    it('with id_token_hint, post_logout_redirect_uri and state: through the bridge /signout back to the client; session and tokens gone', async () => {
      const browser = new TestBrowser(idp.url);
      const flow = await codeFlow(webapp, {
        browser,
        login: aliceLogin,
        consent: 'approve',
        params: { scope: 'openid email offline_access', prompt: 'consent' },
      });
      expect(flow.tokens.refresh_token).toBeTruthy();
      expect(browser.cookies.has('idb_bridge_session')).toBe(true);
      expect(browser.cookies.has('idb_idp_session')).toBe(true);

      const endSession = client.buildEndSessionUrl(flow.config, {
        id_token_hint: flow.tokens.id_token!,
        post_logout_redirect_uri: postLogoutUri,
        state: 'bye-123',
      });
      expect(endSession.href.startsWith(`${idp.url}/logout?`)).toBe(true);
      const outcome = await walk(browser, endSession.href);
      const paths = outcome.visited.map((u) => new URL(u).pathname);
      expect(paths).toEqual(['/logout', '/signout', '/logout/done']);
      expect(new URL(outcome.visited[1]!).searchParams.get('continue')).toBe(`${idp.url}/logout/done`);
      // The identity service's logout token lets the bridge end its session without asking again.
      expect(new URL(outcome.visited[1]!).searchParams.get('logout_token')).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{43}$/);
      const back = new URL(outcome.location!);
      expect(`${back.origin}${back.pathname}`).toBe(postLogoutUri);
      expect(back.searchParams.get('state')).toBe('bye-123');
      expect(browser.cookies.has('idb_bridge_session')).toBe(false);
      expect(browser.cookies.has('idb_idp_session')).toBe(false);

      // The grant's tokens are revoked.
      expect((await userinfo(flow.tokens.access_token)).status).toBe(401);
      expect(await oauthError(client.refreshTokenGrant(flow.config, flow.tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
      // The bridge session is gone: a new request shows the login form (and prompt=none fails).
      const config = await rp(firstParty);
      const silent = await authorizationRequest(config, { prompt: 'none' });
      expect(new URL((await walk(browser, silent.url.href)).location!).searchParams.get('error')).toBe('login_required');
      const pending = await authorizationRequest(config);
      const again = await walk(browser, pending.url.href, { login: aliceLogin });
      expect(again.seen).toEqual(['login']);
    });

    // One identity-service session (sid) per browser and user, across clients.
    it('logout ends the browser’s identity-service session for every client it signed in to', async () => {
      // Two clients signed in in the same browser; the RP of the first one logs the user out.
      const browser = new TestBrowser(idp.url);
      const a = await codeFlow(firstParty, { browser, login: aliceLogin });
      const b = await codeFlow(webapp, { browser, consent: 'approve' });
      expect(b.outcome.seen).not.toContain('login');
      // One browser, one identity-service session: the same sid for every client (Front-Channel Logout 1.0 §3).
      expect.soft(b.claims['sid'], 'sid of the second client').toBe(a.claims['sid']);
      const endSession = client.buildEndSessionUrl(a.config, { id_token_hint: a.tokens.id_token!, post_logout_redirect_uri: postLogoutUri });
      const outcome = await walk(browser, endSession.href);
      expect(new URL(outcome.location!).pathname).toBe('/logged-out');
      // The user is signed out: the tokens of the RP that asked must not outlive the session,
      // nor those of the other client signed in in that browser session.
      expect((await userinfo(b.tokens.access_token)).status, 'client b (latest sign-in)').toBe(401);
      expect((await userinfo(a.tokens.access_token)).status, 'client a (asked for the logout)').toBe(401);
    });

    it('without id_token_hint: a confirmation page; confirming signs out and shows a signed-out page', async () => {
      const browser = new TestBrowser(idp.url);
      const flow = await codeFlow(firstParty, { browser, login: aliceLogin });
      const res = await browser.get(`${idp.url}/logout`);
      expect(res.status).toBe(200);
      const html = await res.text();
      const $ = page(html);
      expect($('h1').text()).toBe('Sign out?');
      expect($('form').attr('action')).toBe('/logout/confirm');
      // Nothing happened yet.
      expect((await userinfo(flow.tokens.access_token)).status).toBe(200);
      expect(browser.cookies.has('idb_bridge_session')).toBe(true);

      let next = await browser.submit(html);
      const visited: string[] = [];
      while (next.status === 302) {
        const location = new URL(next.headers.get('location')!, idp.url).toString();
        visited.push(new URL(location).pathname);
        next = await browser.get(location);
      }
      expect(visited).toEqual(['/signout', '/logout/done']);
      expect(next.status).toBe(200);
      expect(page(await next.text())('h1').text()).toBe('You are signed out');
      expect(browser.cookies.has('idb_bridge_session')).toBe(false);
      expect((await userinfo(flow.tokens.access_token)).status).toBe(401);
    });

    it('nobody signed in: no question, "You are signed out", or straight back to a valid post_logout_redirect_uri', async () => {
      const follow = async (browser: TestBrowser, url: string) => {
        let res = await browser.get(url);
        const visited: string[] = [];
        while (res.status === 302) {
          const location = new URL(res.headers.get('location')!, idp.url).toString();
          visited.push(location);
          if (!location.startsWith(idp.url)) break;
          res = await browser.get(location);
        }
        return { res, visited };
      };
      const plain = await follow(new TestBrowser(idp.url), `${idp.url}/logout`);
      expect(plain.visited.map((u) => new URL(u).pathname)).toEqual(['/signout', '/logout/done']);
      expect(page(await plain.res.text())('h1').text()).toBe('You are signed out');

      const q = new URLSearchParams({ client_id: firstParty.client.clientId, post_logout_redirect_uri: postLogoutUri, state: 'st-1' });
      const back = await follow(new TestBrowser(idp.url), `${idp.url}/logout?${q}`);
      expect(back.visited.at(-1)).toBe(`${postLogoutUri}?state=st-1`);
      // An unregistered post_logout_redirect_uri is still refused, signed in or not.
      const bad = new URLSearchParams({ client_id: firstParty.client.clientId, post_logout_redirect_uri: 'https://evil.example/' });
      await expectErrorPage(await new TestBrowser(idp.url).get(`${idp.url}/logout?${bad}`));
    });

    it('signed in, no hint: the confirmation page offers Cancel, back to the client (or to a still-signed-in page)', async () => {
      const browser = new TestBrowser(idp.url);
      const flow = await codeFlow(firstParty, { browser, login: aliceLogin });
      const q = new URLSearchParams({ client_id: firstParty.client.clientId, post_logout_redirect_uri: postLogoutUri });
      const $ = page(await (await browser.get(`${idp.url}/logout?${q}`)).text());
      expect($('h1').text()).toBe('Sign out?');
      expect($('form .actions button[type=submit]').text()).toBe('Sign out');
      expect($('form .actions a').text()).toBe('Cancel');
      expect($('form .actions a').attr('href')).toBe(`${new URL(postLogoutUri).origin}/`);
      const anonymous = page(await (await browser.get(`${idp.url}/logout`)).text());
      expect(anonymous('form .actions a').attr('href')).toBe('/logout/cancelled');
      const cancelled = await browser.get(`${idp.url}/logout/cancelled`);
      expect(page(await cancelled.text())('h1').text()).toBe('You are still signed in');
      // Cancelling changed nothing.
      expect((await userinfo(flow.tokens.access_token)).status).toBe(200);
    });

    it('with a client_id but no hint, post_logout_redirect_uri goes through the confirmation page', async () => {
      const browser = new TestBrowser(idp.url);
      await codeFlow(firstParty, { browser, login: aliceLogin });
      // A hostile state is shown as data in the hidden field, never as markup.
      const evil = new URLSearchParams({ client_id: firstParty.client.clientId, post_logout_redirect_uri: postLogoutUri, state: '"><script>alert(1)</script>' });
      const evilPage = await browser.get(`${idp.url}/logout?${evil}`);
      const evilHtml = await evilPage.text();
      expect(evilHtml).not.toContain('<script>alert(1)');
      expect(page(evilHtml)('input[name=state]').attr('value')).toBe('"><script>alert(1)</script>');
      // post_logout_redirect_uri without anything naming the client: refused (no open redirect).
      const open = new URLSearchParams({ post_logout_redirect_uri: postLogoutUri });
      await expectErrorPage(await browser.get(`${idp.url}/logout?${open}`));

      const q = new URLSearchParams({ client_id: firstParty.client.clientId, post_logout_redirect_uri: postLogoutUri, state: 's1' });
      const res = await browser.get(`${idp.url}/logout?${q}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      const outcome: string[] = [];
      let next = await browser.submit(html);
      while (next.status === 302) {
        const location = new URL(next.headers.get('location')!, idp.url).toString();
        outcome.push(location);
        if (!ours(location)) break;
        next = await browser.get(location);
      }
      expect(outcome.at(-1)).toBe(`${postLogoutUri}?state=s1`);
    });
  });

  // --- keys ---------------------------------------------------------------------------------------

  describe('signing keys', () => {
    it('after rotation, tokens signed before still verify (the old kid stays published); new tokens use the new kid', async () => {
      const browser = new TestBrowser(idp.url);
      const before = await codeFlow(firstParty, { browser, login: aliceLogin, params: { scope: 'openid offline_access' } });
      const oldKid = decodeProtectedHeader(before.tokens.id_token!).kid!;
      expect((await jwks()).keys.map((k) => k.kid)).toContain(oldKid);

      const newKids = await idp.server.services.signingKeys.rotate();
      expect(newKids).toHaveLength(2);
      expect(newKids).not.toContain(oldKid);
      const published = await jwks();
      const kids = published.keys.map((k) => k.kid);
      expect(kids).toContain(oldKid);
      for (const kid of newKids) expect(kids).toContain(kid);

      // The old token still verifies against the published set.
      const old = await jwtVerify(before.tokens.id_token!, createLocalJWKSet(published), { issuer: idp.url, audience: firstParty.client.clientId });
      expect(old.protectedHeader.kid).toBe(oldKid);

      // New tokens: a new RS256 kid, validated by a fresh openid-client configuration (fresh JWKS cache).
      const after = await codeFlow(firstParty, { browser });
      const newKid = decodeProtectedHeader(after.tokens.id_token!).kid!;
      expect(newKid).not.toBe(oldKid);
      expect(newKids).toContain(newKid);
      // A refresh of the pre-rotation grant also signs with the new key.
      const refreshed = await client.refreshTokenGrant(await rp(firstParty), before.tokens.refresh_token!);
      expect(decodeProtectedHeader(refreshed.id_token!).kid).toBe(newKid);
      // The old ID token still works as a logout hint (signature checked against the JWKS).
      const q = new URLSearchParams({ id_token_hint: before.tokens.id_token!, post_logout_redirect_uri: postLogoutUri });
      const logout = await walk(browser, `${idp.url}/logout?${q}`);
      expect(logout.location).toBe(postLogoutUri);
    });
  });

  // --- OpenID 2.0 migration --------------------------------------------------------------------

  describe('OpenID 2.0 migration', () => {
    it('openid2_realm: the ID token’s openid2_id is the claimed identifier the OpenID 2.0 provider asserts', async () => {
      const realm = `${rpOrigin}/`;
      const browser = new TestBrowser(idp.url);
      const openid2 = new OpenIdRelyingParty({ returnUrl: `${realm}return`, realm, stateless: true });
      const assertion = await walk(browser, await openid2.authenticate(`${idp.url}/openid`), { login: aliceLogin, consent: 'approve' });
      expect(assertion.seen).toEqual(['login', 'consent']);
      const verified = await openid2.verify(assertion.location!);
      expect(verified.error).toBeUndefined();
      expect(verified.authenticated).toBe(true);
      const claimedIdentifier = verified.result!.claimedIdentifier!;
      expect(claimedIdentifier.startsWith(`${idp.url}/id/`)).toBe(true);

      const flow = await codeFlow(webapp, { browser, consent: 'approve', params: { openid2_realm: realm } });
      expect(flow.claims['openid2_id']).toBe(claimedIdentifier);
      // The same user: the claimed identifier ends in the OIDC subject.
      expect(claimedIdentifier).toBe(`${idp.url}/id/${flow.claims.sub}`);

      // Without the realm, no openid2_id.
      const plain = await codeFlow(webapp, { browser, consent: 'approve' });
      expect(plain.claims).not.toHaveProperty('openid2_id');

      // A realm that does not cover the redirect_uri is refused (redirected error, no code).
      const config = await rp(webapp);
      const pending = await authorizationRequest(config, { openid2_realm: 'http://elsewhere.example.test/' });
      expectErrorRedirect(await browser.get(pending.url.href), 'invalid_request', pending.state);
    });
  });

  // --- hostile requests ------------------------------------------------------------------------

  describe('hostile requests: the right error, and never a code or token', () => {
    /** Authorization URL from parts, to build what openid-client would refuse to. */
    function authorizeUrl(params: Array<[string, string]>): string {
      return `${idp.url}/authorize?${new URLSearchParams(params)}`;
    }
    const base = (reg: Registered, extra: Record<string, string> = {}): Array<[string, string]> =>
      Object.entries({
        client_id: reg.client.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        state: 'st-1',
        nonce: 'n-1',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        ...extra,
      });

    it('the Verify URL names the client (client_name), and an error on its pending request leads back to it', async () => {
      const browser = new TestBrowser(idp.url);
      const res = await browser.get(authorizeUrl(base(webapp)));
      expect(res.status).toBe(302);
      const verify = new URL(res.headers.get('location')!);
      expect(verify.searchParams.get('client_name')).toBe('Web App');
      const login = page(await (await browser.get(verify.toString())).text());
      expect(login('.realm').text().replace(/\s+/g, ' ')).toBe('to continue to Web App');
      // Another browser arriving at the Return URL with this request id: refused, with a way back.
      const requestId = verify.searchParams.get('request_id')!;
      const stranger = await new TestBrowser(idp.url).get(`${idp.url}/ows_return?request_id=${requestId}`);
      expect(stranger.status).toBe(403);
      const $ = page(await stranger.text());
      expect($('h1').text()).toBe('Started in another browser');
      expect($('a.button').text()).toBe('Back to Web App');
      expect($('a.button').attr('href')).toBe(`${rpOrigin}/`);
    });

    it('redirect_uri variants (added path, added query, other port, trailing slash, other host, other scheme) → error page, no redirect', async () => {
      const port = Number(new URL(rpOrigin).port);
      const variants = [
        `${redirectUri}/extra`,
        `${redirectUri}?next=1`,
        `http://127.0.0.1:${port + 1}/cb`,
        `${redirectUri}/`,
        `http://localhost:${port}/cb`,
        `https://127.0.0.1:${port}/cb`,
        `${rpOrigin}/CB`,
        `${redirectUri}#frag`,
      ];
      const browser = new TestBrowser(idp.url);
      for (const variant of variants) {
        const html = await expectErrorPage(await browser.get(authorizeUrl(base(webapp, { redirect_uri: variant }))));
        expect(page(html)('h1').text(), variant).toBe('This link did not work');
      }
      // Missing entirely.
      await expectErrorPage(await browser.get(authorizeUrl(base(webapp).filter(([k]) => k !== 'redirect_uri'))));
    });

    it('unknown or missing client_id → error page', async () => {
      const browser = new TestBrowser(idp.url);
      await expectErrorPage(await browser.get(authorizeUrl(base(webapp, { client_id: 'c_unknown' }))));
      await expectErrorPage(await browser.get(authorizeUrl(base(webapp).filter(([k]) => k !== 'client_id'))));
    });

    it('PKCE: missing for a public client, or method plain → invalid_request at the redirect_uri', async () => {
      const browser = new TestBrowser(idp.url);
      const noPkce = base(spa).filter(([k]) => k !== 'code_challenge' && k !== 'code_challenge_method');
      expectErrorRedirect(await browser.get(authorizeUrl(noPkce)), 'invalid_request', 'st-1');
      const plain = base(spa, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
      expectErrorRedirect(await browser.get(authorizeUrl(plain)), 'invalid_request', 'st-1');
      // Also for a confidential client: plain is never accepted, nor a challenge without method.
      expectErrorRedirect(await browser.get(authorizeUrl(base(webapp, { code_challenge_method: 'plain' }))), 'invalid_request', 'st-1');
      const noMethod = base(webapp).filter(([k]) => k !== 'code_challenge_method');
      expectErrorRedirect(await browser.get(authorizeUrl(noMethod)), 'invalid_request', 'st-1');
    });

    it('a wrong or missing code_verifier → invalid_grant', async () => {
      const config = await rp(spa);
      const pending = await authorizationRequest(config);
      const outcome = await walk(new TestBrowser(idp.url), pending.url.href, { login: aliceLogin, consent: 'approve' });
      const wrong = { ...pending, verifier: client.randomPKCECodeVerifier() };
      expect(await oauthError(redeem(config, wrong, outcome))).toMatchObject({ error: 'invalid_grant', status: 400 });
      // No verifier at all is refused the same way (on a fresh code).
      const fresh = await authorizationRequest(config);
      const freshOutcome = await walk(new TestBrowser(idp.url), fresh.url.href, { login: aliceLogin, consent: 'approve' });
      const code = new URL(freshOutcome.location!).searchParams.get('code')!;
      const res = await fetch(`${idp.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: spa.client.clientId }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('an expired code → invalid_grant', async () => {
      const config = await rp(webapp);
      const pending = await authorizationRequest(config);
      const outcome = await walk(new TestBrowser(idp.url), pending.url.href, { login: aliceLogin, consent: 'approve' });
      idp.clock.advance((idp.server.services.config.identity.oidc.codeTtlSeconds + 1) * 1000);
      try {
        expect(await oauthError(redeem(config, pending, outcome))).toMatchObject({ error: 'invalid_grant' });
      } finally {
        idp.clock.offset = 0;
      }
    });

    it('a wrong client secret → invalid_client 401 with a Basic challenge; the code is not spent', async () => {
      const config = await rp(webapp);
      const pending = await authorizationRequest(config);
      const outcome = await walk(new TestBrowser(idp.url), pending.url.href, { login: aliceLogin, consent: 'approve' });
      const code = new URL(outcome.location!).searchParams.get('code')!;
      const form = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pending.verifier };
      const basic = await fetch(`${idp.url}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${webapp.client.clientId}:${'x'.repeat(43)}`).toString('base64')}`,
        },
        body: new URLSearchParams(form),
      });
      expect(basic.status).toBe(401);
      expect(basic.headers.get('www-authenticate')).toMatch(/^Basic /);
      const body = (await basic.json()) as Record<string, unknown>;
      expect(body['error']).toBe('invalid_client');
      expect(body).not.toHaveProperty('access_token');
      const post = await fetch(`${idp.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form, client_id: webapp.client.clientId, client_secret: other.clientSecret! }),
      });
      expect(post.status).toBe(401);
      expect(await post.json()).toMatchObject({ error: 'invalid_client' });
      // Failed client authentication did not spend the code: the rightful client redeems it.
      const tokens = await redeem(config, pending, outcome);
      expect((await userinfo(tokens.access_token)).status).toBe(200);

      // Another client's valid credentials cannot redeem a code issued to this one.
      const stolen = await authorizationRequest(config);
      const stolenOutcome = await walk(new TestBrowser(idp.url), stolen.url.href, { login: aliceLogin, consent: 'approve' });
      expect(await oauthError(redeem(await rp(other), stolen, stolenOutcome))).toMatchObject({ error: 'invalid_grant' });
    });

    it('id_token_hint with alg none, or signed with a foreign key, at /logout → 400 error page; the session survives', async () => {
      const browser = new TestBrowser(idp.url);
      const flow = await codeFlow(firstParty, { browser, login: aliceLogin });
      const real = decodeJwt(flow.tokens.id_token!);
      const realHeader = decodeProtectedHeader(flow.tokens.id_token!);
      const payload: JWTPayload = { ...real, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 };
      const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
      const foreignKey = await generateKeyPair('RS256');
      const foreign = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: realHeader.kid!, typ: 'JWT' }).sign(foreignKey.privateKey);
      // HS256 with our RSA public key as the "secret" (algorithm confusion).
      const rsaJwk = (await jwks()).keys.find((k) => k.kid === realHeader.kid)!;
      const confused = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', kid: realHeader.kid! })
        .sign(new TextEncoder().encode(JSON.stringify(rsaJwk)));
      const tampered = (() => {
        const [h, , s] = flow.tokens.id_token!.split('.');
        return `${h}.${b64({ ...real, sub: 'someone-else' })}.${s}`;
      })();

      for (const [name, hint] of Object.entries({ none, foreign, confused, tampered })) {
        const q = new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: postLogoutUri, state: 'x' });
        const html = await expectErrorPage(await browser.get(`${idp.url}/logout?${q}`));
        expect(page(html)('p').text(), name).toContain('id_token_hint');
      }
      // Unregistered post_logout_redirect_uri with a valid hint: refused too.
      const q = new URLSearchParams({ id_token_hint: flow.tokens.id_token!, post_logout_redirect_uri: `${rpOrigin}/evil` });
      await expectErrorPage(await browser.get(`${idp.url}/logout?${q}`));

      // Nothing was ended: cookies, bridge session and tokens are intact.
      expect(browser.cookies.has('idb_bridge_session')).toBe(true);
      expect(browser.cookies.has('idb_idp_session')).toBe(true);
      expect((await userinfo(flow.tokens.access_token)).status).toBe(200);
      const silent = await codeFlow(firstParty, { browser, params: { prompt: 'none' } });
      expect(silent.outcome.seen).toEqual([]);
    });

    it('oversized parameters → error, no code', async () => {
      const browser = new TestBrowser(idp.url);
      // 10 kB state in the query: refused before anything is parsed.
      await expectErrorPage(await browser.get(authorizeUrl(base(webapp, { state: 's'.repeat(10_000) }))));
      // 10 kB state in a POST body: refused too (parameter length cap), not echoed.
      const posted = await browser.post(`${idp.url}/authorize`, new URLSearchParams(base(webapp, { state: 's'.repeat(10_000) })));
      const html = await expectErrorPage(posted);
      expect(html).not.toContain('s'.repeat(100));
      // Over the parameter length cap but within the URL limit: refused before anything is echoed.
      await expectErrorPage(await browser.get(authorizeUrl(base(webapp, { state: 's'.repeat(3000) }))));
      // An oversized nonce and login_hint: refused.
      await expectErrorPage(await browser.get(authorizeUrl(base(webapp, { nonce: 'n'.repeat(5000) }))));
      const hint = await browser.get(authorizeUrl(base(webapp, { login_hint: 'h'.repeat(400) })));
      expectErrorRedirect(hint, 'invalid_request', 'st-1');
    });

    it('repeated parameters (redirect_uri, scope, client_id, state) → error page, no code', async () => {
      const browser = new TestBrowser(idp.url);
      for (const [name, value] of [
        ['redirect_uri', redirectUri],
        ['scope', 'openid email'],
        ['client_id', webapp.client.clientId],
        ['state', 'other'],
        ['response_type', 'code'],
      ] as const) {
        await expectErrorPage(await browser.get(authorizeUrl([...base(webapp), [name, value]])));
      }
      // Repeated at the token endpoint too.
      const res = await fetch(`${idp.url}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${webapp.client.clientId}:${webapp.clientSecret}`).toString('base64')}`,
        },
        body: 'grant_type=authorization_code&code=a&code=b&redirect_uri=' + encodeURIComponent(redirectUri),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('response_type=token (or id_token, or code id_token) → unsupported_response_type at the redirect_uri', async () => {
      const browser = new TestBrowser(idp.url);
      for (const responseType of ['token', 'id_token', 'code id_token', 'code token']) {
        const res = await browser.get(authorizeUrl(base(webapp, { response_type: responseType })));
        const params = expectErrorRedirect(res, 'unsupported_response_type', 'st-1');
        expect(params.get('access_token')).toBeNull();
        expect(params.get('id_token')).toBeNull();
        expect(new URL(res.headers.get('location')!).hash).toBe('');
      }
    });

    it('scope without openid → invalid_scope; request objects → request_not_supported', async () => {
      const browser = new TestBrowser(idp.url);
      expectErrorRedirect(await browser.get(authorizeUrl(base(webapp, { scope: 'email' }))), 'invalid_scope', 'st-1');
      expectErrorRedirect(await browser.get(authorizeUrl(base(webapp, { request: 'eyJhbGciOiJub25lIn0.e30.' }))), 'request_not_supported', 'st-1');
    });

    it('the token endpoint: unsupported grant types, a code at the wrong redirect_uri', async () => {
      const auth = `Basic ${Buffer.from(`${webapp.client.clientId}:${webapp.clientSecret}`).toString('base64')}`;
      const token = (form: Record<string, string>) =>
        fetch(`${idp.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth }, body: new URLSearchParams(form) });
      for (const grant of ['password', 'client_credentials', 'implicit']) {
        const res = await token({ grant_type: grant, username: 'alice', password: PASSWORD });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: 'unsupported_grant_type' });
      }
      const config = await rp(webapp);
      const pending = await authorizationRequest(config);
      const outcome = await walk(new TestBrowser(idp.url), pending.url.href, { login: aliceLogin, consent: 'approve' });
      const code = new URL(outcome.location!).searchParams.get('code')!;
      const res = await token({ grant_type: 'authorization_code', code, redirect_uri: `${rpOrigin}/other`, code_verifier: pending.verifier });
      expect(res.status).toBe(400);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body['error']).toBe('invalid_grant');
      expect(body).not.toHaveProperty('access_token');
    });

    it('admin API: 401 without or with a wrong bearer token, 201 with the right one', async () => {
      const body = JSON.stringify({ name: 'Admin Made', redirect_uris: [`${rpOrigin}/admin-cb`] });
      const post = (authorization?: string) =>
        fetch(`${idp.url}/admin/clients`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body,
        });
      const anonymous = await post();
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      expect(await anonymous.json()).toMatchObject({ error: 'unauthorized' });
      const wrong = await post(`Bearer ${ADMIN_TOKEN}x`);
      expect(wrong.status).toBe(401);
      await wrong.arrayBuffer();
      const basic = await post(`Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`);
      expect(basic.status).toBe(401);
      await basic.arrayBuffer();

      const created = await post(`Bearer ${ADMIN_TOKEN}`);
      expect(created.status).toBe(201);
      const view = (await created.json()) as Record<string, unknown>;
      expect(view).toMatchObject({
        name: 'Admin Made',
        redirect_uris: [`${rpOrigin}/admin-cb`],
        public: false,
        trusted: false,
        token_endpoint_auth_method: 'client_secret_basic',
      });
      expect(typeof view['client_id']).toBe('string');
      expect(typeof view['client_secret']).toBe('string');
      expect(view).not.toHaveProperty('secret_hash');
      const listed = await fetch(`${idp.url}/admin/clients`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const { clients } = (await listed.json()) as { clients: Array<Record<string, unknown>> };
      expect(clients.map((c) => c['client_id'])).toContain(view['client_id']);
      expect(JSON.stringify(clients)).not.toContain(view['client_secret'] as string);
      // Listing needs the token as well.
      expect((await fetch(`${idp.url}/admin/clients`)).status).toBe(401);
    });
  });
});

/**
 * Sign-in with upstream connectors, end to end over real HTTP on loopback: panva oidc-provider as
 * a Google-like and an eID-like upstream, a small OAuth-2.0-only upstream, idbridge all-in-one,
 * and openid-client / `openid` as the relying parties. A cookie-keeping test browser follows
 * every redirect between them and stops at the relying party or at a page.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { nationalIdHash } from '../../src/connectors/connector-sign-in.js';
import { nodeFetch } from '../../src/entry/node/fetch.js';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser } from '../../src/users/create-user.js';
import type { DirectoryUser } from '../../src/users/user.js';
import { utf8 } from '../../src/util/bytes.js';
import { deriveSecret } from '../../src/util/secret-box.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';
import { OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { startOAuth2Upstream, startUpstreamOp, type OAuth2Upstream, type UpstreamOp } from '../helpers/upstream-op.js';
import { freePort } from '../helpers/walk.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'test-secret-test-secret-test-secret-0123456789';

interface Hop {
  status: number;
  url: string;
  html: string;
  location?: string;
}

describe('upstream connectors end to end', () => {
  let server: RunningServer;
  let url: string;
  let google: UpstreamOp;
  let eid: UpstreamOp;
  let oauth: OAuth2Upstream;
  let rpOrigin: string;
  let redirectUri: string;
  let rpClient: { clientId: string; clientSecret: string };
  let carol: DirectoryUser;
  let dave: DirectoryUser;
  const logger = memoryLogger();
  const clock = new TestClock();
  /** Token responses pass through here: a test may tamper with the upstream's ID token. */
  const tamper: { idToken?: (jwt: string) => string } = {};

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const cb = (id: string) => `${url}/connectors/${id}/callback`;
    google = await startUpstreamOp({
      clients: [
        { client_id: 'social', client_secret: 'social-secret', redirect_uris: [cb('social')] },
        { client_id: 'linker', client_secret: 'linker-secret', redirect_uris: [cb('linker')] },
      ],
      accounts: [
        { sub: 'g-new', email: 'newbie@example.com', email_verified: true, name: 'New Bie' },
        { sub: 'g-carol', email: 'carol@example.com', email_verified: true, name: 'Carol' },
        { sub: 'g-unverified', email: 'carol@example.com', email_verified: false, name: 'Not Carol' },
      ],
      acrValues: ['urn:google:pwd'],
    });
    eid = await startUpstreamOp({
      clients: [{ client_id: 'eid', client_secret: 'eid-secret', redirect_uris: [cb('eid')] }],
      accounts: [
        { sub: 'sisu-1', ssn: '010190-123A', name: 'Dave Eid' },
        { sub: 'sisu-2', ssn: '020290-999B', name: 'Nobody Here' },
        { sub: 'sisu-3', name: 'No SSN' },
      ],
      acrValues: ['mobileauth', 'password'],
    });
    oauth = await startOAuth2Upstream({ clientId: 'fb', clientSecret: 'fb-secret', profiles: [{ id: '1001', name: 'Face Book', email: 'fb@example.com' }] });
    const downPort = await freePort();

    const config = loadConfig(
      { ...envOf(testConfig()), IDBRIDGE_PUBLIC_URL: url, PORT: String(port), IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '', IDBRIDGE_DEMO: 'false', SOCIAL_SECRET: 'social-secret', LINKER_SECRET: 'linker-secret', EID_SECRET: 'eid-secret', FB_SECRET: 'fb-secret' },
      {
        document: {
          name: 'test.yaml',
          data: {
            connectors: [
              { id: 'social', kind: 'google', issuer: google.issuer, allowInsecure: true, clientId: 'social', clientSecret: '${SOCIAL_SECRET}', policy: 'create' },
              { id: 'linker', kind: 'oidc', label: 'Linker', issuer: google.issuer, allowInsecure: true, clientId: 'linker', clientSecret: '${LINKER_SECRET}', policy: 'link-by-email' },
              { id: 'eid', kind: 'sisuid', issuer: eid.issuer, allowInsecure: true, clientId: 'eid', clientSecret: '${EID_SECRET}', scopes: ['openid', 'profile', 'government_ids'] },
              {
                id: 'fb',
                kind: 'facebook',
                authorizationUrl: `${oauth.origin}/authorize`,
                tokenUrl: `${oauth.origin}/token`,
                profileUrl: `${oauth.origin}/me`,
                allowInsecure: true,
                clientId: 'fb',
                clientSecret: '${FB_SECRET}',
                timeoutMs: 1000,
              },
              { id: 'down', kind: 'oidc', label: 'Down', issuer: `http://127.0.0.1:${downPort}`, allowInsecure: true, clientId: 'x', clientSecret: '${FB_SECRET}', policy: 'create' },
            ],
          },
        },
      },
    );
    const base = nodeFetch();
    const fetch = async (input: string, init: RequestInit) => {
      const response = await base(input, init);
      if (!tamper.idToken || !input.endsWith('/token')) return response;
      const body = (await response.json()) as Record<string, string>;
      return new Response(JSON.stringify({ ...body, id_token: tamper.idToken(body['id_token']!) }), { status: response.status, headers: { 'content-type': 'application/json' } });
    };
    server = await startServer(config, { logger, deps: { clock, fetch } });
    const store = { store: server.services.userStore, hasher: server.services.hasher, now: clock.now() };
    carol = await createUser({ email: 'carol@example.com', username: 'carol', password: PASSWORD, emailVerified: true }, store);
    // Dave's national id, as the operator stored it: only its HMAC under the deployment secret.
    const key = utf8(await deriveSecret(SECRET, 'connector-identity'));
    dave = await createUser({ email: 'dave@example.com', password: PASSWORD }, store);
    await server.services.userStore.insert({
      id: 'u_eid_only',
      email: 'eid-only@example.com',
      username: null,
      passwordHash: null,
      profile: {},
      attributes: {},
      phone: null,
      customerId: null,
      externalId: null,
      emailVerified: false,
      blocked: false,
      createTime: clock.now(),
    });
    const { db } = (server.services as unknown as { userStore: { db: import('../../src/storage/database.js').Database } }).userStore;
    const { users } = await import('../../src/storage/schema.js');
    const { eq } = await import('drizzle-orm');
    await db.update(users).set({ attributes: JSON.stringify({ national_id: await nationalIdHash(key, '010190-123A') }) }).where(eq(users.id, dave.id));
    rpOrigin = `http://127.0.0.1:${await freePort()}`;
    redirectUri = `${rpOrigin}/cb`;
    const reg = await server.services.clients.register({ name: 'RP', redirectUris: [redirectUri], postLogoutRedirectUris: [], public: false, trusted: true });
    rpClient = { clientId: reg.client.clientId, clientSecret: reg.clientSecret! };
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await Promise.all([google?.close(), eid?.close(), oauth?.close()]);
  });

  const ours = () => [url, google.issuer, eid.issuer, oauth.origin];
  const isOurs = (u: string) => ours().some((o) => u.startsWith(`${o}/`));

  /** Follow redirects while they stay on our servers (idbridge, upstreams). */
  async function follow(browser: TestBrowser, response: Response, at: string): Promise<Hop> {
    let res = response;
    let here = at;
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400; i++) {
      const next = new URL(res.headers.get('location')!, here).toString();
      if (!isOurs(next)) return { status: res.status, url: here, html: '', location: next };
      await res.arrayBuffer();
      here = next;
      res = await browser.get(next);
    }
    return { status: res.status, url: here, html: await res.text() };
  }

  async function submit(browser: TestBrowser, hop: Hop, selector: string, fields: Record<string, string> = {}): Promise<Hop> {
    const $ = page(hop.html);
    const action = new URL($(selector).first().attr('action')!, hop.url).toString();
    return follow(browser, await browser.submit(hop.html, fields, selector, hop.url), action);
  }

  async function rp() {
    return client.discovery(new URL(url), rpClient.clientId, {}, client.ClientSecretBasic(rpClient.clientSecret), { execute: [client.allowInsecureRequests] });
  }

  /** Start an OIDC sign-in at the RP; the browser arrives at the bridge's login page (or further). */
  async function startOidc(browser: TestBrowser, params: Record<string, string> = {}) {
    const config = await rp();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...params,
    });
    const hop = await follow(browser, await browser.get(authUrl.toString()), authUrl.toString());
    return { config, verifier, state, nonce, hop };
  }

  async function redeem(flow: Awaited<ReturnType<typeof startOidc>>, location: string) {
    const tokens = await client.authorizationCodeGrant(flow.config, new URL(location), {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    const idToken = tokens.claims()!;
    // Scope claims (email) come from userinfo; the ID token's own (sub, acr, amr) win.
    return { ...(await client.fetchUserInfo(flow.config, tokens.access_token, idToken.sub)), ...idToken };
  }

  const button = (id: string) => `form[action="/connectors/${id}/start"]`;
  const newBrowser = () => new TestBrowser(url);
  const failures = (reason: string) => logger.entries.filter((e) => e.event === 'connector_failed' && e.reason === reason);

  it('shows a button per connector on the login page, and create makes a password-less account: OIDC RP gets amr fed + acr', async () => {
    const browser = newBrowser();
    google.next = { account: 'g-new', acr: 'urn:google:pwd', amr: ['pwd', 'mfa'] };
    const flow = await startOidc(browser);
    expect(page(flow.hop.html)('form[action^="/connectors/"]').length).toBe(5);
    expect(flow.hop.html).toContain('Continue with Google');
    const end = await submit(browser, flow.hop, button('social'));
    expect(end.location?.startsWith(redirectUri)).toBe(true);
    const claims = await redeem(flow, end.location!);
    // oidc-provider states no amr (and no acr unless asked): the bridge's own `fed` is there.
    expect(claims['amr']).toEqual(['fed']);
    expect(claims['acr']).toBeUndefined();
    expect(claims['email']).toBe('newbie@example.com');
    const created = await server.services.directory.findByEmail('newbie@example.com');
    expect(created?.emailVerified).toBe(true);
    expect((await server.services.userStore.findById(created!.id))?.passwordHash).toBeNull();
    expect((await server.services.connectorAccounts.resetHint(created!.id))).toEqual(['Google']);
    // Returning: the same upstream identity signs in as the same account, nothing new created.
    const again = newBrowser();
    const second = await startOidc(again);
    const end2 = await submit(again, second.hop, button('social'));
    expect((await redeem(second, end2.location!)).sub).toBe(claims.sub);
    expect(await server.services.userStore.count()).toBe(4);
  });

  it('link-by-email: refused when the upstream email is not verified (nothing linked)', async () => {
    const browser = newBrowser();
    google.next = { account: 'g-unverified' };
    const flow = await startOidc(browser);
    const end = await submit(browser, flow.hop, button('linker'));
    expect(end.status).toBe(403);
    expect(end.html).toContain('has not confirmed your email address');
    expect(page(end.html)('form[action="/login"]').length).toBe(1); // the login page again, with the reason
    expect(await server.services.connectorAccounts.list(carol.id)).toMatchObject({ linked: [] });
    expect(failures('email_unverified').length).toBeGreaterThan(0);
  });

  it('link-by-email: a verified email links only after the local password is entered', async () => {
    const browser = newBrowser();
    google.next = { account: 'g-carol' };
    const flow = await startOidc(browser);
    const proof = await submit(browser, flow.hop, button('linker'));
    expect(proof.status).toBe(200);
    expect(proof.html).toContain('Link your Linker account');
    const wrong = await submit(browser, proof, 'form[action="/connectors/link"]', { password: 'wrong password!' });
    expect(wrong.status).toBe(401);
    expect((await server.services.connectorAccounts.list(carol.id)).linked).toEqual([]);
    const end = await submit(browser, wrong, 'form[action="/connectors/link"]', { password: PASSWORD });
    const claims = await redeem(flow, end.location!);
    expect(claims['email']).toBe('carol@example.com');
    expect((await server.services.connectorAccounts.list(carol.id)).linked.map((l) => l.connectorId)).toEqual(['linker']);
  });

  it('map-existing (eID): idp_hint skips the login page, the hashed national id finds the user, acr is checked and carried', async () => {
    const browser = newBrowser();
    eid.next = { account: 'sisu-1', acr: 'mobileauth', amr: ['mob'] };
    const flow = await startOidc(browser, { idp_hint: 'eid', scope: 'openid email' });
    expect(flow.hop.location?.startsWith(redirectUri)).toBe(true);
    const claims = await redeem(flow, flow.hop.location!);
    expect(claims['email']).toBe('dave@example.com');
    expect(claims['acr']).toBe('mobileauth');
    expect(claims['amr']).toEqual(['fed']);
  });

  it('map-existing: acr_values only the eID satisfies pick it; a lower acr than asked is refused, nothing stored', async () => {
    const browser = newBrowser();
    eid.next = { account: 'sisu-1', acr: 'password' };
    const before = await server.services.connectorAccounts.list(dave.id);
    const flow = await startOidc(browser, { acr_values: 'mobileauth' });
    expect(flow.hop.status).toBe(403);
    expect(flow.hop.html).toContain('did not confirm the sign-in method');
    expect(failures('acr_too_low').length).toBeGreaterThan(0);
    expect(await server.services.connectorAccounts.list(dave.id)).toEqual(before);
  });

  it('map-existing without a match: a page that says why, access_denied to the OIDC RP, nothing created', async () => {
    const browser = newBrowser();
    eid.next = { account: 'sisu-2', acr: 'mobileauth' };
    const count = await server.services.userStore.count();
    const flow = await startOidc(browser, { idp_hint: 'eid' });
    expect(flow.hop.status).toBe(403);
    expect(flow.hop.html).toContain('No account here is registered');
    const back = page(flow.hop.html)('a').filter((_, a) => page(flow.hop.html)(a).text().includes('Return')).attr('href')!;
    const end = await follow(browser, await browser.get(back), back);
    const answer = new URL(end.location!);
    expect(answer.searchParams.get('error')).toBe('access_denied');
    expect(answer.searchParams.get('error_description')).toContain('No account matches');
    expect(await server.services.userStore.count()).toBe(count);
  });

  it('map-existing without a match answers cancel to an OpenID 2.0 RP; a linked eID signs in there too', async () => {
    const returnUrl = `${rpOrigin}/openid/return`;
    const relyingParty = new OpenIdRelyingParty({ returnUrl, realm: `${rpOrigin}/`, stateless: true });
    for (const [account, expected] of [['sisu-2', 'cancel'], ['sisu-1', 'ok']] as const) {
      const browser = newBrowser();
      eid.next = { account, acr: 'mobileauth' };
      const start = await relyingParty.authenticate(`${url}/openid`);
      const login = await follow(browser, await browser.get(start), start);
      let end = await submit(browser, login, button('eid'));
      if (expected === 'cancel') {
        const back = page(end.html)('p.links a').attr('href')!;
        end = await follow(browser, await browser.get(back), back);
        expect(new URL(end.location!).searchParams.get('openid.mode')).toBe('cancel');
      } else {
        // An OpenID 2.0 realm that is not trusted: the consent page first.
        if (!end.location) end = await submit(browser, end, 'form[action="/ows_consent"]', { decision: 'approve' });
        const outcome = await relyingParty.verify(end.location!);
        expect(outcome.authenticated).toBe(true);
      }
    }
  });

  it('OAuth 2.0 (Facebook-style): profile URL and PKCE; create policy; a slow token endpoint times out', async () => {
    const browser = newBrowser();
    const flow = await startOidc(browser);
    const end = await submit(browser, flow.hop, button('fb'));
    const claims = await redeem(flow, end.location!);
    expect(claims['email']).toBe('fb@example.com');
    expect(claims['amr']).toEqual(['fed']);

    oauth.tokenDelayMs = 2500;
    try {
      const slow = newBrowser();
      const f2 = await startOidc(slow);
      const timedOut = await submit(slow, f2.hop, button('fb'));
      expect(timedOut.status).toBe(504);
      expect(timedOut.html).toContain('did not answer in time');
      expect(failures('upstream_timeout').length).toBeGreaterThan(0);
    } finally {
      oauth.tokenDelayMs = 0;
    }
  });

  it('errors: upstream down, access_denied upstream, missing claim, tampered ID token — each a clear page and a log line', async () => {
    const b1 = newBrowser();
    const f1 = await startOidc(b1);
    const down = await submit(b1, f1.hop, button('down'));
    expect(down.status).toBe(502);
    expect(down.html).toContain('cannot be reached');

    google.next = { deny: true };
    const denied = await submit(b1, down, button('social'));
    expect(denied.status).toBe(401);
    expect(denied.html).toContain('was cancelled');
    expect(failures('upstream_denied').length).toBeGreaterThan(0);

    eid.next = { account: 'sisu-3', acr: 'mobileauth' };
    const missing = await submit(b1, denied, button('eid'));
    expect(missing.status).toBe(403);
    expect(missing.html).toContain('did not share the information');

    google.next = { account: 'g-new' };
    // A forged signature, a token for another audience, an expired token: each refused.
    const payload = (jwt: string, change: (p: Record<string, unknown>) => void) => {
      const [h, p, s] = jwt.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      change(claims);
      return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    };
    const tampers: Array<(jwt: string) => string> = [
      (jwt) => jwt.slice(0, -6) + (jwt.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'),
      (jwt) => payload(jwt, (p) => (p['aud'] = 'someone-else')),
      (jwt) => payload(jwt, (p) => (p['exp'] = Math.floor(Date.now() / 1000) - 3600)),
    ];
    for (const change of tampers) {
      const seen = failures('invalid_id_token').length;
      tamper.idToken = change;
      try {
        const bad = await submit(b1, missing, button('social'));
        expect(bad.status).toBe(400);
        expect(bad.html).toContain('could not be verified');
        expect(failures('invalid_id_token').length).toBe(seen + 1);
      } finally {
        delete tamper.idToken;
      }
    }
    expect(await server.services.directory.findByEmail('never@example.com')).toBeNull();
    // The request is still usable: a password sign-in finishes it.
    const end = await submit(b1, missing, 'form[action="/login"]', { identifier: 'carol', password: PASSWORD });
    expect((await redeem(f1, end.location!))['amr']).toEqual(['pwd']);
  });

  /** Start a `social` sign-in and stop at the upstream's redirect back to the bridge (the callback URL). */
  async function callbackUrl(browser: TestBrowser): Promise<{ callback: URL; requestId: string }> {
    google.next = { account: 'g-new' };
    const flow = await startOidc(browser);
    const requestId = page(flow.hop.html)('input[name="request_id"]').attr('value')!;
    let at = new URL(page(flow.hop.html)(button('social')).attr('action')!, flow.hop.url).toString();
    let res = await browser.submit(flow.hop.html, {}, button('social'), flow.hop.url);
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) {
      at = new URL(res.headers.get('location')!, at).toString();
      if (at.startsWith(`${url}/connectors/social/callback`)) return { callback: new URL(at), requestId };
      res = await browser.get(at);
    }
    throw new Error(`never reached the callback (at ${at}, ${res.status})`);
  }

  it('errors: a callback in another browser, replayed, with a wrong state or none — a page, a log line, nothing stored', async () => {
    const browser = newBrowser();
    const users = await server.services.userStore.count();
    const { callback } = await callbackUrl(browser);
    const other = await newBrowser().get(callback.toString());
    expect(other.status).toBe(403);
    expect(await other.text()).toContain('started in another browser');
    // That attempt used the state up: single use, even for the right browser now (a replay).
    const replay = await browser.get(callback.toString());
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('expired or was already used');
    const wrongState = new URL(callback);
    wrongState.searchParams.set('state', 'not-a-state-we-issued');
    expect((await browser.get(wrongState.toString())).status).toBe(400);
    // No pending request at all.
    expect((await browser.get(`${url}/connectors/social/callback?code=x`)).status).toBe(400);
    expect(await server.services.userStore.count()).toBe(users);
    expect(logger.entries.filter((e) => e.event === 'connector_failed' && e.detail === 'other browser')).toHaveLength(1);
  });

  it('errors: a wrong iss in the callback (RFC 9207 mix-up defence) — the login page again, nothing stored', async () => {
    const browser = newBrowser();
    const users = await server.services.userStore.count();
    const { callback } = await callbackUrl(browser);
    callback.searchParams.set('iss', 'https://evil.example');
    const hop = await follow(browser, await browser.get(callback.toString()), callback.toString());
    expect(hop.status).toBe(400);
    expect(hop.html).toContain('could not be verified');
    expect(page(hop.html)('form[action="/login"]').length).toBe(1);
    expect(failures('invalid_callback').at(-1)?.['detail']).toMatch(/iss/);
    expect(await server.services.userStore.count()).toBe(users);
  });

  it('the account side: list, unlink refused for the last way in, removal on account deletion', async () => {
    const created = await server.services.directory.findByEmail('newbie@example.com');
    expect(await server.services.connectorAccounts.unlink(created!.id, 'social')).toBe('last_method');
    expect((await server.services.connectorAccounts.list(carol.id)).linked[0]).toMatchObject({ connectorId: 'linker', canUnlink: true });
    expect(await server.services.connectorAccounts.unlink(carol.id, 'linker')).toBe('unlinked');
    expect(await server.services.connectorAccounts.forgetUser(created!.id)).toBe(1);
    expect((await server.services.connectorAccounts.list(created!.id)).linked).toEqual([]);
    expect((await newBrowser().get('/account/connections')).status).toBe(401);
  });
});

/** The environment a test config was built from (loadConfig needs env, not a Config). */
function envOf(_config: unknown): Record<string, string> {
  return {
    IDBRIDGE_ENV: 'test',
    IDBRIDGE_SECRET: SECRET,
    IDBRIDGE_DATABASE: ':memory:',
    HOST: '127.0.0.1',
    IDBRIDGE_SCRYPT_LN: '10',
    IDBRIDGE_SCRYPT_R: '8',
    IDBRIDGE_SCRYPT_P: '1',
    IDBRIDGE_POSTBACK_BASE_DELAY_MS: '20',
    IDBRIDGE_POSTBACK_MAX_DELAY_MS: '100',
    IDBRIDGE_POSTBACK_DEADLINE_MS: '5000',
    IDBRIDGE_POSTBACK_TIMEOUT_MS: '2000',
  };
}

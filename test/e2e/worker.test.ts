/**
 * idbridge on Cloudflare Workers, tested locally: `wrangler dev` (workerd + local D1, migrations
 * applied with `wrangler d1 migrations apply --local`).
 *
 * 1. Split deployment: the identity service on the Worker, the bridge on Node (its own SQLite and
 *    users) posting back to the Worker over HTTP. Relying parties: the `openid` package (OpenID
 *    2.0) and `openid-client` (OpenID Connect).
 * 2. Everything on the Worker once: bridge and identity service, users in D1.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeScrypt } from '../../src/entry/node/scrypt.js';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser } from '../../src/users/create-user.js';
import { PasswordHasher } from '../../src/users/password-hasher.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { openid, OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { freePort, signInAt, type Site } from '../helpers/walk.js';
import { startWorker, type LocalWorker } from '../helpers/worker.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'worker-e2e-secret-worker-e2e-secret-0123456789';
const API_KEY = 'w'.repeat(40);
const ADMIN_TOKEN = 'admin-token-for-the-worker-e2e-suite-0123';
const CALLBACK = 'http://127.0.0.1:9/cb'; // never contacted: the test browser stops at the redirect

async function registerClient(worker: LocalWorker, body: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string }> {
  const res = await fetch(`${worker.url}/admin/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { client_id: string; client_secret?: string };
}

/** A full OIDC code + PKCE sign-in through the given site, validated by openid-client. */
async function oidcSignIn(
  issuer: string,
  site: Site,
  browser: TestBrowser,
  client: { client_id: string; client_secret?: string },
  options: { scope: string; consent?: 'approve' } = { scope: 'openid profile email offline_access' },
) {
  const config = await oidc.discovery(new URL(issuer), client.client_id, client.client_secret, client.client_secret ? undefined : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: options.scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    prompt: 'consent',
  });
  const outcome = await signInAt(browser, site, url.href, { user: { identifier: 'walt@example.com', password: PASSWORD }, consent: options.consent ?? 'approve' });
  const tokens = await oidc.authorizationCodeGrant(config, new URL(outcome.location), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  return { config, tokens, outcome };
}

describe('identity service on Workers, bridge on Node', () => {
  let worker: LocalWorker;
  let bridge: RunningServer;
  let bridgeUrl: string;
  let site: Site;

  beforeAll(async () => {
    const bridgePort = await freePort();
    bridgeUrl = `http://localhost:${bridgePort}`; // another host name than the Worker: separate cookie jars
    worker = await startWorker((url) => ({
      IDBRIDGE_ENV: 'development',
      IDBRIDGE_ROLE: 'identity',
      IDBRIDGE_PUBLIC_URL: url,
      IDBRIDGE_SECRET: SECRET,
      IDBRIDGE_API_KEY: API_KEY,
      IDBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
      IDBRIDGE_VERIFY_URL: `${bridgeUrl}/verify`,
      IDBRIDGE_DEMO: 'false',
    }));
    bridge = await startServer(
      testConfig({
        IDBRIDGE_ROLE: 'bridge',
        IDBRIDGE_PUBLIC_URL: bridgeUrl,
        PORT: String(bridgePort),
        IDBRIDGE_SECRET: 'bridge-secret-bridge-secret-bridge-secret-0123',
        IDBRIDGE_POSTBACK_URL: `${worker.url}/ows_auth`,
        IDBRIDGE_RETURN_URL: `${worker.url}/ows_return`,
        IDBRIDGE_API_KEY: API_KEY,
      }),
      { logger: memoryLogger() },
    );
    await createUser(
      { email: 'walt@example.com', username: 'walt', password: PASSWORD, fullname: 'Walt Worker', nickname: 'walt', country: 'PT', emailVerified: true },
      { store: bridge.services.userStore, hasher: bridge.services.hasher, now: Date.now() },
    );
    site = { ours: [worker.url, bridgeUrl], opIdentifier: `${worker.url}/openid` };
  }, 180_000);

  afterAll(async () => {
    await bridge?.close();
    await worker?.stop();
  });

  it('OpenID 2.0, stateful (DH-SHA256 association): the openid package verifies signed SREG values', async () => {
    const rp = new OpenIdRelyingParty({
      returnUrl: 'http://rp.example.test/return',
      realm: 'http://rp.example.test/',
      stateless: false,
      extensions: [new openid.SimpleRegistration({ email: 'required', fullname: 'optional' })],
    });
    const authUrl = await rp.authenticate(site.opIdentifier);
    expect(authUrl).toContain('openid.assoc_handle=');
    const browser = new TestBrowser(worker.url, undefined, { cookiesPerHost: true });
    const { location, seen } = await signInAt(browser, site, authUrl, { user: { identifier: 'walt', password: PASSWORD }, consent: 'approve' });
    expect(seen).toEqual(['login', 'consent']);
    const outcome = await rp.verify(location);
    expect(outcome.error).toBeFalsy();
    expect(outcome.authenticated).toBe(true);
    expect(outcome.result?.claimedIdentifier).toMatch(new RegExp(`^${worker.url}/id/`));
    expect(outcome.result?.['email']).toBe('walt@example.com');
    expect(outcome.result?.['fullname']).toBe('Walt Worker');
  });

  it('OpenID 2.0, stateless: check_authentication on the Worker confirms once', async () => {
    const rp = new OpenIdRelyingParty({ returnUrl: 'http://rp2.example.test/return', realm: 'http://rp2.example.test/', stateless: true, extensions: [] });
    const browser = new TestBrowser(worker.url, undefined, { cookiesPerHost: true });
    const { location } = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), {
      user: { identifier: 'walt', password: PASSWORD },
      consent: 'approve',
    });
    expect(new URL(location).searchParams.get('openid.assoc_handle')).toBeTruthy();
    expect((await rp.verify(location)).authenticated).toBe(true);
    expect((await rp.verify(location)).authenticated).toBe(false);
  });

  it('OpenID 2.0 relying-party discovery on the Worker: a realm listing its return_to is verified, one without XRDS is warned about', async () => {
    const rpServer = createServer((req, res) => {
      if ((req.headers.accept ?? '').includes('application/xrds+xml') && req.url === '/listed/') {
        res.writeHead(200, { 'content-type': 'application/xrds+xml' });
        res.end(
          `<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>http://specs.openid.net/auth/2.0/return_to</Type><URI>${rpBase}/listed/return</URI></Service></XRD></xrds:XRDS>`,
        );
      } else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head></head></html>');
    });
    await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', () => resolve()));
    const rpBase = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}`;
    try {
      const browser = new TestBrowser(worker.url, undefined, { cookiesPerHost: true });
      const consentOf = async (path: string) => {
        const rp = new OpenIdRelyingParty({ returnUrl: `${rpBase}${path}return`, realm: `${rpBase}${path}`, stateless: true, extensions: [] });
        const { consentHtml } = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), { user: { identifier: 'walt', password: PASSWORD }, consent: 'approve' });
        return page(consentHtml!);
      };
      expect((await consentOf('/listed/'))('[role="alert"]')).toHaveLength(0);
      expect((await consentOf('/plain/'))('[role="alert"]').text()).toContain('could not be verified');
    } finally {
      rpServer.closeAllConnections();
      await new Promise<void>((resolve) => rpServer.close(() => resolve()));
    }
  });

  it('OpenID 2.0 checkid_immediate without a bridge session answers setup_needed', async () => {
    const rp = new OpenIdRelyingParty({ returnUrl: 'http://rp3.example.test/return', realm: 'http://rp3.example.test/', stateless: true, extensions: [] });
    const browser = new TestBrowser(worker.url, undefined, { cookiesPerHost: true });
    const { location, seen } = await signInAt(browser, site, await rp.authenticate(site.opIdentifier, true), {});
    expect(seen).toEqual([]);
    expect(new URL(location).searchParams.get('openid.mode')).toBe('setup_needed');
  });

  it('OpenID Connect, confidential client: code + PKCE, ID token, userinfo, refresh rotation, introspection, revocation', async () => {
    const client = await registerClient(worker, { name: 'Edge App', redirect_uris: [CALLBACK] });
    const browser = new TestBrowser(worker.url, undefined, { cookiesPerHost: true });
    const { config, tokens } = await oidcSignIn(worker.url, site, browser, client);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(worker.url);
    expect(claims.aud).toBe(client.client_id);
    expect(claims.acr).toBe('urn:idbridge:acr:password');

    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, email: 'walt@example.com', email_verified: true, name: 'Walt Worker' });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const reuse = await oidc.refreshTokenGrant(config, tokens.refresh_token!).catch((e: unknown) => e);
    expect((reuse as { error?: string }).error).toBe('invalid_grant');

    const introspected = await oidc.tokenIntrospection(config, refreshed.access_token);
    expect(introspected.active).toBe(false); // the reuse above revoked the whole family

    const { tokens: fresh } = await oidcSignIn(worker.url, site, browser, client);
    expect((await oidc.tokenIntrospection(config, fresh.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, fresh.access_token);
    expect((await oidc.tokenIntrospection(config, fresh.access_token)).active).toBe(false);
  });

  it('OpenID 2.0 AX attributes, and a denied consent answering cancel', async () => {
    const rp = new OpenIdRelyingParty({
      returnUrl: 'http://rp5.example.test/return',
      realm: 'http://rp5.example.test/',
      stateless: true,
      extensions: [new openid.AttributeExchange({ 'http://axschema.org/contact/email': 'required', 'http://axschema.org/namePerson/friendly': 'optional' })],
    });
    const browser = new TestBrowser(worker.url, undefined, { cookiesPerHost: true });
    const { location } = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), {
      user: { identifier: 'walt', password: PASSWORD },
      consent: 'approve',
    });
    const outcome = await rp.verify(location);
    expect(outcome.authenticated).toBe(true);
    expect(outcome.result?.['email']).toBe('walt@example.com');
    const signed = new URL(location).searchParams.get('openid.signed')!;
    expect(signed.split(',').filter((f) => f.startsWith('ax.value.')).length).toBeGreaterThan(0);

    // Same browser, bridge session: no password; the user denies at the consent page.
    const denied = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), { consent: 'deny' });
    expect(denied.seen).toEqual(['consent']);
    expect(new URL(denied.location).searchParams.get('openid.mode')).toBe('cancel');
  });

  it('OpenID Connect: form_post, openid2_id equal to the OpenID 2.0 claimed id, and RP-initiated logout through the Node bridge', async () => {
    const client = await registerClient(worker, { name: 'Edge Migrating App', redirect_uris: ['https://rp6.example.test/cb'], post_logout_redirect_uris: ['https://rp6.example.test/bye'], trusted: true });
    const browser = new TestBrowser(worker.url, undefined, { cookiesPerHost: true });
    // The OpenID 2.0 identity first (realm covering the OIDC redirect URI).
    const rp = new OpenIdRelyingParty({ returnUrl: 'https://rp6.example.test/return', realm: 'https://rp6.example.test/', stateless: true, extensions: [] });
    const o2 = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), { user: { identifier: 'walt', password: PASSWORD }, consent: 'approve' });
    const claimedId = (await rp.verify(o2.location)).result?.claimedIdentifier;
    expect(claimedId).toMatch(new RegExp(`^${worker.url}/id/`));

    const config = await oidc.discovery(new URL(worker.url), client.client_id, client.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'https://rp6.example.test/cb',
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'fp',
      response_mode: 'form_post',
      openid2_realm: 'https://rp6.example.test/',
    });
    const res = await browser.get(url.href);
    expect(res.status).toBe(302); // to the bridge: the session there means no password prompt
    const bridgeHop = await browser.get(res.headers.get('location')!);
    expect(bridgeHop.status).toBe(302);
    const returned = await browser.get(bridgeHop.headers.get('location')!);
    expect(returned.status).toBe(200);
    const $ = page(await returned.text());
    expect($('form').attr('action')).toBe('https://rp6.example.test/cb');
    const fields = new URLSearchParams();
    $('form input[type=hidden]').each((_, el) => void fields.set($(el).attr('name')!, $(el).attr('value')!));
    expect(fields.get('state')).toBe('fp');
    expect(fields.get('iss')).toBe(worker.url);
    const callback = new Request('https://rp6.example.test/cb', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'fp' });
    expect(tokens.claims()!['openid2_id']).toBe(claimedId);

    // Logout: the Worker ends its session, the Node bridge ends its own, back to the client.
    const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://rp6.example.test/bye', state: 'out' });
    let hop = await browser.get(logoutUrl.href);
    const chain: string[] = [];
    for (let i = 0; i < 5 && hop.status === 302; i++) {
      const next = hop.headers.get('location')!;
      chain.push(new URL(next).origin + new URL(next).pathname);
      if (!next.startsWith(worker.url) && !next.startsWith(bridgeUrl)) break;
      hop = await browser.get(next);
    }
    expect(chain).toEqual([`${bridgeUrl}/signout`, `${worker.url}/logout/done`, 'https://rp6.example.test/bye']);
    // The access token died with the session: 401 with a Bearer invalid_token challenge (RFC 6750 §3.1).
    await expect(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).rejects.toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ scheme: 'bearer', parameters: expect.objectContaining({ error: 'invalid_token' }) })],
    });
    // The bridge session is gone: the next sign-in asks for the password again.
    const again = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), { user: { identifier: 'walt', password: PASSWORD }, consent: 'approve' });
    expect(again.seen[0]).toBe('login');
  });

  it('OpenID Connect, public client: prompt=none without a session answers login_required', async () => {
    const client = await registerClient(worker, { name: 'Edge SPA', redirect_uris: [CALLBACK], public: true });
    const config = await oidc.discovery(new URL(worker.url), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'st',
      prompt: 'none',
    });
    const browser = new TestBrowser(worker.url, undefined, { cookiesPerHost: true });
    const { location } = await signInAt(browser, site, url.href, {});
    const answer = new URL(location).searchParams;
    expect(answer.get('error')).toBe('login_required');
    expect(answer.get('state')).toBe('st');
    expect(answer.get('iss')).toBe(worker.url);
  });
});

describe('everything on Workers', () => {
  let worker: LocalWorker;

  beforeAll(async () => {
    worker = await startWorker((url) => ({
      IDBRIDGE_ENV: 'development',
      IDBRIDGE_ROLE: 'all',
      IDBRIDGE_PUBLIC_URL: url,
      IDBRIDGE_SECRET: SECRET,
      IDBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
      IDBRIDGE_DEMO: 'false',
      // Cheap hashing keeps the suite fast; the cost on workerd is measured by bench/workerd-scrypt.mjs.
      IDBRIDGE_SCRYPT_LN: '10',
      IDBRIDGE_SCRYPT_P: '1',
    }));
    // The user lives in D1: a hash in the shared PHC format, made here with Node's scrypt.
    const hash = await new PasswordHasher(nodeScrypt, { ln: 10, r: 8, p: 1 }).hash(PASSWORD);
    const now = Date.now();
    await worker.sql(
      `INSERT INTO users (tenant, id, email, username, password_hash, fullname, email_verified, blocked, logins_count, create_time, update_time)
       VALUES ('default', 'u_workeruser0000000001', 'walt@example.com', 'walt', '${hash}', 'Walt Worker', 1, 0, 0, ${now}, ${now})`,
    );
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
  });

  it('signs in with OpenID Connect and OpenID 2.0 with bridge, users and identity service all on the Worker', async () => {
    const site: Site = { ours: [worker.url], opIdentifier: `${worker.url}/openid` };
    const client = await registerClient(worker, { name: 'All-edge App', redirect_uris: [CALLBACK] });
    const browser = new TestBrowser(worker.url);
    const { config, tokens } = await oidcSignIn(worker.url, site, browser, client, { scope: 'openid profile email' });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info).toMatchObject({ email: 'walt@example.com', name: 'Walt Worker' });

    // Same browser: the bridge session on the Worker means no second password prompt.
    const rp = new OpenIdRelyingParty({
      returnUrl: 'http://rp4.example.test/return',
      realm: 'http://rp4.example.test/',
      stateless: true,
      extensions: [new openid.SimpleRegistration({ email: 'required' })],
    });
    const { location, seen } = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), { consent: 'approve' });
    expect(seen).toEqual(['consent']);
    const outcome = await rp.verify(location);
    expect(outcome.authenticated).toBe(true);
    expect(outcome.result?.['email']).toBe('walt@example.com');
  });

  it('bad input on the Worker: an oversized body is payload_too_large in the route\'s format, prototype keys and malformed direct requests are 4xx', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const big = `a=${'b'.repeat(70 * 1024)}`;
    const token = await fetch(`${worker.url}/token`, { method: 'POST', headers: form, body: big });
    expect(token.status).toBe(413);
    expect(await token.json()).toMatchObject({ error: 'payload_too_large' });
    const direct = await fetch(`${worker.url}/openid`, { method: 'POST', headers: form, body: big });
    expect(direct.status).toBe(400);
    expect(await direct.text()).toMatch(/^ns:http:\/\/specs\.openid\.net\/auth\/2\.0\n(.*\n)*error_code:payload_too_large\n/);
    const proto = await fetch(`${worker.url}/token`, { method: 'POST', headers: form, body: '__proto__=x&constructor=y' });
    expect(proto.status).toBe(401);
    const noMode = await fetch(`${worker.url}/openid`, { method: 'POST', headers: form, body: 'openid.ns=http%3A%2F%2Fspecs.openid.net%2Fauth%2F2.0&openid.x=%zz' });
    expect(noMode.status).toBe(400);
    expect(await noMode.text()).toMatch(/^ns:.*\nerror:The request is not properly percent-encoded\./);
  });

  it('the cron trigger purges expired rows on D1 and keeps live ones', async () => {
    const dead = Date.now() - 2 * 24 * 3600 * 1000;
    const live = Date.now() + 3600 * 1000;
    for (const [id, expires] of [['hk-dead', dead], ['hk-live', live]] as const) {
      await worker.sql(
        `INSERT INTO bridge_requests (tenant, request_id, browser_hash, state, created_at, updated_at, expires_at) VALUES ('default', '${id}', 'b', 'pending', ${dead}, ${dead}, ${expires});
         INSERT INTO op_sessions (tenant, id_hash, sid, username, auth_time, created_at, expires_at) VALUES ('default', '${id}', '${id}', 'u', ${dead}, ${dead}, ${expires});
         INSERT INTO oidc_grants (tenant, grant_id, client_id, username, sub, scopes, claims, auth_time, created_at) VALUES ('default', '${id}', 'c_x', 'u', 's', 'openid', '{}', ${dead}, ${dead});
         INSERT INTO oidc_tokens (tenant, token_hash, kind, grant_id, client_id, scopes, created_at, expires_at) VALUES ('default', '${id}', 'access', '${id}', 'c_x', 'openid', ${dead}, ${expires});
         INSERT INTO consents (tenant, username, audience, grants, created_at) VALUES ('default', 'u', 'c_deleted_${id}', 'openid', ${dead});`,
      );
    }
    const res = await fetch(`${worker.url}/__scheduled?cron=${encodeURIComponent('*/10 * * * *')}`);
    expect(res.status).toBe(200);
    // The handler hands the purge to waitUntil: poll briefly until it has run.
    let left: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 20; i++) {
      left = await worker.query(
        `SELECT 'bridge_requests' AS t, request_id AS k FROM bridge_requests WHERE request_id LIKE 'hk-%'
         UNION ALL SELECT 'op_sessions', id_hash FROM op_sessions WHERE id_hash LIKE 'hk-%'
         UNION ALL SELECT 'oidc_grants', grant_id FROM oidc_grants WHERE grant_id LIKE 'hk-%'
         UNION ALL SELECT 'oidc_tokens', token_hash FROM oidc_tokens WHERE token_hash LIKE 'hk-%'
         UNION ALL SELECT 'consents', audience FROM consents WHERE audience LIKE 'c_deleted_hk-%'`,
      );
      if (!left.some((r) => String(r['k']).includes('dead'))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(left.map((r) => `${r['t']}:${r['k']}`).sort()).toEqual(['bridge_requests:hk-live', 'oidc_grants:hk-live', 'oidc_tokens:hk-live', 'op_sessions:hk-live']);
  }, 60_000);
});

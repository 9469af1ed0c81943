/**
 * Full sign-ins through the bridge against a site's own user database (a site table in a SQLite
 * file, bcrypt hashes made by bcryptjs): OpenID 2.0 with the node `openid` relying party and OIDC
 * with openid-client, in federated and migrate mode; and the site database going away mid-life
 * (503 "temporarily unavailable", nothing counted against the user, details in the JSON log).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';
import { openid, OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { createSiteTable, SqliteSiteSource } from '../helpers/sqlite-site-source.js';
import { freePort, signInAt, type Site, type TestServer } from '../helpers/walk.js';
import { PASSWORD, PEOPLE } from '../users/user-directory-contract.js';

async function startWithSite(mode: 'federated' | 'migrate') {
  const dir = mkdtempSync(join(tmpdir(), 'idbridge-e2e-site-'));
  const file = join(dir, 'site.sqlite');
  const mapping = createSiteTable(
    file,
    PEOPLE.map((p) => ({ id: p.key, email: p.email, username: p.username, password: p.password, blocked: p.blocked, verified: p.verified, name: p.fullname, phone: p.phone })),
  );
  const source = new SqliteSiteSource(file, mapping);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = testConfig({ IDBRIDGE_PUBLIC_URL: url, PORT: String(port), IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '', IDBRIDGE_DEMO: 'false' });
  config.directory = {
    kind: 'sql',
    name: 'site',
    url: `sqlite:${file}`,
    mode,
    writeBack: false,
    loginCase: 'insensitive',
    pool: { max: 1, connectTimeoutMs: 1000, queryTimeoutMs: 1000 },
  };
  const clock = new TestClock();
  const logger = memoryLogger();
  const server = await startServer(config, { logger, deps: { clock, siteSource: source } });
  const idp: TestServer = { server, url, clock, logger, addUser: () => Promise.reject(new Error('site users only')), close: () => server.close() };
  return {
    idp,
    source,
    site: { ours: [url], opIdentifier: `${url}/openid` } satisfies Site,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const mode of ['federated', 'migrate'] as const) {
  describe(`sign-in through the bridge against a site database (${mode})`, () => {
    let env: Awaited<ReturnType<typeof startWithSite>>;
    beforeAll(async () => {
      env = await startWithSite(mode);
    });
    afterAll(() => env?.close());

    const aliceId = async () => (await env.idp.server.services.links.findByKey('site', '1'))?.userId;

    it('OpenID 2.0: claimed id from the stable link, SREG values from the site row', async () => {
      const rp = new OpenIdRelyingParty({
        returnUrl: 'http://rp.example.test/return',
        realm: 'http://rp.example.test/',
        stateless: true,
        extensions: [new openid.SimpleRegistration({ email: 'required', fullname: 'required' })],
      });
      const authUrl = await rp.authenticate(env.site.opIdentifier);
      const outcome = await signInAt(new TestBrowser(env.idp.url), env.site, authUrl, { user: { identifier: 'alice', password: PASSWORD }, consent: 'approve' });
      expect(outcome.seen).toEqual(['login', 'consent']);
      const verified = await rp.verify(outcome.location);
      expect(verified.error).toBeUndefined();
      const id = await aliceId();
      expect(id).toMatch(/^u_/);
      const publicId = await env.idp.server.services.identities.publicIdFor(id!, env.idp.clock.now());
      expect(verified.result).toMatchObject({ authenticated: true, claimedIdentifier: `${env.idp.url}/id/${publicId}`, email: 'alice@example.com', fullname: 'Alice Liddell' });
      if (mode === 'migrate') expect((await env.idp.server.services.userStore.findById(id!))?.passwordHash).toMatch(/^\$scrypt\$/);
      else expect(await env.idp.server.services.userStore.count()).toBe(0);
    });

    it('OIDC code flow: sub stays the same across sign-ins; claims from the site', async () => {
      const redirectUri = `http://127.0.0.1:${await freePort()}/cb`;
      const reg = await env.idp.server.services.clients.register({ name: 'App', redirectUris: [redirectUri], postLogoutRedirectUris: [], public: false, trusted: true });
      const config = await client.discovery(new URL(env.idp.url), reg.client.clientId, {}, client.ClientSecretBasic(reg.clientSecret!), { execute: [client.allowInsecureRequests] });
      const subs: string[] = [];
      for (const identifier of ['alice@example.com', 'ALICE']) {
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const url = client.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid email profile phone',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
        });
        const outcome = await signInAt(new TestBrowser(env.idp.url), { ...env.site, ours: [env.idp.url] }, url.href, { user: { identifier, password: PASSWORD } });
        const tokens = await client.authorizationCodeGrant(config, new URL(outcome.location), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
        const claims = tokens.claims()!;
        subs.push(claims.sub);
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        expect(info).toMatchObject({ email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', phone_number: '+441234567890' });
      }
      expect(subs[0]).toBe(subs[1]);
      expect(subs[0]).toBe(await env.idp.server.services.identities.publicIdFor((await aliceId())!, env.idp.clock.now()));
    });

    it(mode === 'migrate' ? 'session reuse of a migrated user needs no site database' : 'session reuse with the site database stopped: 503, not a sign-in as nobody', async () => {
      const browser = new TestBrowser(env.idp.url);
      const start = async (realm: string) => {
        const rp = new OpenIdRelyingParty({ returnUrl: `${realm}return`, realm, stateless: true, extensions: [] });
        return rp.authenticate(env.site.opIdentifier);
      };
      await signInAt(browser, env.site, await start('http://reuse1.example.test/'), { user: { identifier: 'alice', password: PASSWORD }, consent: 'approve' });
      env.source.stop();
      try {
        if (mode === 'migrate') {
          const outcome = await signInAt(browser, env.site, await start('http://reuse2.example.test/'), { consent: 'approve' });
          expect(outcome.seen).not.toContain('login');
          expect(outcome.location).toContain('openid.mode=id_res');
        } else {
          let res = await browser.get(await start('http://reuse2.example.test/'));
          for (let i = 0; i < 5 && res.status === 302; i++) res = await browser.get(new URL(res.headers.get('location')!, env.idp.url).toString());
          expect(res.status).toBe(503);
          expect(await res.text()).toMatch(/temporarily unavailable/i);
          expect(env.idp.logger.entries.find((e) => e.event === 'directory_unavailable')).toMatchObject({ reason: 'unreachable' });
          expect(env.idp.logger.entries.some((e) => e.event === 'unhandled_error')).toBe(false);
        }
      } finally {
        env.source.start();
      }
    });

    it('the site database stopped: 503 "temporarily unavailable", Retry-After, logged, no throttle failure counted', async () => {
      env.source.stop();
      try {
        const browser = new TestBrowser(env.idp.url);
        const rp = new OpenIdRelyingParty({ returnUrl: 'http://rp2.example.test/return', realm: 'http://rp2.example.test/', stateless: true, extensions: [] });
        const authUrl = await rp.authenticate(env.site.opIdentifier);
        let res = await browser.get(authUrl);
        for (let i = 0; i < 5 && res.status === 302; i++) res = await browser.get(new URL(res.headers.get('location')!, env.idp.url).toString());
        let html = await res.text();
        expect(page(html)('form[action="/login"]').length).toBe(1);
        // More attempts than the account's free failures: none is counted, so none locks.
        const free = env.idp.server.services.config.bridge.throttle.accountFreeFailures;
        for (let i = 0; i < free + 2; i++) {
          res = await browser.submit(html, { identifier: 'bob', password: 'another good password' });
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).toBe('30');
          html = await res.text();
          expect(page(html)('.message, .error, p').text()).toMatch(/temporarily unavailable/i);
          expect(page(html)('input[name=identifier]').attr('value')).toBe('bob');
        }
        const logged = env.idp.logger.entries.filter((e) => e.event === 'directory_unavailable');
        expect(logged.length).toBeGreaterThanOrEqual(free + 2);
        expect(logged[0]).toMatchObject({ reason: 'unreachable', detail: expect.any(String) });
        expect(JSON.stringify(logged)).not.toContain('another good password');
        expect(env.idp.logger.entries.some((e) => e.event === 'login_failed' || e.event === 'login_throttled')).toBe(false);
        // The site is back: the same browser signs in at once (nothing was counted).
        env.source.start();
        res = await browser.submit(html, { identifier: 'bob', password: 'another good password' });
        expect([302, 200]).toContain(res.status);
        expect(env.idp.logger.entries.some((e) => e.event === 'login_succeeded')).toBe(true);
      } finally {
        env.source.start();
      }
    });
  });
}

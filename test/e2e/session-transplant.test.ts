/**
 * Regression for a cross-browser attack: a sign-in started in the attacker's browser must not be
 * finishable after a victim's browser (with a bridge session) is lured to its Verify URL. The
 * bridge's return token travels only to the browser it authenticated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page, TestBrowser } from '../helpers/browser.js';
import { signInAt, startIdbridge, type Site, type TestServer } from '../helpers/walk.js';

const PASSWORD = 'correct horse battery staple';

describe('a sign-in cannot be transplanted between browsers', () => {
  let idb: TestServer;
  let site: Site;
  let clientId: string;

  beforeAll(async () => {
    idb = await startIdbridge({ IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '' });
    await idb.addUser({ email: 'victim@example.com', password: PASSWORD });
    await idb.addUser({ email: 'mallory@example.com', password: PASSWORD });
    const { client } = await idb.server.services.clients.register({ name: 'Any App', redirectUris: ['https://app.example.test/cb'], public: true });
    clientId = client.clientId;
    site = { ours: [idb.url], opIdentifier: `${idb.url}/openid` };
  });
  afterAll(() => idb.close());

  it("refuses the attacker's browser at the Return URL after the victim's bridge session authenticated the request", async () => {
    const authorize = new URL(`${idb.url}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: 'https://app.example.test/cb',
      scope: 'openid email',
      state: 'atk',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })) authorize.searchParams.set(k, v);

    // The victim has a bridge session (signed in somewhere before).
    const victim = new TestBrowser(idb.url);
    await signInAt(victim, site, authorize.href, { user: { identifier: 'victim@example.com', password: PASSWORD }, consent: 'approve' });

    // The attacker starts an authorization request in their own browser and keeps the Verify URL.
    const attacker = new TestBrowser(idb.url);
    const started = await attacker.get(authorize.href);
    const verifyUrl = started.headers.get('location')!;
    const requestId = new URL(verifyUrl).searchParams.get('request_id')!;

    // The victim is lured to it: their bridge session authenticates it and posts back.
    const lured = await victim.get(verifyUrl);
    expect(lured.status).toBe(302);
    const returnUrl = lured.headers.get('location')!;
    expect(new URL(returnUrl).searchParams.get('return_token')).toBeTruthy();
    expect((await victim.get(returnUrl)).status).toBe(403); // not the victim's request at the identity service

    // The attacker tries to finish it: without the token, with a guessed one, with the victim's.
    for (const suffix of ['', '&return_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await attacker.get(`/ows_return?request_id=${requestId}${suffix}`);
      expect(res.status).toBe(403);
      expect(page(await res.text())('form[action="/ows_consent"]').length).toBe(0);
    }
  });

  it("does not log a browser out on someone else's id_token_hint without asking", async () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'; // RFC 7636 appendix B
    const authorize = (prompt?: string) => {
      const url = new URL(`${idb.url}/authorize`);
      const params: Record<string, string> = {
        response_type: 'code',
        client_id: clientId,
        redirect_uri: 'https://app.example.test/cb',
        scope: 'openid',
        state: 's',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        ...(prompt ? { prompt } : {}),
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url.href;
    };
    const idTokenOf = async (location: string) => {
      const res = await fetch(`${idb.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: new URL(location).searchParams.get('code')!,
          redirect_uri: 'https://app.example.test/cb',
          client_id: clientId,
          code_verifier: verifier,
        }),
      });
      return ((await res.json()) as { id_token: string }).id_token;
    };

    const mallory = new TestBrowser(idb.url);
    const own = await signInAt(mallory, site, authorize(), { user: { identifier: 'mallory@example.com', password: PASSWORD }, consent: 'approve' });
    const malloryHint = await idTokenOf(own.location);

    const victim = new TestBrowser(idb.url);
    await signInAt(victim, site, authorize(), { user: { identifier: 'victim@example.com', password: PASSWORD }, consent: 'remember' });
    const res = await victim.get(`/logout?id_token_hint=${malloryHint}`);
    expect(res.status).toBe(200); // a confirmation page, not a silent logout
    expect(page(await res.text())('form[action="/logout/confirm"]').length).toBe(1);
    // The victim is still signed in: prompt=none still yields a code.
    const silent = await signInAt(victim, site, authorize('none'), {});
    expect(new URL(silent.location).searchParams.get('code')).toBeTruthy();
  });
});

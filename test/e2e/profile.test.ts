/**
 * Profile completion at the bridge and release of custom fields, end to end over real HTTP: an
 * all-in-one server with a `profile` config section, openid-client as the relying party, a
 * cookie-keeping test browser as the user.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/document.js';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser } from '../../src/users/create-user.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';
import { freePort } from '../helpers/walk.js';

const PASSWORD = 'correct horse battery staple';

const PROFILE = {
  fields: {
    fullname: { requirement: 'required' },
    coffee: { type: 'select', label: { en: 'Coffee', de: 'Kaffee' }, options: ['espresso', 'latte'], requirement: 'required' },
    child_birthday: { type: 'date', label: "Child's birthday", requirement: 'optional', max: '2100-01-01' },
    secret_note: { type: 'text', label: 'Note', requirement: 'optional' },
  },
  scopes: { coffee: ['coffee', 'child_birthday'] },
};

describe('profile completion and custom claims (all-in-one server, openid-client RP)', () => {
  let server: RunningServer;
  let url: string;
  let rpOrigin: string;
  let registered: { client: { clientId: string }; clientSecret?: string };
  const clock = new TestClock();

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const { document, problems } = parseConfigDocument({ name: 'test', data: { profile: PROFILE } }, {});
    expect(problems).toEqual([]);
    const config = { ...testConfig({ IDBRIDGE_PUBLIC_URL: url, PORT: String(port), HOST: '127.0.0.1', IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '', IDBRIDGE_DEMO: 'false' }), profile: document.profile };
    server = await startServer(config, { logger: memoryLogger(), deps: { clock } });
    for (const [email, fullname] of [['ann@example.com', undefined], ['ben@example.com', 'Ben Example'], ['cai@example.com', 'Cai Beispiel']] as const) {
      await createUser({ email, password: PASSWORD, ...(fullname ? { fullname } : {}) }, { store: server.services.userStore, hasher: server.services.hasher, now: clock.now() });
    }
    rpOrigin = `http://127.0.0.1:${await freePort()}`;
    registered = await server.services.clients.register({ name: 'Coffee Shop', redirectUris: [`${rpOrigin}/cb`], public: false, trusted: false });
  });
  afterAll(async () => server?.close());

  async function rp() {
    return client.discovery(new URL(url), registered.client.clientId, {}, client.ClientSecretBasic(registered.clientSecret!), { execute: [client.allowInsecureRequests] });
  }

  /** Walk from the authorization URL; `onProfile` answers each completion form (fields to submit). */
  async function signIn(scope: string, email: string, onProfile: (html: string, n: number) => Record<string, string | null>, acceptLanguage?: string) {
    const config = await rp();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: `${rpOrigin}/cb`,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const browser = acceptLanguage
      ? new TestBrowser(url, (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), 'accept-language': acceptLanguage } }))
      : new TestBrowser(url);
    let res = await browser.get(authUrl.toString());
    const forms: string[] = [];
    let consentHtml = '';
    for (let i = 0; i < 20; i++) {
      if (res.status === 302) {
        const next = new URL(res.headers.get('location')!, url).toString();
        if (!next.startsWith(url)) {
          const tokens = await client.authorizationCodeGrant(config, new URL(next), { pkceCodeVerifier: verifier, expectedState: state });
          const claims = await client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck);
          return { claims, forms, consentHtml, tokens };
        }
        res = await browser.get(next);
        continue;
      }
      const html = await res.text();
      const $ = page(html);
      if ($('form[action="/login"]').length === 1) res = await browser.submit(html, { identifier: email, password: PASSWORD });
      else if ($('form[action="/verify/profile"]').length === 1) {
        forms.push(html);
        res = await browser.submit(html, onProfile(html, forms.length));
      } else if ($('form[action="/ows_consent"]').length === 1) {
        consentHtml = html;
        res = await browser.submit(html, { decision: 'approve' });
      } else throw new Error(`unexpected ${res.status}: ${html.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    throw new Error('too many steps');
  }

  it('advertises the custom scope and its x_ claims in discovery', async () => {
    const metadata = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
    // Why claims stay in userinfo: no response type without an access token, no claims parameter.
    expect(metadata['response_types_supported']).toEqual(['code']);
    expect(metadata['claims_parameter_supported']).toBe(false);
    expect(metadata['scopes_supported']).toContain('coffee');
    expect(metadata['claims_supported']).toEqual(expect.arrayContaining(['x_coffee', 'x_child_birthday']));
    expect(metadata['claims_supported']).not.toContain('x_secret_note');
  });

  it('asks for missing required fields, refuses bad input without storing anything, then continues to the RP with x_ claims', async () => {
    const result = await signIn('openid profile coffee', 'ann@example.com', (html, n) => {
      const $ = page(html);
      if (n === 1) {
        // The form lists what is missing: the two required fields and the optional ones, once.
        expect($('input[name=fullname][required]').length).toBe(1);
        expect($('select[name=coffee] option').map((_, o) => $(o).attr('value')).get()).toEqual(['', 'espresso', 'latte']);
        expect($('input[name=child_birthday][type=date]').length).toBe(1);
        expect($('button[value=skip]').length).toBe(0); // required fields: no skipping
        return { fullname: '<script>alert(1)</script>', coffee: 'mocha', child_birthday: '2020-02-30' };
      }
      if (n === 2) {
        expect($('#profile-coffee').attr('aria-invalid')).toBe('true');
        expect($('#profile-coffee').attr('aria-describedby')).toBe('profile-coffee-error');
        expect($('#profile-coffee-error').text()).toMatch(/choose one of the offered values/);
        expect($('#profile-child_birthday-error').text()).toMatch(/must be a date/);
        // The script is kept as text (escaped), never markup.
        expect(html).not.toContain('<script>alert(1)</script>');
        return { fullname: 'Ann Example', coffee: 'latte', child_birthday: '2020-02-29' };
      }
      throw new Error('asked a third time');
    });
    expect(result.forms).toHaveLength(2);
    expect(result.consentHtml).toContain('Coffee');
    expect(result.claims).toMatchObject({ name: 'Ann Example', x_coffee: 'latte', x_child_birthday: '2020-02-29' });
    expect(result.claims).not.toHaveProperty('x_secret_note');
    // Code flow (the only response type offered): an access token is issued, so the scope claims,
    // custom ones included, come from userinfo, not the ID token (OIDC Core §5.4).
    const idToken = result.tokens.claims()!;
    expect(idToken.sub).toBe(result.claims.sub);
    expect(idToken).not.toHaveProperty('x_coffee');
    expect(idToken).not.toHaveProperty('name');
    const stored = await server.services.userStore.findByLogin('ann@example.com');
    expect(stored?.profile.fullname).toBe('Ann Example');
    expect(stored?.attributes).toMatchObject({ coffee: 'latte', child_birthday: '2020-02-29' });
    expect(stored?.attributes['$offered']?.split(',').sort()).toEqual(['child_birthday', 'secret_note']);
  });

  it('releases no custom claim without the mapped scope, and does not ask again once everything was offered', async () => {
    const result = await signIn('openid profile', 'ann@example.com', () => {
      throw new Error('profile form shown again');
    });
    expect(result.claims['name']).toBe('Ann Example');
    expect(result.claims).not.toHaveProperty('x_coffee');
    expect(result.claims).not.toHaveProperty('x_child_birthday');
  });

  it('offers optional fields once; a bad submit stores nothing; skipping remembers them as offered', async () => {
    const ben = (await server.services.userStore.findByLogin('ben@example.com'))!;
    const result = await signIn('openid coffee', 'ben@example.com', (html, n): Record<string, string | null> => {
      const $ = page(html);
      if (n === 1) {
        expect($('input[name=fullname]').length).toBe(0); // Ben has a name
        return { coffee: 'espresso', child_birthday: 'x'.repeat(20_000) };
      }
      return { coffee: 'espresso', child_birthday: '', secret_note: '' };
    });
    expect(result.forms).toHaveLength(2);
    const after = (await server.services.userStore.findByLogin('ben@example.com'))!;
    expect(after.attributes).toMatchObject({ coffee: 'espresso' });
    expect(after.attributes).not.toHaveProperty('child_birthday');
    expect(result.claims).toMatchObject({ x_coffee: 'espresso' });
    expect(ben.attributes).toEqual({});
    // Next sign-in: nothing required missing, optional ones already offered → straight through.
    const again = await signIn('openid coffee', 'ben@example.com', () => {
      throw new Error('offered twice');
    });
    expect(again.claims['x_coffee']).toBe('espresso');
  });

  it('speaks the negotiated language: page, labels from the model, and field errors from the catalogue', async () => {
    const result = await signIn(
      'openid coffee',
      'cai@example.com',
      (html, n) => {
        const $ = page(html);
        expect($('html').attr('lang')).toBe('de');
        expect($('h1').text()).toBe('Vervollständigen Sie Ihr Profil');
        expect($('label[for=profile-coffee]').text()).toContain('Kaffee');
        expect($('select[name=coffee] option').first().text()).toBe('Bitte wählen');
        expect($('button[value=save]').text().trim()).toBe('Weiter');
        if (n === 1) return { coffee: 'mocha', child_birthday: '2020-13-01' };
        // The errors are German, announced, and tied to their fields.
        expect($('.alert[role=alert]').text()).toBe('Bitte korrigieren Sie die 2 unten markierten Felder.');
        expect($('#profile-coffee-error').text()).toBe('Bitte wählen Sie einen der angebotenen Werte für Kaffee.');
        expect($('#profile-coffee-error').attr('role')).toBe('alert');
        expect($('#profile-coffee').attr('aria-describedby')).toBe('profile-coffee-error');
        // No German label configured for this field: the English one, in a German sentence.
        expect($('#profile-child_birthday-error').text()).toBe("Child's birthday muss ein Datum (JJJJ-MM-TT) sein.");
        return { coffee: 'espresso', child_birthday: '' };
      },
      'de-CH,de;q=0.9,en;q=0.5',
    );
    expect(result.forms).toHaveLength(2);
    expect(result.claims).toMatchObject({ x_coffee: 'espresso' });
  });
});

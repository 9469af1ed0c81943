import { describe, expect, it, vi } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { AuthorizationError, authorizationError } from '../../../src/protocol/oidc/authorization-error.js';
import {
  parseAuthorizationRequest,
  type AuthorizationRequestOptions,
} from '../../../src/protocol/oidc/authorize.js';
import type { OidcClient } from '../../../src/protocol/oidc/client.js';
import { SUPPORTED_SCOPES } from '../../../src/protocol/oidc/discovery.js';
import { CONFIDENTIAL, PUBLIC, RFC7636_CHALLENGE, TRUSTED, rejection } from './helpers.js';

const CLIENTS = new Map<string, OidcClient>([CONFIDENTIAL, PUBLIC, TRUSTED].map((c) => [c.clientId, c]));
const lookup = async (id: string): Promise<OidcClient | null> => CLIENTS.get(id) ?? null;
const OPTIONS: AuthorizationRequestOptions = { supportedScopes: [...SUPPORTED_SCOPES] };

const BASE: Record<string, string> = {
  client_id: 'shop',
  redirect_uri: 'https://shop.example.com/callback',
  response_type: 'code',
  scope: 'openid profile',
  state: 'st-123',
};
const PUBLIC_BASE: Record<string, string> = {
  client_id: 'spa',
  redirect_uri: 'http://localhost:5173/callback',
  response_type: 'code',
  scope: 'openid',
  code_challenge: RFC7636_CHALLENGE,
  code_challenge_method: 'S256',
};

/** Single-valued params; `undefined` removes a base parameter. */
function params(overrides: Record<string, string | undefined> = {}, base = BASE): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries({ ...base, ...overrides })) if (v !== undefined) out[k] = [v];
  return out;
}

const parse = (p: Record<string, string[]>, options = OPTIONS) => parseAuthorizationRequest(p, lookup, options);

/** Expect a non-redirectable IdbridgeError (an error page). */
async function expectPageError(p: Record<string, string[]>, code: string, options = OPTIONS): Promise<IdbridgeError> {
  const error = await rejection(() => parse(p, options));
  expect(error).toBeInstanceOf(IdbridgeError);
  expect(error).not.toBeInstanceOf(AuthorizationError);
  const e = error as IdbridgeError;
  expect(e.code).toBe(code);
  expect(e.redirectable).toBe(false);
  return e;
}

/** Expect a redirectable AuthorizationError. */
async function expectRedirectError(p: Record<string, string[]>, code: string, options = OPTIONS): Promise<AuthorizationError> {
  const error = await rejection(() => parse(p, options));
  expect(error).toBeInstanceOf(AuthorizationError);
  const e = error as AuthorizationError;
  expect(e.code).toBe(code);
  expect(e.redirectable).toBe(true);
  expect(e.status).toBe(400);
  return e;
}

describe('parseAuthorizationRequest: a valid request', () => {
  it('returns the validated request', async () => {
    const request = await parse(params({ nonce: 'n-1', login_hint: 'alice@example.com', max_age: '300', acr_values: 'urn:a urn:b urn:a' }));
    expect(request).toEqual({
      client: CONFIDENTIAL,
      redirectUri: 'https://shop.example.com/callback',
      responseMode: 'query',
      scopes: ['openid', 'profile'],
      state: 'st-123',
      nonce: 'n-1',
      prompt: [],
      maxAge: 300,
      loginHint: 'alice@example.com',
      acrValues: ['urn:a', 'urn:b'],
    });
  });

  it('is JSON-serialisable (round-trips unchanged)', async () => {
    const request = await parse(params({ prompt: 'login consent', code_challenge: RFC7636_CHALLENGE, code_challenge_method: 'S256' }));
    expect(JSON.parse(JSON.stringify(request))).toEqual(request);
    expect(Array.isArray(request.prompt)).toBe(true);
  });

  it('accepts a registered redirect_uri that carries a query', async () => {
    const request = await parse(params({ redirect_uri: 'https://shop.example.com/cb?tenant=7' }));
    expect(request.redirectUri).toBe('https://shop.example.com/cb?tenant=7');
  });

  it('accepts a registered native-app (private-use scheme) redirect_uri', async () => {
    const app: OidcClient = { ...PUBLIC, clientId: 'app', redirectUris: ['com.example.app:/oauth2redirect'] };
    const find = async (id: string) => (id === 'app' ? app : null);
    const request = await parseAuthorizationRequest(params({ client_id: 'app', redirect_uri: 'com.example.app:/oauth2redirect' }, PUBLIC_BASE), find, OPTIONS);
    expect(request.redirectUri).toBe('com.example.app:/oauth2redirect');
  });

  it('accepts a public client with S256 PKCE', async () => {
    const request = await parse(params({}, PUBLIC_BASE));
    expect(request.codeChallenge).toBe(RFC7636_CHALLENGE);
    expect(request.state).toBeUndefined();
  });

  it('honours optional PKCE from a confidential client', async () => {
    const request = await parse(params({ code_challenge: RFC7636_CHALLENGE, code_challenge_method: 'S256' }));
    expect(request.codeChallenge).toBe(RFC7636_CHALLENGE);
  });

  it('accepts form_post and an explicit query response_mode', async () => {
    expect((await parse(params({ response_mode: 'form_post' }))).responseMode).toBe('form_post');
    expect((await parse(params({ response_mode: 'query' }))).responseMode).toBe('query');
  });

  it('treats empty parameters as omitted (RFC 6749 §3.1)', async () => {
    const request = await parse(params({ state: '', nonce: '', prompt: '', max_age: '' }));
    expect(request.state).toBeUndefined();
    expect(request.nonce).toBeUndefined();
    expect(request.maxAge).toBeUndefined();
  });

  it('accepts and ignores ui_locales, claims_locales, display, claims', async () => {
    const request = await parse(params({ ui_locales: 'fr-CA fr en', claims_locales: 'de', display: 'popup', claims: '{"userinfo":{}}' }));
    expect(request.scopes).toEqual(['openid', 'profile']);
  });

  it('passes id_token_hint through unverified', async () => {
    const request = await parse(params({ id_token_hint: 'a.b.c', prompt: 'none' }));
    expect(request.idTokenHint).toBe('a.b.c');
    expect(request.prompt).toEqual(['none']);
  });

  it('tolerates unknown and repeated unknown parameters (e.g. RFC 8707 resource)', async () => {
    const p = params();
    p['resource'] = ['https://api.example.com/a', 'https://api.example.com/b'];
    p['x-tracking'] = ['1'];
    await expect(parse(p)).resolves.toBeDefined();
  });

  it('ignores inherited (prototype) properties of the parameter object', async () => {
    const inherited = Object.create(params()) as Record<string, string[]>;
    const e = await expectPageError(inherited, 'invalid_request');
    expect(e.description).toMatch(/client_id/);
  });
});

describe('parseAuthorizationRequest: repeated and oversized parameters (not redirectable)', () => {
  for (const name of ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'prompt']) {
    it(`refuses a repeated ${name}`, async () => {
      const p = params({ code_challenge: RFC7636_CHALLENGE, code_challenge_method: 'S256', nonce: 'n', prompt: 'login' });
      p[name] = [p[name]![0]!, p[name]![0]!];
      await expectPageError(p, 'invalid_request');
    });
  }

  it('refuses a repeated parameter even if one copy is empty', async () => {
    const p = params();
    p['state'] = ['', 'x'];
    await expectPageError(p, 'invalid_request');
  });

  it('refuses values longer than the default cap of 2048', async () => {
    await expectPageError(params({ state: 'x'.repeat(2049) }), 'invalid_request');
    await expectPageError(params({ client_id: 'x'.repeat(5000) }), 'invalid_request');
    await expectPageError(params({ redirect_uri: `https://shop.example.com/${'a'.repeat(3000)}` }), 'invalid_request');
    await expectPageError(params({ ui_locales: 'en '.repeat(1000) }), 'invalid_request');
  });

  it('honours a custom maxParamLength', async () => {
    await expectPageError(params({ nonce: 'n'.repeat(65) }), 'invalid_request', { ...OPTIONS, maxParamLength: 64 });
    await expect(parse(params({ nonce: 'n'.repeat(64) }), { ...OPTIONS, maxParamLength: 64 })).resolves.toBeDefined();
  });

  it('accepts a state of exactly 2048 characters', async () => {
    expect((await parse(params({ state: 's'.repeat(2048) }))).state).toHaveLength(2048);
  });

  it('does not look the client up before the structural checks pass', async () => {
    const spy = vi.fn(lookup);
    const p = params();
    p['scope'] = ['openid', 'openid'];
    await rejection(() => parseAuthorizationRequest(p, spy, OPTIONS));
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('parseAuthorizationRequest: client and redirect_uri (not redirectable)', () => {
  it('refuses a missing client_id', async () => {
    await expectPageError(params({ client_id: undefined }), 'invalid_request');
  });

  it('refuses an unknown client_id with invalid_client, status 400', async () => {
    const e = await expectPageError(params({ client_id: 'nobody' }), 'invalid_client');
    expect(e.status).toBe(400);
  });

  it('refuses a client returned by a loose (case-insensitive) lookup', async () => {
    const loose = async (id: string) => CLIENTS.get(id.toLowerCase()) ?? null;
    const error = await rejection(() => parseAuthorizationRequest(params({ client_id: 'SHOP' }), loose, OPTIONS));
    expect((error as IdbridgeError).code).toBe('invalid_client');
  });

  it('refuses a missing redirect_uri', async () => {
    await expectPageError(params({ redirect_uri: undefined }), 'invalid_request');
  });

  const variants: Array<[string, string]> = [
    ['added path', 'https://shop.example.com/callback/evil'],
    ['path prefix', 'https://shop.example.com/call'],
    ['added query', 'https://shop.example.com/callback?next=https://evil.example'],
    ['changed registered query', 'https://shop.example.com/cb?tenant=8'],
    ['dropped registered query', 'https://shop.example.com/cb'],
    ['different port', 'https://shop.example.com:8443/callback'],
    ['explicit default port', 'https://shop.example.com:443/callback'],
    ['trailing slash', 'https://shop.example.com/callback/'],
    ['host case change', 'https://SHOP.example.com/callback'],
    ['path case change', 'https://shop.example.com/Callback'],
    ['fragment', 'https://shop.example.com/callback#frag'],
    ['empty fragment', 'https://shop.example.com/callback#'],
    ['http instead of https', 'http://shop.example.com/callback'],
    ['other host', 'https://evil.example.com/callback'],
    ['suffix host', 'https://shop.example.com.evil.net/callback'],
    ['userinfo', 'https://shop.example.com@evil.net/callback'],
    ['percent-encoded path', 'https://shop.example.com/%63allback'],
    ['dot segment', 'https://shop.example.com/x/../callback'],
    ['surrounding whitespace', ' https://shop.example.com/callback'],
    ['another client’s URI', 'http://localhost:5173/callback'],
  ];
  for (const [what, uri] of variants) {
    it(`refuses a redirect_uri with ${what}`, async () => {
      const e = await expectPageError(params({ redirect_uri: uri }), 'invalid_request');
      expect(e.description).not.toContain(uri);
    });
  }

  it('refuses a registered redirect_uri that is not a usable redirection URI', async () => {
    const broken: OidcClient = { ...CONFIDENTIAL, clientId: 'broken', redirectUris: ['https://x.example/cb#f', 'not a url', 'javascript:alert(1)//', 'data:text/html,x'] };
    const find = async (id: string) => (id === 'broken' ? broken : null);
    for (const uri of broken.redirectUris) {
      const error = await rejection(() => parseAuthorizationRequest(params({ client_id: 'broken', redirect_uri: uri }), find, OPTIONS));
      expect(error).not.toBeInstanceOf(AuthorizationError);
      expect((error as IdbridgeError).code).toBe('invalid_request');
    }
  });

  it('does not redirect even when other parameters are also wrong', async () => {
    await expectPageError(params({ redirect_uri: 'https://evil.example/', response_type: 'token' }), 'invalid_request');
  });
});

describe('parseAuthorizationRequest: redirectable errors', () => {
  it('carries redirect_uri, state and response mode', async () => {
    const e = await expectRedirectError(params({ response_type: 'token', response_mode: 'form_post' }), 'unsupported_response_type');
    expect(e.redirect).toEqual({ redirectUri: 'https://shop.example.com/callback', state: 'st-123', responseMode: 'form_post' });
    expect(e.oauthError).toBe('unsupported_response_type');
  });

  it('falls back to query mode when the response_mode itself is bad', async () => {
    const e = await expectRedirectError(params({ response_mode: 'fragment' }), 'invalid_request');
    expect(e.redirect.responseMode).toBe('query');
  });

  it('omits an over-long state from the redirect', async () => {
    const e = await expectRedirectError(params({ state: 's'.repeat(3000) }), 'invalid_request', { ...OPTIONS, maxParamLength: 4096 });
    expect(e.redirect.state).toBeUndefined();
  });

  it('refuses request with request_not_supported', async () => {
    const e = await expectRedirectError(params({ request: 'eyJhbGciOiJub25lIn0.e30.' }), 'invalid_request');
    expect(e.oauthError).toBe('request_not_supported');
  });

  it('refuses request even when it is longer than the parameter cap', async () => {
    const e = await expectRedirectError(params({ request: 'x'.repeat(5000) }), 'invalid_request');
    expect(e.oauthError).toBe('request_not_supported');
  });

  it('refuses request_uri with request_uri_not_supported', async () => {
    const e = await expectRedirectError(params({ request_uri: 'https://rp.example/req.jwt' }), 'invalid_request');
    expect(e.oauthError).toBe('request_uri_not_supported');
  });

  it('refuses registration with registration_not_supported', async () => {
    const e = await expectRedirectError(params({ registration: '{}' }), 'invalid_request');
    expect(e.oauthError).toBe('registration_not_supported');
  });

  it('refuses a missing response_type with invalid_request', async () => {
    await expectRedirectError(params({ response_type: undefined }), 'invalid_request');
  });

  for (const responseType of ['token', 'id_token', 'code id_token', 'id_token code', 'code token', 'none', 'CODE', 'code ']) {
    it(`refuses response_type=${JSON.stringify(responseType)}`, async () => {
      await expectRedirectError(params({ response_type: responseType }), 'unsupported_response_type');
    });
  }

  for (const mode of ['fragment', 'web_message', 'jwt', 'query.jwt', 'FORM_POST']) {
    it(`refuses response_mode=${mode}`, async () => {
      await expectRedirectError(params({ response_mode: mode }), 'invalid_request');
    });
  }
});

describe('parseAuthorizationRequest: scopes', () => {
  it('requires openid', async () => {
    await expectRedirectError(params({ scope: 'profile email' }), 'invalid_scope');
    await expectRedirectError(params({ scope: undefined }), 'invalid_scope');
    await expectRedirectError(params({ scope: 'OPENID' }), 'invalid_scope');
  });

  it('drops unknown scopes and scopes the client may not have, keeping order and removing duplicates', async () => {
    const request = await parse(params({ scope: 'email  unknown openid phone profile email' }));
    expect(request.scopes).toEqual(['email', 'openid', 'profile']);
  });

  it('refuses when openid is not allowed for the client', async () => {
    const noOidc: OidcClient = { ...CONFIDENTIAL, clientId: 'legacy', scopes: ['profile'] };
    const find = async (id: string) => (id === 'legacy' ? noOidc : null);
    const error = await rejection(() => parseAuthorizationRequest(params({ client_id: 'legacy' }), find, OPTIONS));
    expect((error as AuthorizationError).code).toBe('invalid_scope');
  });

  it('refuses when openid is not a supported scope', async () => {
    await expectRedirectError(params(), 'invalid_scope', { supportedScopes: ['profile'] });
  });

  it('drops offline_access without prompt=consent (OIDC Core §11)', async () => {
    expect((await parse(params({ scope: 'openid offline_access' }))).scopes).toEqual(['openid']);
    expect((await parse(params({ scope: 'openid offline_access', prompt: 'consent' }))).scopes).toEqual(['openid', 'offline_access']);
  });

  it('keeps offline_access for a trusted client', async () => {
    const request = await parse(params({ client_id: 'forum', redirect_uri: 'https://forum.example.com/cb', scope: 'openid offline_access' }));
    expect(request.scopes).toEqual(['openid', 'offline_access']);
  });
});

describe('parseAuthorizationRequest: PKCE', () => {
  it('requires PKCE from public clients', async () => {
    const e = await expectRedirectError(params({ code_challenge: undefined, code_challenge_method: undefined }, PUBLIC_BASE), 'invalid_request');
    expect(e.redirect.redirectUri).toBe('http://localhost:5173/callback');
  });

  it('refuses the plain method', async () => {
    const e = await expectRedirectError(params({ code_challenge_method: 'plain' }, PUBLIC_BASE), 'invalid_request');
    expect(e.description).toMatch(/plain/);
    await expectRedirectError(params({ code_challenge: RFC7636_CHALLENGE, code_challenge_method: 'plain' }), 'invalid_request');
  });

  it('refuses a challenge without method (RFC 7636 would default to plain)', async () => {
    await expectRedirectError(params({ code_challenge_method: undefined }, PUBLIC_BASE), 'invalid_request');
  });

  it('refuses unknown methods, including case variants', async () => {
    await expectRedirectError(params({ code_challenge_method: 's256' }, PUBLIC_BASE), 'invalid_request');
    await expectRedirectError(params({ code_challenge_method: 'S512' }, PUBLIC_BASE), 'invalid_request');
  });

  it('refuses a method without challenge', async () => {
    await expectRedirectError(params({ code_challenge_method: 'S256' }), 'invalid_request');
  });

  const malformed: Array<[string, string]> = [
    ['42 characters', 'a'.repeat(42)],
    ['129 characters', 'a'.repeat(129)],
    ['a plus sign', `${'a'.repeat(42)}+`],
    ['a slash', `${'a'.repeat(42)}/`],
    ['padding', `${RFC7636_CHALLENGE}=`],
    ['a space', `${'a'.repeat(21)} ${'a'.repeat(21)}`],
  ];
  for (const [what, challenge] of malformed) {
    it(`refuses a challenge with ${what}`, async () => {
      await expectRedirectError(params({ code_challenge: challenge }, PUBLIC_BASE), 'invalid_request');
    });
  }

  it('accepts 43 and 128 unreserved characters', async () => {
    for (const challenge of ['a'.repeat(43), `${'A0-._~'.repeat(21)}zz`]) {
      expect((await parse(params({ code_challenge: challenge }, PUBLIC_BASE))).codeChallenge).toBe(challenge);
    }
  });
});

describe('parseAuthorizationRequest: other parameters', () => {
  it('limits nonce to 512 characters', async () => {
    expect((await parse(params({ nonce: 'n'.repeat(512) }))).nonce).toHaveLength(512);
    await expectRedirectError(params({ nonce: 'n'.repeat(513) }), 'invalid_request');
  });

  it('parses prompt values, removing duplicates', async () => {
    expect((await parse(params({ prompt: 'login  consent login select_account' }))).prompt).toEqual(['login', 'consent', 'select_account']);
  });

  for (const prompt of ['none login', 'login none', 'none consent', 'none select_account', 'none none login']) {
    it(`refuses prompt=${prompt}`, async () => {
      await expectRedirectError(params({ prompt }), 'invalid_request');
    });
  }

  it('refuses unknown prompt values without echoing them', async () => {
    const e = await expectRedirectError(params({ prompt: 'login <script>' }), 'invalid_request');
    expect(e.description).not.toContain('<script>');
    await expectRedirectError(params({ prompt: 'register' }), 'invalid_request');
  });

  it('parses max_age', async () => {
    expect((await parse(params({ max_age: '0' }))).maxAge).toBe(0);
    expect((await parse(params({ max_age: '86400' }))).maxAge).toBe(86400);
  });

  for (const maxAge of ['-1', '1.5', '1e3', 'abc', ' 5', '0x10', '99999999999']) {
    it(`refuses max_age=${JSON.stringify(maxAge)}`, async () => {
      await expectRedirectError(params({ max_age: maxAge }), 'invalid_request');
    });
  }

  it('limits login_hint to 320 characters', async () => {
    expect((await parse(params({ login_hint: 'h'.repeat(320) }))).loginHint).toHaveLength(320);
    await expectRedirectError(params({ login_hint: 'h'.repeat(321) }), 'invalid_request');
  });

  it('allows an id_token_hint longer than the generic cap', async () => {
    expect((await parse(params({ id_token_hint: 'x'.repeat(4000) }))).idTokenHint).toHaveLength(4000);
    await expectPageError(params({ id_token_hint: 'x'.repeat(9000) }), 'invalid_request');
  });
});

describe('parseAuthorizationRequest: openid2_realm (OpenID 2.0 migration)', () => {
  const good = ['https://shop.example.com/', 'https://shop.example.com', 'https://*.example.com/', 'https://shop.example.com/callback'];
  for (const realm of good) {
    it(`accepts realm ${realm}`, async () => {
      expect((await parse(params({ openid2_realm: realm }))).openid2Realm).toBe(realm);
    });
  }

  const bad: Array<[string, string]> = [
    ['another host', 'https://other.example.com/'],
    ['http scheme', 'http://shop.example.com/'],
    ['a deeper path', 'https://shop.example.com/callback/x'],
    ['another port', 'https://shop.example.com:8443/'],
    ['a too broad wildcard', 'https://*.com/'],
    ['not a URL', 'shop.example.com'],
    ['a non-http scheme', 'ftp://shop.example.com/'],
    ['a fragment', 'https://shop.example.com/#x'],
  ];
  for (const [what, realm] of bad) {
    it(`refuses a realm with ${what}, by redirect`, async () => {
      await expectRedirectError(params({ openid2_realm: realm }), 'invalid_request');
    });
  }
});

describe('authorizationError helper', () => {
  it('builds a redirectable error for a validated request (prompt=none → login_required)', async () => {
    const request = await parse(params({ prompt: 'none', response_mode: 'form_post' }));
    const e = authorizationError(request, 'login_required', 'The user is not signed in.');
    expect(e).toBeInstanceOf(AuthorizationError);
    expect(e.redirectable).toBe(true);
    expect(e.redirect).toEqual({ redirectUri: request.redirectUri, state: 'st-123', responseMode: 'form_post' });
  });
});

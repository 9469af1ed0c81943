/**
 * Interoperability: openid-client v6 (a certified RP library) drives the pure protocol functions
 * end to end through its `customFetch` hook, without a server. This checks the discovery document,
 * the authorization request it builds, our response (state + RFC 9207 iss), Basic client
 * authentication with special characters, PKCE, and the ID token claims it validates.
 */
import { exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import * as client from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import {
  authenticateClient,
  authorizationResponse,
  buildIdTokenClaims,
  claimsForScopes,
  hashClientSecret,
  parseAuthorizationRequest,
  parseClientCredentials,
  providerMetadata,
  signJwt,
  SUPPORTED_SCOPES,
  verifyIdTokenHint,
  verifyPkce,
  type AuthorizationRequest,
  type OidcClient,
  type SigningKey,
} from '../../../src/protocol/oidc/index.js';
import { ISSUER } from './helpers.js';

const SECRET = 'p@ss:word/with+special%chars&=~ and spaces 0123456789abcdef';
// No query here: openid-client v6 rebuilds redirect_uri for the token request by stripping the
// callback URL's whole query, so a registered URI with a query could never match exactly at the
// token endpoint (RFC 6749 §4.1.3). Query preservation is covered in authorization-response tests.
const REDIRECT = 'https://rp.example.com/cb';

let rp: OidcClient;
let key: SigningKey;
let jwks: JSONWebKeySet;
/** code → the request it was issued for (the OP's code store). */
const codes = new Map<string, AuthorizationRequest>();

function formParams(body: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of body) (out[k] ??= []).push(v);
  return out;
}

/** A tiny OP made only of the pure functions; serves discovery and the token endpoint. */
const op: client.CustomFetch = async (url, init) => {
  const target = new URL(url);
  if (target.pathname === '/.well-known/openid-configuration') return Response.json(providerMetadata(ISSUER));
  if (target.pathname === '/token') {
    try {
      const headers = new Headers(init.headers);
      const form = formParams(new URLSearchParams(String(init.body)));
      const authorization = headers.get('authorization');
      const credentials = parseClientCredentials(authorization === null ? {} : { authorization }, form);
      await authenticateClient(credentials, rp);
      const request = codes.get(form['code']?.[0] ?? '');
      codes.delete(form['code']?.[0] ?? '');
      if (request === undefined || form['redirect_uri']?.[0] !== request.redirectUri) {
        return Response.json({ error: 'invalid_grant' }, { status: 400 });
      }
      if (!(await verifyPkce(request.codeChallenge, form['code_verifier']?.[0]))) {
        return Response.json({ error: 'invalid_grant' }, { status: 400 });
      }
      const accessToken = 'at-' + crypto.randomUUID();
      const now = Date.now();
      const claims = await buildIdTokenClaims({
        issuer: ISSUER,
        sub: 'user-1',
        aud: rp.clientId,
        authTime: Math.floor(now / 1000) - 5,
        now,
        ttlSeconds: 300,
        accessToken,
        sid: 'sid-1',
        ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
        extra: claimsForScopes({ sub: 'user-1', email: 'alice@example.com', emailVerified: true }, request.scopes),
      });
      const idToken = await signJwt(claims, key);
      return Response.json({ access_token: accessToken, token_type: 'Bearer', expires_in: 3600, id_token: idToken, scope: request.scopes.join(' ') });
    } catch (error) {
      if (error instanceof IdbridgeError) return Response.json({ error: error.code }, { status: error.status });
      throw error;
    }
  }
  return new Response('not found', { status: 404 });
};

beforeAll(async () => {
  rp = {
    clientId: 'rp:1 +x',
    name: 'Interop RP',
    redirectUris: [REDIRECT],
    postLogoutRedirectUris: [],
    public: false,
    trusted: false,
    scopes: ['openid', 'email'],
    secretHash: await hashClientSecret(SECRET),
  };
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = { kid: 'k1', alg: 'ES256', privateKey: pair.privateKey };
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] };
});

async function configuration(secret = SECRET): Promise<client.Configuration> {
  return client.discovery(new URL(ISSUER), rp.clientId, undefined, client.ClientSecretBasic(secret), {
    [client.customFetch]: op,
  });
}

async function authorize(config: client.Configuration, extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  expect(url.origin + url.pathname).toBe(`${ISSUER}/authorize`);
  const request = await parseAuthorizationRequest(formParams(url.searchParams), async (id) => (id === rp.clientId ? rp : null), {
    supportedScopes: [...SUPPORTED_SCOPES],
  });
  const code = crypto.randomUUID();
  codes.set(code, request);
  const response = authorizationResponse(request, { code }, ISSUER);
  if (response.kind !== 'redirect') throw new Error('expected a redirect');
  return { verifier, state, nonce, location: new URL(response.location) };
}

describe('openid-client v6 against the pure OP functions', () => {
  it('completes the code flow with PKCE, Basic auth with special characters, iss and nonce checks', async () => {
    const config = await configuration();
    expect(config.serverMetadata().issuer).toBe(ISSUER);
    const { verifier, state, nonce, location } = await authorize(config);
    expect(location.searchParams.get('iss')).toBe(ISSUER);
    const tokens = await client.authorizationCodeGrant(config, location, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    expect(claims?.sub).toBe('user-1');
    expect(claims?.['email']).toBe('alice@example.com');
    expect(claims?.aud).toBe(rp.clientId);

    // The ID token later comes back as id_token_hint; expired or not, it verifies against our JWKS.
    const hint = await verifyIdTokenHint(tokens.id_token!, jwks, { issuer: ISSUER, now: Date.now() + 86_400_000 });
    expect(hint).toEqual({ sub: 'user-1', aud: [rp.clientId], sid: 'sid-1' });
  });

  it('the RP rejects a response whose iss is not ours (mix-up defence)', async () => {
    const config = await configuration();
    const { verifier, state, nonce, location } = await authorize(config);
    location.searchParams.set('iss', 'https://evil.example.com');
    await expect(
      client.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
    ).rejects.toThrow();
  });

  it('a wrong client secret fails at the token endpoint', async () => {
    const config = await configuration(`${SECRET}x`);
    const { verifier, state, nonce, location } = await authorize(config);
    const error = await client
      .authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(client.ResponseBodyError);
    expect((error as client.ResponseBodyError).error).toBe('invalid_client');
  });

  it('a wrong PKCE verifier fails at the token endpoint', async () => {
    const config = await configuration();
    const { state, nonce, location } = await authorize(config);
    const error = await client
      .authorizationCodeGrant(config, location, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: state, expectedNonce: nonce })
      .then(() => null, (e: unknown) => e);
    expect((error as client.ResponseBodyError).error).toBe('invalid_grant');
  });
});

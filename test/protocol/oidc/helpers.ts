import type { OidcClient } from '../../../src/protocol/oidc/client.js';

/** Run a promise-returning function and return the error it rejects with. */
export async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Run a function and return the error it throws. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

export const ISSUER = 'https://id.example.com';

export const CONFIDENTIAL: OidcClient = {
  clientId: 'shop',
  name: 'The Shop',
  redirectUris: ['https://shop.example.com/callback', 'https://shop.example.com/cb?tenant=7'],
  postLogoutRedirectUris: ['https://shop.example.com/'],
  public: false,
  trusted: false,
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  secretHash: null,
};

export const PUBLIC: OidcClient = {
  clientId: 'spa',
  name: 'Single-page app',
  redirectUris: ['http://localhost:5173/callback'],
  postLogoutRedirectUris: [],
  public: true,
  trusted: false,
  scopes: ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'],
  secretHash: null,
};

export const TRUSTED: OidcClient = { ...CONFIDENTIAL, clientId: 'forum', redirectUris: ['https://forum.example.com/cb'], trusted: true };

/** RFC 7636 Appendix B (the verifier is base64url of the 32 octets listed there). */
export const RFC7636_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const RFC7636_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

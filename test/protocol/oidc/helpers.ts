import type { OidcClient } from '../../../src/protocol/oidc/client.js';

export { rejection, thrown } from '../../helpers/errors.js';

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

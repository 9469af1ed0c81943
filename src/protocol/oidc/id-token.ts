/**
 * ID Tokens (OIDC Core §2, §3.1.3.6) and JWT signing.
 */
import { SignJWT, type JWTPayload } from 'jose';
import { sha256, toBase64Url, utf8 } from '../../util/bytes.js';

/** Signing algorithms we issue. ES256 is the default; RS256 is what every client must support. */
export const SIGNING_ALGS = ['ES256', 'RS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** A private signing key with the `kid` published in the JWKS. */
export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
}

/** The hash that goes with a JWS algorithm: the one its name ends in (OIDC Core §3.1.3.6). */
function hashForAlg(alg: SigningAlg): 'SHA-256' {
  switch (alg) {
    case 'ES256':
    case 'RS256':
      return 'SHA-256';
  }
}

/**
 * `at_hash` (OIDC Core §3.1.3.6): hash the ASCII access token with the hash of the ID Token's
 * signing algorithm, keep the left-most half, base64url-encode it. It binds the access token to the
 * signed ID Token, so a client can tell a substituted access token.
 */
export async function atHash(accessToken: string, alg: SigningAlg): Promise<string> {
  hashForAlg(alg); // both supported algorithms hash with SHA-256
  const digest = await sha256(utf8(accessToken));
  return toBase64Url(digest.subarray(0, digest.length / 2));
}

export interface IdTokenInput {
  issuer: string;
  sub: string;
  /** The client's `client_id`. */
  aud: string;
  nonce?: string;
  /** When the user last authenticated, Unix seconds. */
  authTime: number;
  acr?: string;
  amr?: string[];
  /** Session id (Front/Back-Channel Logout). */
  sid?: string;
  /** The access token issued alongside, for `at_hash`. */
  accessToken?: string;
  /** Now, milliseconds since the epoch. */
  now: number;
  ttlSeconds: number;
  /** The user's verified OpenID 2.0 identifier (Migration 1.0 §4), as `openid2_id`. */
  openid2Id?: string;
  /** The algorithm the token will be signed with (selects the `at_hash` hash); default ES256. */
  alg?: SigningAlg;
  /** Further claims (e.g. user claims). They cannot override the claims above. */
  extra?: Record<string, unknown>;
}

/** Claims a caller's `extra` must never set: they carry the token's security meaning. */
const PROTECTED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'sid', 'at_hash', 'c_hash',
  'openid2_id',
]);

/**
 * The claims of an ID Token: iss, sub, aud, exp, iat, auth_time, and nonce / acr / amr / sid /
 * at_hash / openid2_id when given, plus `extra` minus any protected claim.
 */
export async function buildIdTokenClaims(input: IdTokenInput): Promise<JWTPayload> {
  const iat = Math.floor(input.now / 1000);
  const claims: JWTPayload = {};
  if (input.extra !== undefined) {
    for (const [name, value] of Object.entries(input.extra)) {
      if (!PROTECTED_CLAIMS.has(name) && value !== undefined) claims[name] = value;
    }
  }
  claims.iss = input.issuer;
  claims.sub = input.sub;
  claims.aud = input.aud;
  claims.exp = iat + input.ttlSeconds;
  claims.iat = iat;
  claims['auth_time'] = Math.floor(input.authTime);
  // The nonce is echoed exactly: it is the client's replay protection (OIDC Core §3.1.3.7 step 11).
  if (input.nonce !== undefined) claims['nonce'] = input.nonce;
  if (input.acr !== undefined) claims['acr'] = input.acr;
  if (input.amr !== undefined && input.amr.length > 0) claims['amr'] = [...input.amr];
  if (input.sid !== undefined) claims['sid'] = input.sid;
  if (input.accessToken !== undefined) claims['at_hash'] = await atHash(input.accessToken, input.alg ?? 'ES256');
  if (input.openid2Id !== undefined) claims['openid2_id'] = input.openid2Id;
  return claims;
}

/**
 * Sign claims as a compact JWS with the given key; the header carries `alg`, `kid` (so verifiers
 * pick the right key from our JWKS during rotation) and `typ` when given (e.g. `logout+jwt`).
 */
export async function signJwt(claims: JWTPayload, key: SigningKey, typ?: string): Promise<string> {
  const header: { alg: SigningAlg; kid: string; typ?: string } = { alg: key.alg, kid: key.kid };
  if (typ !== undefined) header.typ = typ;
  return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
}

import { fromBase64Url, hmacSha256, timingSafeEqualBytes, toBase64Url, utf8 } from '../../util/bytes.js';

/**
 * The bridge logout token (an idbridge extension of the Janrain protocol): how the identity
 * service tells the bridge "this user confirmed signing out here, end their bridge session too"
 * on the redirect to the bridge's signout URL, without a second confirmation page.
 *
 * Why a token: the bridge may live on another origin and cannot check the identity service's CSRF
 * token, and a plain `GET /signout` would let any page log the user out with an `<img>`. The token
 * is an HMAC under a key derived from the API key both halves already share, over
 * - the bridge user id (the postback's `username`): it ends only that user's session, so a token
 *   obtained by signing out one's own account cannot log anybody else out;
 * - the `continue` URL: it cannot be re-pointed;
 * - an expiry a couple of minutes out: a token seen later (history, logs) is useless.
 * The user id is not sent: the bridge computes the MAC for the session the browser holds.
 * Format: `v1.<expiry, unix seconds>.<base64url MAC>`.
 */
export const LOGOUT_TOKEN_TTL_SECONDS = 120;

export interface LogoutTokenClaims {
  /** The bridge's user id of the session to end. */
  userId: string;
  /** The `continue` URL the token travels with. */
  continueUrl: string;
}

export async function signLogoutToken(apiKey: string, claims: LogoutTokenClaims, now: number, ttlSeconds = LOGOUT_TOKEN_TTL_SECONDS): Promise<string> {
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  return `v1.${expiry}.${toBase64Url(await mac(apiKey, expiry, claims))}`;
}

/** True when `token` was signed for exactly these claims and has not expired (constant-time MAC check). */
export async function verifyLogoutToken(apiKey: string, token: string | undefined, claims: LogoutTokenClaims, now: number): Promise<boolean> {
  if (!token || token.length > 128) return false;
  const [version, expiryText, macText, ...rest] = token.split('.');
  if (version !== 'v1' || !expiryText || !macText || rest.length > 0 || !/^\d{1,12}$/.test(expiryText)) return false;
  const expiry = Number(expiryText);
  if (expiry * 1000 <= now || expiry * 1000 > now + (LOGOUT_TOKEN_TTL_SECONDS + 60) * 1000) return false;
  let presented: Uint8Array;
  try {
    presented = fromBase64Url(macText);
  } catch {
    return false;
  }
  return timingSafeEqualBytes(presented, await mac(apiKey, expiry, claims));
}

async function mac(apiKey: string, expiry: number, claims: LogoutTokenClaims): Promise<Uint8Array> {
  // A purpose-specific key: the API key itself MACs nothing but this derivation.
  const key = await hmacSha256(utf8(apiKey), utf8('idbridge/bridge-logout-token/v1'));
  return hmacSha256(key, utf8(`${expiry}|${claims.userId.length}:${claims.userId}|${claims.continueUrl}`));
}

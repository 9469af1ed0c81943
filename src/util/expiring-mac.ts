import { fromBase64Url, hmacSha256, timingSafeEqualBytes, toBase64Url, utf8 } from './bytes.js';

/**
 * Short-lived, single-purpose tokens that need no storage: `v1.<expiry, unix seconds>.<MAC>`, the
 * MAC (HMAC-SHA-256) taken under a key derived from `secret` for `purpose` only, over the expiry
 * and the claims. The claims are not carried: the verifier supplies what it expects (a user id
 * from its own session, say), so a token proves "these exact values, until then" and reveals
 * nothing. Used for the bridge logout token (provider/oidc/rp-logout.ts signs, bridge/sign-in.ts
 * verifies; both hold the shared API key).
 */
export async function signExpiringMac(secret: string, purpose: string, claims: readonly string[], now: number, ttlSeconds: number): Promise<string> {
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  return `v1.${expiry}.${toBase64Url(await mac(secret, purpose, expiry, claims))}`;
}

/**
 * True when `token` was signed for exactly these claims and purpose, has not expired, and does not
 * claim to live longer than `maxTtlSeconds` (constant-time MAC comparison).
 */
export async function verifyExpiringMac(
  secret: string,
  purpose: string,
  token: string | undefined,
  claims: readonly string[],
  now: number,
  maxTtlSeconds: number,
): Promise<boolean> {
  if (!token || token.length > 128) return false;
  const [version, expiryText, macText, ...rest] = token.split('.');
  if (version !== 'v1' || !expiryText || !macText || rest.length > 0 || !/^\d{1,12}$/.test(expiryText)) return false;
  const expiry = Number(expiryText);
  if (expiry * 1000 <= now || expiry * 1000 > now + (maxTtlSeconds + 60) * 1000) return false;
  let presented: Uint8Array;
  try {
    presented = fromBase64Url(macText);
  } catch {
    return false;
  }
  return timingSafeEqualBytes(presented, await mac(secret, purpose, expiry, claims));
}

async function mac(secret: string, purpose: string, expiry: number, claims: readonly string[]): Promise<Uint8Array> {
  // A purpose-specific key: the secret itself MACs nothing but this derivation.
  const key = await hmacSha256(utf8(secret), utf8(`idbridge/expiring-mac/v1|${purpose}`));
  // Length-prefixed claims: no two claim lists serialise alike.
  return hmacSha256(key, utf8([String(expiry), ...claims].map((c) => `${c.length}:${c}`).join('|')));
}

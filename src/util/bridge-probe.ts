/**
 * The bridge's start-up probe (an idbridge extension of the Janrain protocol): before serving, a
 * bridge proves to the identity service that it holds the API key, and the identity service proves
 * the same back, without the key itself travelling and without creating anything.
 *
 *   bridge → `POST <PostBack URL>/../ows_probe`  `nonce=<random>&signature=HMAC(key, "…|request|" + nonce)`
 *   identity service → 200 `signature=HMAC(key, "…|answer|" + nonce)`, or 401 when the key differs
 *
 * A replayed probe gains nothing: it only learns the answer to a nonce it did not choose, and the
 * probe changes no state. In util/ because both halves use it and neither may import the other;
 * portable (runs on Node and Workers).
 */
import { fromBase64Url, hmacSha256, timingSafeEqualBytes, toBase64Url, utf8 } from './bytes.js';

const CONTEXT = 'idbridge-probe/v1';

/** Nonces are base64url, 128–512 bits. */
export const PROBE_NONCE = /^[A-Za-z0-9_-]{22,86}$/;

/** The probe endpoint next to a PostBack URL (`…/ows_auth` → `…/ows_probe`, same origin and folder). */
export function probeUrl(postbackUrl: string): string {
  return new URL('ows_probe', postbackUrl).toString();
}

export async function probeSignature(apiKey: string, role: 'request' | 'answer', nonce: string): Promise<string> {
  return toBase64Url(await hmacSha256(utf8(apiKey), utf8(`${CONTEXT}|${role}|${nonce}`)));
}

/** Constant-time check of a presented signature (false for anything malformed). */
export async function probeSignatureMatches(apiKey: string, role: 'request' | 'answer', nonce: string, presented: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(presented)) return false;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(presented);
  } catch {
    return false;
  }
  const expected = await hmacSha256(utf8(apiKey), utf8(`${CONTEXT}|${role}|${nonce}`));
  return timingSafeEqualBytes(bytes, expected);
}

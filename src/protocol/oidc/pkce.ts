/**
 * Proof Key for Code Exchange (RFC 7636), S256 only.
 *
 * Why S256 only: `plain` sends the verifier itself as the challenge, so anyone who sees the
 * authorization request (logs, referrers, a malicious app on the device) can redeem the code.
 * RFC 9700 §2.1.1 recommends S256; nothing we serve needs `plain`.
 */
import { sha256, timingSafeEqualStrings, toBase64Url, utf8 } from '../../util/bytes.js';

/**
 * A code verifier or challenge: 43–128 characters from the unreserved set (RFC 7636 §4.1, §4.2).
 */
export const PKCE_VALUE_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Does `value` have the syntax of a code verifier / code challenge? */
export function isPkceValue(value: string): boolean {
  return PKCE_VALUE_PATTERN.test(value);
}

/** The S256 code challenge of a verifier: BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2). */
export async function s256Challenge(verifier: string): Promise<string> {
  return toBase64Url(await sha256(utf8(verifier)));
}

/**
 * Check the `code_verifier` of a token request against the `code_challenge` stored with the code.
 *
 * - No challenge stored and no verifier sent: true (a confidential client that did not use PKCE).
 * - No challenge stored but a verifier sent: false. RFC 9700 §2.1.1 / §4.8: otherwise an attacker
 *   who strips `code_challenge` from a victim's request could later redeem a code the victim's
 *   client thinks is PKCE-protected (a PKCE downgrade).
 * - Challenge stored: the verifier is required, must be well-formed, and must hash to the
 *   challenge. The comparison is constant-time, so timing reveals nothing about the challenge.
 */
export async function verifyPkce(challenge: string | undefined, verifier: string | undefined): Promise<boolean> {
  if (challenge === undefined) return verifier === undefined;
  if (verifier === undefined || !isPkceValue(verifier)) return false;
  return timingSafeEqualStrings(await s256Challenge(verifier), challenge);
}

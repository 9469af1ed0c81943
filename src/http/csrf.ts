import { fromBase64Url, hmacSha256, timingSafeEqualBytes, toBase64Url, utf8, type Bytes } from '../util/bytes.js';

/**
 * CSRF tokens bound to the browser id: HMAC(csrf-key, browser id). A cross-site attacker cannot
 * read the sealed browser cookie, so cannot compute the token; the check is constant-time.
 */
export class CsrfTokens {
  readonly #keys: readonly Bytes[];

  /** @param keys the current key first (issues); during a secret rotation, the previous one (verifies too). */
  constructor(keys: Bytes | readonly Bytes[]) {
    this.#keys = Array.isArray(keys) ? keys : [keys as Bytes];
  }

  async issue(browserId: string): Promise<string> {
    return toBase64Url(await hmacSha256(this.#keys[0]!, utf8(`csrf:${browserId}`)));
  }

  async verify(browserId: string, token: string | undefined): Promise<boolean> {
    if (!token || token.length > 128) return false;
    let presented: Uint8Array;
    try {
      presented = fromBase64Url(token);
    } catch {
      return false;
    }
    let valid = false;
    for (const key of this.#keys) {
      // Every key is checked (no early exit), so timing does not tell which one matched.
      valid = timingSafeEqualBytes(presented, await hmacSha256(key, utf8(`csrf:${browserId}`))) || valid;
    }
    return valid;
  }
}

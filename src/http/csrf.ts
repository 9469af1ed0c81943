import { fromBase64Url, hmacSha256, timingSafeEqualBytes, toBase64Url, utf8, type Bytes } from '../util/bytes.js';

/**
 * CSRF tokens bound to the browser id: HMAC(csrf-key, browser id). A cross-site attacker cannot
 * read the sealed browser cookie, so cannot compute the token; the check is constant-time.
 */
export class CsrfTokens {
  constructor(private readonly key: Bytes) {}

  async issue(browserId: string): Promise<string> {
    return toBase64Url(await hmacSha256(this.key, utf8(`csrf:${browserId}`)));
  }

  async verify(browserId: string, token: string | undefined): Promise<boolean> {
    if (!token || token.length > 128) return false;
    let presented: Uint8Array;
    try {
      presented = fromBase64Url(token);
    } catch {
      return false;
    }
    const expected = await hmacSha256(this.key, utf8(`csrf:${browserId}`));
    return timingSafeEqualBytes(presented, expected);
  }
}

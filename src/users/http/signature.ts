/**
 * The signatures of the HTTP directory contract (docs/directory-http.md), both directions.
 *
 * A request carries `X-Idbridge-Timestamp` (Unix seconds), `X-Idbridge-Nonce` (random) and
 * `X-Idbridge-Signature: v1=<hex HMAC-SHA256(secret, ts \n nonce \n METHOD \n path \n body)>`.
 * The site answers with its own timestamp and `v1=<hex HMAC-SHA256(secret, ts \n request signature
 * \n status \n body)>`, so an answer cannot be forged by whoever sits in between (a misconfigured
 * proxy, a captive portal, an attacker with a bad certificate) and cannot be replayed onto another
 * request: it names the request it answers.
 *
 * Why newlines: timestamp, nonce and method cannot contain one, a URL path cannot either (it is
 * percent-encoded), and the body comes last, so the signed string splits back into its parts in
 * exactly one way.
 */
import { hmacSha256, timingSafeEqualBytes, toHex, utf8, type Bytes } from '../../util/bytes.js';

export const SIGNATURE_HEADERS = {
  timestamp: 'x-idbridge-timestamp',
  nonce: 'x-idbridge-nonce',
  signature: 'x-idbridge-signature',
} as const;

/** Timestamps further than this from our clock, either way, are refused (seconds). */
export const SIGNATURE_WINDOW_SECONDS = 300;

export interface SignedRequestParts {
  timestamp: number;
  nonce: string;
  method: string;
  /** The request URL's path as sent (base path included), without the query. */
  path: string;
  body: string;
}

/** The hex HMAC of a request, as it goes into `X-Idbridge-Signature: v1=…`. */
export async function signRequest(secret: Bytes, parts: SignedRequestParts): Promise<string> {
  const input = `${parts.timestamp}\n${parts.nonce}\n${parts.method.toUpperCase()}\n${parts.path}\n${parts.body}`;
  return toHex(await hmacSha256(secret, utf8(input)));
}

/** The hex HMAC the site puts on its answer to the request signed `requestSignature`. */
export async function signResponse(secret: Bytes, timestamp: number, requestSignature: string, status: number, body: string): Promise<string> {
  return toHex(await hmacSha256(secret, utf8(`${timestamp}\n${requestSignature}\n${status}\n${body}`)));
}

export type ResponseCheck = { ok: true } | { ok: false; problem: 'unsigned' | 'malformed' | 'stale' | 'bad_signature' };

/**
 * Check the site's signature on its answer: present, well-formed, its timestamp within the window
 * of `nowSeconds`, and the MAC right (compared in constant time, so a forger learns nothing from
 * how long the refusal took).
 */
export async function verifyResponse(
  secret: Bytes,
  requestSignature: string,
  answer: { status: number; headers: Headers; body: string },
  nowSeconds: number,
): Promise<ResponseCheck> {
  const timestampHeader = answer.headers.get(SIGNATURE_HEADERS.timestamp);
  const signatureHeader = answer.headers.get(SIGNATURE_HEADERS.signature);
  if (timestampHeader === null || signatureHeader === null) return { ok: false, problem: 'unsigned' };
  const given = /^v1=([0-9a-f]{64})$/.exec(signatureHeader.trim());
  if (!/^\d{1,12}$/.test(timestampHeader.trim()) || !given) return { ok: false, problem: 'malformed' };
  const timestamp = Number(timestampHeader.trim());
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_WINDOW_SECONDS) return { ok: false, problem: 'stale' };
  const expected = await signResponse(secret, timestamp, requestSignature, answer.status, answer.body);
  return timingSafeEqualBytes(utf8(expected), utf8(given[1]!)) ? { ok: true } : { ok: false, problem: 'bad_signature' };
}

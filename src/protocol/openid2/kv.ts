/**
 * Key-Value Form Encoding (OpenID 2.0 §4.1.1), the body format of direct responses.
 *
 * Every line is `key:value\n`. A key may contain neither a colon nor a newline, a value no
 * newline; nothing is added around the colon. The same encoding (over the signed fields, in the
 * order of `openid.signed`) is the input of the message signature (§6.1), so the encoder is strict:
 * a newline smuggled into a value would let one field impersonate another inside signed data.
 */
import { invalidRequest } from '../../errors.js';

/** Ordered fields; an iterable of pairs keeps order explicit and allows the caller's own order. */
export type KvFields = Readonly<Record<string, string>> | Iterable<readonly [string, string]>;

function pairsOf(fields: KvFields): Iterable<readonly [string, string]> {
  return Symbol.iterator in fields
    ? (fields as Iterable<readonly [string, string]>)
    : Object.entries(fields as Readonly<Record<string, string>>);
}

/**
 * Encode fields in Key-Value form.
 *
 * Throws a plain `Error` (a bug, not a client error) for an empty key, a key containing `:` or
 * `\n`, or a value containing `\n`: everything we encode is our own output or was validated when
 * it was parsed.
 */
export function kvEncode(fields: KvFields): string {
  let out = '';
  for (const [key, value] of pairsOf(fields)) {
    if (key.length === 0 || key.includes(':') || key.includes('\n')) {
      throw new Error(`kv form: invalid key ${JSON.stringify(key)}`);
    }
    if (value.includes('\n')) throw new Error(`kv form: newline in the value of ${key}`);
    out += `${key}:${value}\n`;
  }
  return out;
}

/**
 * Decode a Key-Value form body strictly: every line (the last one too) must end with `\n` and
 * contain a colon after a non-empty key, and no key may repeat. Throws `invalid_request`.
 */
export function kvDecode(body: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (body.length === 0) return out;
  if (!body.endsWith('\n')) throw invalidRequest('kv form: the last line is not terminated by a newline');
  const lines = body.slice(0, -1).split('\n');
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalidRequest('kv form: a line has no key');
    const key = line.slice(0, colon);
    if (Object.prototype.hasOwnProperty.call(out, key)) throw invalidRequest(`kv form: repeated key ${key}`);
    out[key] = line.slice(colon + 1);
  }
  return out;
}

/**
 * Message signatures (OpenID 2.0 §6): HMAC over the Key-Value form of the signed fields, in the
 * order `openid.signed` lists them.
 */
import { timingSafeEqualBytes, toBase64 } from '../../util/bytes.js';
import type { AssocType } from './association.js';
import { parseBase64 } from './base64.js';
import { kvEncode } from './kv.js';
import type { OpenIdFields } from './message.js';

const HMAC_HASH: Readonly<Record<AssocType, 'SHA-1' | 'SHA-256'>> = {
  'HMAC-SHA1': 'SHA-1',
  'HMAC-SHA256': 'SHA-256',
};

/** The key material a signature needs. */
export interface SigningKey {
  readonly type: AssocType;
  readonly secret: Uint8Array;
}

/**
 * Token contents (§6.1): `key:value\n` for each key of `signed`, in that order, UTF-8.
 * Throws when a listed field is missing (or a value contains a newline).
 */
export function tokenContents(fields: OpenIdFields, signed: readonly string[]): Uint8Array<ArrayBuffer> {
  const pairs: Array<readonly [string, string]> = [];
  for (const key of signed) {
    const value = fields[key];
    if (value === undefined) throw new Error(`signed field ${key} is missing`);
    pairs.push([key, value]);
  }
  return new TextEncoder().encode(kvEncode(pairs));
}

async function hmac(key: SigningKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  // Copy: WebCrypto's types want an ArrayBuffer-backed view, the stored secret may not be one.
  const cryptoKey = await crypto.subtle.importKey('raw', new Uint8Array(key.secret), { name: 'HMAC', hash: HMAC_HASH[key.type] }, false, [
    'sign',
  ]);
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, data));
}

/** `openid.sig`: base64 of the HMAC of the token contents. */
export async function signFields(key: SigningKey, fields: OpenIdFields, signed: readonly string[]): Promise<string> {
  return toBase64(await hmac(key, tokenContents(fields, signed)));
}

/**
 * Check `sig` against the fields. Returns false for a missing field or malformed base64.
 * The comparison is constant-time so that response timing does not reveal how much of a forged
 * signature matched.
 */
export async function verifyFields(
  key: SigningKey,
  fields: OpenIdFields,
  signed: readonly string[],
  sig: string,
): Promise<boolean> {
  const given = parseBase64(sig);
  if (given === null) return false;
  let data: Uint8Array<ArrayBuffer>;
  try {
    data = tokenContents(fields, signed);
  } catch {
    return false;
  }
  return timingSafeEqualBytes(await hmac(key, data), given);
}

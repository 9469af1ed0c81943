/**
 * Message signatures (OpenID 2.0 §6): HMAC over the Key-Value form of the signed fields, in the
 * order `openid.signed` lists them.
 */
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { timingSafeEqualBytes, toBase64 } from '../../util/bytes.js';
import type { AssocType } from './association.js';
import { parseBase64 } from './base64.js';
import { kvEncode } from './kv.js';
import type { OpenIdFields } from './message.js';

// @noble/hashes rather than crypto.subtle: synchronous, no per-call key import (hot path of every
// assertion and check_authentication).
const HMAC_HASH = {
  'HMAC-SHA1': sha1,
  'HMAC-SHA256': sha256,
} as const satisfies Readonly<Record<AssocType, unknown>>;

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
  return nobleHmac(HMAC_HASH[key.type], key.secret, data);
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

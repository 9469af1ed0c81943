/**
 * The text encodings stored hashes use. Hand-written because they are format parsing: each is a
 * few lines, and getting the alphabet or the byte order wrong is caught by the known-answer tests.
 */
import { fromBase64, toHex } from '../../util/bytes.js';

/** The crypt(3) alphabet (phpass, MD5-crypt, SHA-crypt, bcrypt). */
export const CRYPT64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const STD_B64 = /^[A-Za-z0-9+/]*$/;

/**
 * Standard base64, padding optional; undefined for anything else (other characters, a length no
 * base64 string has, non-canonical trailing bits are accepted as decoders do).
 */
export function decodeBase64(text: string, { padding = 'optional' }: { padding?: 'optional' | 'none' | 'required' } = {}): Uint8Array | undefined {
  const body = text.replace(/={1,2}$/, '');
  const padded = body.length !== text.length;
  if (padding === 'none' && padded) return undefined;
  if (!STD_B64.test(body) || body.length % 4 === 1) return undefined;
  if (padded && text.length % 4 !== 0) return undefined;
  if (padding === 'required' && body.length % 4 !== 0 && !padded) return undefined;
  try {
    return fromBase64(body + '='.repeat((4 - (body.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

/** passlib's "adapted base64": standard base64 with `.` for `+` and no padding. */
export function decodeAb64(text: string): Uint8Array | undefined {
  if (text.includes('+') || text.includes('=')) return undefined;
  return decodeBase64(text.replace(/\./g, '+'), { padding: 'none' });
}

/** Lower-case hex to bytes; undefined unless the text is hex of an even length. */
export function decodeHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export { toHex };

/** phpass's / Drupal's `encode64`: little-endian groups of 3 bytes in the crypt(3) alphabet. */
export function encodePhpass64(input: Uint8Array, count: number): string {
  let out = '';
  let i = 0;
  do {
    let value = input[i++]!;
    out += CRYPT64[value & 0x3f];
    if (i < count) value |= input[i]! << 8;
    out += CRYPT64[(value >> 6) & 0x3f];
    if (i++ >= count) break;
    if (i < count) value |= input[i]! << 16;
    out += CRYPT64[(value >> 12) & 0x3f];
    if (i++ >= count) break;
    out += CRYPT64[(value >> 18) & 0x3f];
  } while (i < count);
  return out;
}

/** crypt(3)'s `to64`: the low `n` 6-bit groups of `value`, least significant first. */
export function to64(value: number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    out += CRYPT64[value & 0x3f];
    value >>>= 6;
  }
  return out;
}

/** A positive decimal integer without sign, leading zeros or more than `maxDigits` digits. */
export function parseDecimal(text: string | undefined, maxDigits = 10): number | undefined {
  if (text === undefined || !/^[1-9][0-9]*$/.test(text) || text.length > maxDigits) return undefined;
  return Number(text);
}

/** Constant-time equality of two ASCII strings of the same (public) length. */
export function asciiEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Byte helpers on Web standards (TextEncoder, crypto.getRandomValues) and @noble/hashes, so the
 * same code runs on Node and on Cloudflare Workers.
 *
 * SHA-256 and HMAC use @noble/hashes (audited, synchronous pure JS) rather than crypto.subtle: the
 * inputs here are tiny (tokens, ids), and WebCrypto's per-call job overhead made these hashes a
 * tenth of a sign-in's CPU in the benchmark (~65 µs per digest against ~5 µs).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

const encoder = new TextEncoder();

/** Bytes backed by a plain ArrayBuffer (what Web Crypto accepts). */
export type Bytes = Uint8Array<ArrayBuffer>;

export function utf8(text: string): Bytes {
  return encoder.encode(text) as Bytes;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

export function fromBase64(text: string): Bytes {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Bytes {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(padded + '='.repeat((4 - (padded.length % 4)) % 4));
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}

/** Cryptographically random bytes. */
export function randomBytes(length: number): Bytes {
  const out = new Uint8Array(length);
  crypto.getRandomValues(out);
  return out;
}

/** A random url-safe token carrying `bits` bits of entropy (rounded up to whole bytes). */
export function randomToken(bits = 256): string {
  return toBase64Url(randomBytes(Math.ceil(bits / 8)));
}

/**
 * Constant-time equality of two byte strings.
 *
 * Why: comparing secrets (API keys, CSRF tokens, MACs) with `===` returns early at the first
 * differing byte, which leaks how much of a guess was right through timing. Length is not secret
 * for the values we compare (fixed-size tokens, MACs), so a length mismatch may return at once.
 */
export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Constant-time equality of two secret strings of possibly different lengths.
 *
 * Both sides are first hashed with SHA-256 so that the comparison runs over equal-length digests
 * and leaks neither the content nor the length of the expected secret.
 */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  return timingSafeEqualBytes(nobleSha256(utf8(a)), nobleSha256(utf8(b)));
}

export async function sha256(data: Bytes): Promise<Bytes> {
  return nobleSha256(data) as Bytes;
}

/** SHA-256 of a UTF-8 string, base64url: used to store lookup keys for secrets (never the secret). */
export async function sha256Base64Url(text: string): Promise<string> {
  return toBase64Url(await sha256(utf8(text)));
}

/** HMAC-SHA-256 of `message` under `key`. */
export async function hmacSha256(key: Bytes, message: Bytes): Promise<Bytes> {
  return hmac(nobleSha256, key, message) as Bytes;
}

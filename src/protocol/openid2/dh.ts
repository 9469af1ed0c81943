/**
 * Diffie-Hellman key exchange for association sessions (OpenID 2.0 §8.4.2), on BigInt so it runs
 * wherever Web standards do (no `node:crypto` DH).
 *
 * The OP receives the RP's public key (and optionally its own modulus and generator), picks a
 * private key y, answers `dh_server_public` = g^y mod p and
 * `enc_mac_key` = H(btwoc(g^(xy) mod p)) XOR MAC key.
 */
import { randomBytes, toHex } from '../../util/bytes.js';

/** Session types that encrypt the MAC key with Diffie-Hellman. */
export type DhSessionType = 'DH-SHA1' | 'DH-SHA256';

/** A Diffie-Hellman group: prime modulus p and generator g. */
export interface DhGroup {
  readonly modulus: bigint;
  readonly generator: bigint;
}

/** The default group of OpenID 2.0 Appendix B (a 1024-bit safe prime, generator 2). */
export const DEFAULT_DH_GROUP: DhGroup = Object.freeze({
  modulus: BigInt(
    '0xdcf93a0b883972ec0e19989ac5a2ce310e1d37717e8d9571bb7623731866e6' +
      '1ef75a2e27898b057f9891c2e27a639c3f29b60814581cd3b2ca3986d2683705' +
      '577d45c2e7e52dc81c7a171876e5cea74b1448bfdfaf18828efd2519f14e45e3' +
      '826634af1949e5b535cc829a483b8a76223e5d490a257f05bdff16f2fb22c583ab',
  ),
  generator: 2n,
});

/**
 * Bounds on an RP-chosen modulus. Why: the associate endpoint is unauthenticated, and modular
 * exponentiation cost grows with the cube of the size, so an unbounded modulus is a cheap way to
 * burn our CPU; below 1024 bits the exchange no longer protects the MAC key.
 */
export const MIN_MODULUS_BITS = 1024;
export const MAX_MODULUS_BITS = 2048;

const HASH: Record<DhSessionType, { name: 'SHA-1' | 'SHA-256'; length: number }> = {
  'DH-SHA1': { name: 'SHA-1', length: 20 },
  'DH-SHA256': { name: 'SHA-256', length: 32 },
};

/** Digest length of a session type's hash, which is also the MAC key length it can carry. */
export function dhHashLength(sessionType: DhSessionType): number {
  return HASH[sessionType].length;
}

/** Number of significant bits of a non-negative integer. */
export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Unsigned big-endian bytes of a non-negative integer, without leading zeros (0 → one zero byte). */
function magnitudeBytes(n: bigint): Uint8Array<ArrayBuffer> {
  if (n < 0n) throw new RangeError('negative integer');
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * btwoc (§4.2): the shortest big-endian two's-complement encoding of a non-negative integer,
 * i.e. its magnitude with a zero byte prepended when the top bit would otherwise be set.
 */
export function btwoc(n: bigint): Uint8Array<ArrayBuffer> {
  const bytes = magnitudeBytes(n);
  if ((bytes[0]! & 0x80) === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes, 1);
  return out;
}

/**
 * Read a received btwoc number as an unsigned big-endian integer. A missing leading zero byte is
 * tolerated (read as unsigned rather than as a negative number): the value is unambiguous and
 * the range checks that follow reject anything unusable.
 */
export function bigintFromBytes(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

/** base^exponent mod modulus by square-and-multiply. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus <= 0n) throw new RangeError('modulus must be positive');
  if (exponent < 0n) throw new RangeError('exponent must be non-negative');
  let result = 1n % modulus;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % modulus;
    e >>= 1n;
    b = (b * b) % modulus;
  }
  return result;
}

/** A uniformly random private key in [2, p − 2]. */
export function randomPrivateKey(modulus: bigint): bigint {
  const bits = bitLength(modulus);
  const bytes = Math.ceil(bits / 8);
  const topMask = 0xff >> (bytes * 8 - bits);
  for (;;) {
    const candidate = randomBytes(bytes);
    candidate[0] = candidate[0]! & topMask;
    const x = bigintFromBytes(candidate);
    if (x >= 2n && x <= modulus - 2n) return x;
  }
}

/** Why a group or public key was refused; `null` when acceptable. */
export function checkGroup(group: DhGroup): string | null {
  const { modulus: p, generator: g } = group;
  const bits = bitLength(p);
  if (bits < MIN_MODULUS_BITS || bits > MAX_MODULUS_BITS) {
    return `the modulus must have between ${MIN_MODULUS_BITS} and ${MAX_MODULUS_BITS} bits`;
  }
  if ((p & 1n) === 0n) return 'the modulus must be odd';
  if (g < 2n || g > p - 2n) return 'the generator is out of range';
  return null;
}

/**
 * Refuse public keys 0, 1 and p − 1 (and anything outside the group): with them the shared secret
 * is predictable and the "encrypted" MAC key would travel in the clear.
 */
export function checkPublicKey(publicKey: bigint, group: DhGroup): string | null {
  return publicKey >= 2n && publicKey <= group.modulus - 2n ? null : 'the public key is out of range';
}

/** H(btwoc(shared secret)): the mask XORed onto the MAC key. */
export async function macKeyMask(sessionType: DhSessionType, sharedSecret: bigint): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(HASH[sessionType].name, btwoc(sharedSecret)));
}

/** XOR of two byte strings of equal length. */
export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError('xor of byte strings of different lengths');
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Inputs of the OP's half of the exchange. The group and public key must have been checked. */
export interface DhServerExchangeInput {
  sessionType: DhSessionType;
  group: DhGroup;
  consumerPublic: bigint;
  /** The association's MAC key; its length must equal the session hash length. */
  macKey: Uint8Array;
  /** Source of private keys; a seam for tests. Defaults to {@link randomPrivateKey}. */
  privateKey?: (modulus: bigint) => bigint;
}

export interface DhServerExchangeResult {
  /** g^y mod p, for `dh_server_public` (base64(btwoc)). */
  serverPublic: bigint;
  /** H(btwoc(g^(xy) mod p)) XOR MAC key, for `enc_mac_key` (base64). */
  encMacKey: Uint8Array;
}

/**
 * Keys tried before accepting a shared secret shorter than the modulus. Why retry at all: some RP
 * libraries (node `openid`, through Node's `computeSecret`) hash the shared secret zero-padded to
 * the modulus length instead of as btwoc, so for about 1 exchange in 500 they derive a different
 * MAC key and every signature fails. A secret whose top byte is non-zero has the same encoding
 * both ways; choosing another private key costs nothing in security (y stays uniform over a set
 * missing well under 1% of the group).
 */
const PADDING_RETRIES = 16;

/** The OP side of a DH association session. */
export async function dhServerExchange(input: DhServerExchangeInput): Promise<DhServerExchangeResult> {
  const { sessionType, group, consumerPublic, macKey } = input;
  if (macKey.length !== dhHashLength(sessionType)) {
    throw new RangeError(`${sessionType} carries a ${dhHashLength(sessionType)}-byte MAC key`);
  }
  const nextPrivateKey = input.privateKey ?? randomPrivateKey;
  const fullLength = magnitudeBytes(group.modulus).length;
  let privateKey = nextPrivateKey(group.modulus);
  let shared = modPow(consumerPublic, privateKey, group.modulus);
  for (let i = 1; i < PADDING_RETRIES && magnitudeBytes(shared).length < fullLength; i++) {
    privateKey = nextPrivateKey(group.modulus);
    shared = modPow(consumerPublic, privateKey, group.modulus);
  }
  const serverPublic = modPow(group.generator, privateKey, group.modulus);
  const encMacKey = xorBytes(await macKeyMask(sessionType, shared), macKey);
  return { serverPublic, encMacKey };
}

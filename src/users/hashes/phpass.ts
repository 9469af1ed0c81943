/**
 * phpass "portable" hashes, `$P$` (WordPress before 6.8, phpBB3 as `$H$`): iterated MD5 over
 * salt + password, `$P$<log2 count><salt 8><hash 22>`. The same construction with SHA-512 is
 * Drupal 7's `$S$` (drupal.ts). The loop is the format's definition (a digest called 2^n times),
 * written here over the runtime's digest primitive; no maintained JS library implements it.
 */
import { utf8 } from '../../util/bytes.js';
import { asciiEqual, CRYPT64, encodePhpass64 } from './encoding.js';
import { malformed, overLimit, type FormatSettings, type HashFormat, type Refusal } from './format.js';
import type { DigestAlgorithm, HashPrimitives } from './primitives.js';

export interface ParsedPortable {
  /** The first 12 characters: id, count, salt. */
  setting: string;
  count: number;
  salt: Uint8Array;
  /** The encoded checksum as stored. */
  checksum: string;
}

/** Parse `<id><count char><salt 8><checksum>` (checksum of `checksumLength` characters). */
export function parsePortable(hash: string, checksumLength: number, { limits }: FormatSettings): ParsedPortable | Refusal {
  if (hash.length !== 12 + checksumLength || !/^[./0-9A-Za-z]+$/.test(hash.slice(3))) return malformed('wrong length or alphabet');
  const log2 = CRYPT64.indexOf(hash[3]!);
  if (log2 < 7 || log2 > 30) return malformed('iteration count out of range');
  if (log2 > limits.phpassLog2) return overLimit(`iteration count 2^${log2} > 2^${limits.phpassLog2}`);
  return { setting: hash.slice(0, 12), count: 2 ** log2, salt: utf8(hash.slice(4, 12)), checksum: hash.slice(12) };
}

/** Yield to the event loop this often, so a long loop never starves other requests. */
const SLICE = 16_384;

/** crypt_private(): `h = D(salt . pw); repeat count times: h = D(h . pw)`, then encode64. */
export async function portableChecksum(algorithm: DigestAlgorithm, password: Uint8Array, parsed: ParsedPortable, primitives: HashPrimitives): Promise<string> {
  let hash = primitives.digest(algorithm, parsed.salt, password);
  for (let i = 0; i < parsed.count; i++) {
    hash = primitives.digest(algorithm, hash, password);
    if (i % SLICE === SLICE - 1) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return encodePhpass64(hash, hash.length);
}

export const phpass: HashFormat<ParsedPortable> = {
  id: 'phpass',
  // MD5, 2^8 rounds in WordPress: billions of guesses per second on a GPU.
  weak: true,
  matches: (hash) => hash.startsWith('$P$') || hash.startsWith('$H$'),
  parse: (hash, settings) => parsePortable(hash, 22, settings),
  async verify(password, parsed, primitives) {
    return asciiEqual(await portableChecksum('md5', password, parsed, primitives), parsed.checksum);
  },
};

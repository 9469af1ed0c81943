/**
 * scrypt in PHC form, `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` (passlib, idbridge's own
 * format), salt and hash in base64 without padding. Verified here on the exact bytes; idbridge's
 * own built-in users go through `PasswordHasher` (which applies NFKC) instead.
 */
import { timingSafeEqualBytes } from '../../util/bytes.js';
import { decodeBase64, parseDecimal } from './encoding.js';
import { malformed, overLimit, type HashFormat } from './format.js';
import type { ScryptCost } from './primitives.js';

interface ParsedScrypt {
  cost: ScryptCost;
  salt: Uint8Array;
  hash: Uint8Array;
}

const PHC = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export const scrypt: HashFormat<ParsedScrypt> = {
  id: 'scrypt',
  weak: false,
  matches: (hash) => hash.startsWith('$scrypt$'),
  parse(hash, { limits }) {
    const m = PHC.exec(hash);
    if (!m) return malformed('not a scrypt PHC string');
    const ln = parseDecimal(m[1], 2);
    const r = parseDecimal(m[2], 4);
    const p = parseDecimal(m[3], 4);
    if (!ln || ln > 40 || !r || !p) return malformed('scrypt parameters out of range');
    const N = 2 ** ln;
    if (N > limits.scryptN) return overLimit(`scrypt N=2^${ln} > ${limits.scryptN}`);
    if (r > limits.scryptR) return overLimit(`scrypt r=${r} > ${limits.scryptR}`);
    if (p > limits.scryptP) return overLimit(`scrypt p=${p} > ${limits.scryptP}`);
    const salt = decodeBase64(m[4]!, { padding: 'none' });
    const key = decodeBase64(m[5]!, { padding: 'none' });
    // scrypt's output is a prefix of its longer outputs, so a cut hash would still "verify" with
    // fewer bits: accept only the lengths implementations write (passlib, idbridge: 32; some 64).
    if (!salt || !key || (key.length !== 32 && key.length !== 64)) return malformed('scrypt salt not base64, or hash not 32 or 64 bytes');
    return { cost: { N, r, p }, salt, hash: key };
  },
  async verify(password, parsed, primitives) {
    return timingSafeEqualBytes(await primitives.scrypt(password, parsed.salt, parsed.cost, parsed.hash.length), parsed.hash);
  },
};

/**
 * PBKDF2 with the digest in the prefix, in its two common modular-crypt spellings:
 * - passlib: `$pbkdf2$<rounds>$<salt>$<hash>` (SHA-1), `$pbkdf2-sha256$…`, `$pbkdf2-sha512$…`,
 *   salt and hash in passlib's "adapted base64" (`.` for `+`, no padding);
 * - PHC (Kratos, Go): `$pbkdf2-sha256$i=<rounds>,l=<length>$<salt>$<hash>`, standard base64 without
 *   padding.
 * Django's own `pbkdf2_sha256$` is in django.ts.
 */
import { timingSafeEqualBytes } from '../../util/bytes.js';
import { decodeAb64, decodeBase64, parseDecimal } from './encoding.js';
import { malformed, overLimit, type FormatSettings, type HashFormat, type Refusal } from './format.js';
import type { Pbkdf2Digest } from './primitives.js';

export interface ParsedPbkdf2 {
  digest: Pbkdf2Digest;
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

export const DIGEST_LENGTH: Record<Pbkdf2Digest, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** Check the iteration count against the limits (shared with Django and ASP.NET Identity). */
export function checkIterations(iterations: number | undefined, { limits }: FormatSettings): Refusal | undefined {
  if (!iterations) return malformed('PBKDF2 iterations missing or zero');
  if (iterations > limits.pbkdf2Iterations) return overLimit(`PBKDF2 iterations ${iterations} > ${limits.pbkdf2Iterations}`);
  return undefined;
}

export async function verifyPbkdf2(
  password: Uint8Array,
  parsed: ParsedPbkdf2,
  primitives: { pbkdf2(d: Pbkdf2Digest, p: Uint8Array, s: Uint8Array, i: number, l: number): Promise<Uint8Array> },
): Promise<boolean> {
  const key = await primitives.pbkdf2(parsed.digest, password, parsed.salt, parsed.iterations, parsed.hash.length);
  return timingSafeEqualBytes(key, parsed.hash);
}

const PASSLIB = /^\$pbkdf2(?:-(sha256|sha512))?\$(\d+)\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]+)$/;
const PHC = /^\$pbkdf2-(sha1|sha256|sha512)\$i=(\d+),l=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function pbkdf2Format(digest: Pbkdf2Digest): HashFormat<ParsedPbkdf2> {
  const prefix = digest === 'sha1' ? ['$pbkdf2$', '$pbkdf2-sha1$'] : [`$pbkdf2-${digest}$`];
  return {
    id: `pbkdf2-${digest}`,
    weak: false,
    matches: (hash) => prefix.some((p) => hash.startsWith(p)),
    parse(hash, settings) {
      const phc = PHC.exec(hash);
      if (phc) {
        const iterations = parseDecimal(phc[2]);
        const refusal = checkIterations(iterations, settings);
        if (refusal) return refusal;
        const salt = decodeBase64(phc[4]!, { padding: 'none' });
        const key = decodeBase64(phc[5]!, { padding: 'none' });
        if (!salt || !key || key.length !== Number(phc[3])) return malformed('PBKDF2 salt or hash not valid base64 of the declared length');
        return { digest, iterations: iterations!, salt, hash: key };
      }
      const m = PASSLIB.exec(hash);
      if (!m) return malformed('not a PBKDF2 modular-crypt string');
      const iterations = parseDecimal(m[2]);
      const refusal = checkIterations(iterations, settings);
      if (refusal) return refusal;
      const salt = decodeAb64(m[3]!);
      const key = decodeAb64(m[4]!);
      if (!salt || !key || key.length !== DIGEST_LENGTH[digest]) return malformed('PBKDF2 salt or hash not valid adapted base64 of the digest length');
      return { digest, iterations: iterations!, salt, hash: key };
    },
    verify: (password, parsed, primitives) => verifyPbkdf2(password, parsed, primitives),
    cost: (parsed) => ({ kind: 'pbkdf2', iterations: parsed.iterations }),
  };
}

export const pbkdf2Sha1 = pbkdf2Format('sha1');
export const pbkdf2Sha256 = pbkdf2Format('sha256');
export const pbkdf2Sha512 = pbkdf2Format('sha512');

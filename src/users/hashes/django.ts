/**
 * Django's own encodings (django/contrib/auth/hashers.py), `<algorithm>$…`:
 * - `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` and `pbkdf2_sha1$…`: the salt is used as its
 *   text (UTF-8 bytes), the hash is the digest-sized PBKDF2 output in padded base64;
 * - `argon2$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`: argon2-cffi's PHC string after `argon2`;
 * - `bcrypt$…` and `bcrypt_sha256$…` are in bcrypt.ts.
 */
import { randomBytes, toBase64, utf8 } from '../../util/bytes.js';
import { parseArgon2, verifyArgon2, type ParsedArgon2 } from './argon2.js';
import { decodeBase64, parseDecimal } from './encoding.js';
import { malformed, type HashFormat } from './format.js';
import { checkIterations, DIGEST_LENGTH, verifyPbkdf2, type ParsedPbkdf2 } from './pbkdf2.js';

const SALT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Django's get_random_string(22): ~131 bits, the salt length Django 3.1+ writes. */
function djangoSalt(): string {
  let out = '';
  for (const byte of randomBytes(22)) out += SALT_ALPHABET[byte % 62]; // 256 % 62 bias: harmless for a salt
  return out;
}

function djangoPbkdf2(digest: 'sha256' | 'sha1'): HashFormat<ParsedPbkdf2 & { saltText: string }> {
  const prefix = `pbkdf2_${digest}$`;
  return {
    id: `django-pbkdf2-${digest}`,
    weak: false,
    matches: (hash) => hash.startsWith(prefix),
    parse(hash, settings) {
      const parts = hash.split('$');
      if (parts.length !== 4) return malformed('expected pbkdf2_<digest>$<iterations>$<salt>$<hash>');
      const iterations = parseDecimal(parts[1]);
      const refusal = checkIterations(iterations, settings);
      if (refusal) return refusal;
      const saltText = parts[2]!;
      const key = decodeBase64(parts[3]!, { padding: 'required' });
      if (!saltText || !key || key.length !== DIGEST_LENGTH[digest]) return malformed('salt empty or hash not padded base64 of the digest length');
      return { digest, iterations: iterations!, salt: utf8(saltText), saltText, hash: key };
    },
    verify: (password, parsed, primitives) => verifyPbkdf2(password, parsed, primitives),
    cost: (parsed) => ({ kind: 'pbkdf2', iterations: parsed.iterations }),
    async rehash(password, parsed, primitives, target) {
      const iterations = target.kind === 'pbkdf2' ? Math.max(target.iterations, parsed.iterations) : parsed.iterations;
      const salt = djangoSalt();
      const key = await primitives.pbkdf2(digest, password, utf8(salt), iterations, DIGEST_LENGTH[digest]);
      return `${prefix}${iterations}$${salt}$${toBase64(key)}`;
    },
  };
}

export const djangoPbkdf2Sha256 = djangoPbkdf2('sha256');
export const djangoPbkdf2Sha1 = djangoPbkdf2('sha1');

export const djangoArgon2: HashFormat<ParsedArgon2> = {
  id: 'django-argon2',
  weak: false,
  matches: (hash) => hash.startsWith('argon2$argon2'),
  parse: (hash, settings) => parseArgon2(hash.slice('argon2'.length), settings),
  verify: (password, parsed, primitives) => verifyArgon2(password, parsed, primitives),
};

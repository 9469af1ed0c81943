/**
 * SHA-crypt (Ulrich Drepper's spec, glibc crypt(3)): `$5$` SHA-256 and `$6$` SHA-512,
 * `$6$[rounds=<n>$]<salt ≤ 16>$<hash>`. Only the format and the rounds limit are checked here;
 * the algorithm is the runtime's (`unixcrypt`).
 */
import { malformed, overLimit, type HashFormat } from './format.js';

interface ParsedShaCrypt {
  hash: string;
  rounds: number;
}

function shaCryptFormat(id: string, magic: '$5$' | '$6$', checksumLength: number): HashFormat<ParsedShaCrypt> {
  const pattern = new RegExp(`^\\${magic.slice(0, 2)}\\$(?:rounds=(\\d{1,9})\\$)?([^$]{0,16})\\$([./0-9A-Za-z]{${checksumLength}})$`);
  return {
    id,
    weak: false,
    matches: (hash) => hash.startsWith(magic),
    parse(hash, { limits }) {
      const m = pattern.exec(hash);
      if (!m) return malformed('expected <magic>[rounds=<n>$]<salt ≤ 16>$<checksum>');
      // crypt(3) clamps rounds to [1000, 999999999]; 5000 when absent.
      const rounds = m[1] === undefined ? 5000 : Math.max(1000, Number(m[1]));
      if (rounds > limits.shaCryptRounds) return overLimit(`SHA-crypt rounds ${rounds} > ${limits.shaCryptRounds}`);
      return { hash, rounds };
    },
    verify: (password, parsed, primitives) => primitives.shaCryptVerify(password, parsed.hash),
  };
}

export const sha256Crypt = shaCryptFormat('sha256-crypt', '$5$', 43);
export const sha512Crypt = shaCryptFormat('sha512-crypt', '$6$', 86);

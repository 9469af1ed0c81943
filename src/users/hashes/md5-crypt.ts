/**
 * MD5-crypt, `$1$<salt ≤ 8>$<hash 22>` (glibc/FreeBSD crypt(3), Cisco, old Linux /etc/shadow) and
 * Apache's `$apr1$` (htpasswd), which differs only in its magic string. Poul-Henning Kamp's
 * algorithm: 1 000 fixed MD5 rounds. Written here over the runtime's MD5 (no maintained JS library
 * implements it); known-answer tests come from passlib.
 */
import { utf8 } from '../../util/bytes.js';
import { asciiEqual, to64 } from './encoding.js';
import { malformed, type HashFormat } from './format.js';
import type { HashPrimitives } from './primitives.js';

interface ParsedMd5Crypt {
  magic: string;
  salt: Uint8Array;
  checksum: string;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The MD5-crypt checksum of `password` with `magic` and `salt`, encoded. */
export function md5CryptChecksum(password: Uint8Array, magic: Uint8Array, salt: Uint8Array, primitives: HashPrimitives): string {
  const md5 = (...parts: Uint8Array[]) => primitives.digest('md5', ...parts);
  const alt = md5(password, salt, password);
  const ctx: Uint8Array[] = [password, magic, salt];
  for (let left = password.length; left > 0; left -= 16) ctx.push(alt.subarray(0, Math.min(left, 16)));
  for (let i = password.length; i; i >>= 1) ctx.push(i & 1 ? new Uint8Array(1) : password.subarray(0, 1));
  let final = md5(concat(...ctx));
  for (let i = 0; i < 1000; i++) {
    const round: Uint8Array[] = [i & 1 ? password : final];
    if (i % 3) round.push(salt);
    if (i % 7) round.push(password);
    round.push(i & 1 ? final : password);
    final = md5(...round);
  }
  const f = final;
  return (
    to64((f[0]! << 16) | (f[6]! << 8) | f[12]!, 4) +
    to64((f[1]! << 16) | (f[7]! << 8) | f[13]!, 4) +
    to64((f[2]! << 16) | (f[8]! << 8) | f[14]!, 4) +
    to64((f[3]! << 16) | (f[9]! << 8) | f[15]!, 4) +
    to64((f[4]! << 16) | (f[10]! << 8) | f[5]!, 4) +
    to64(f[11]!, 2)
  );
}

function md5CryptFormat(id: string, magic: string): HashFormat<ParsedMd5Crypt> {
  const pattern = new RegExp(`^${magic.replace(/\$/g, '\\$')}([^$]{0,8})\\$([./0-9A-Za-z]{22})$`);
  return {
    id,
    weak: true, // 1 000 MD5 rounds, fixed
    matches: (hash) => hash.startsWith(magic),
    parse(hash) {
      const m = pattern.exec(hash);
      if (!m) return malformed('expected <magic><salt ≤ 8>$<22 characters>');
      return { magic, salt: utf8(m[1]!), checksum: m[2]! };
    },
    async verify(password, parsed, primitives) {
      return asciiEqual(md5CryptChecksum(password, utf8(parsed.magic), parsed.salt, primitives), parsed.checksum);
    },
  };
}

export const md5Crypt = md5CryptFormat('md5-crypt', '$1$');
export const apr1 = md5CryptFormat('apr1', '$apr1$');

/**
 * LDAP userPassword schemes (RFC 2307, OpenLDAP slappasswd): `{SSHA}`, `{SSHA256}`, `{SSHA512}` =
 * base64(digest(password . salt) . salt); `{SMD5}` the same with MD5; the unsalted `{SHA}`,
 * `{SHA256}`, `{SHA512}`, `{MD5}` = base64(digest(password)). All are one fast digest: weak.
 * The scheme name is case-insensitive.
 */
import { timingSafeEqualBytes } from '../../util/bytes.js';
import { decodeBase64 } from './encoding.js';
import { malformed, type HashFormat } from './format.js';
import type { DigestAlgorithm } from './primitives.js';

interface ParsedLdap {
  digest: Uint8Array;
  salt: Uint8Array;
}

const SIZE: Record<DigestAlgorithm, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

function ldapFormat(scheme: string, algorithm: DigestAlgorithm, salted: boolean): HashFormat<ParsedLdap> {
  const prefix = `{${scheme}}`;
  return {
    id: `ldap-${scheme.toLowerCase()}`,
    weak: true,
    matches: (hash) => hash.slice(0, prefix.length).toUpperCase() === prefix,
    parse(hash) {
      const bytes = decodeBase64(hash.slice(prefix.length), { padding: 'required' });
      const size = SIZE[algorithm];
      if (!bytes || (salted ? bytes.length <= size : bytes.length !== size)) return malformed(`expected base64 of a ${algorithm} digest${salted ? ' and a salt' : ''}`);
      return { digest: bytes.subarray(0, size), salt: bytes.subarray(size) };
    },
    async verify(password, parsed, primitives) {
      return timingSafeEqualBytes(primitives.digest(algorithm, password, parsed.salt), parsed.digest);
    },
  };
}

export const ldapSsha = ldapFormat('SSHA', 'sha1', true);
export const ldapSsha256 = ldapFormat('SSHA256', 'sha256', true);
export const ldapSsha512 = ldapFormat('SSHA512', 'sha512', true);
export const ldapSmd5 = ldapFormat('SMD5', 'md5', true);
export const ldapSha = ldapFormat('SHA', 'sha1', false);
export const ldapSha256 = ldapFormat('SHA256', 'sha256', false);
export const ldapSha512 = ldapFormat('SHA512', 'sha512', false);
export const ldapMd5 = ldapFormat('MD5', 'md5', false);

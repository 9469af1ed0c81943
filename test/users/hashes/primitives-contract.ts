/**
 * The one contract every `HashPrimitives` implementation passes (Node's native one and the pure-JS
 * one for Workers): published test vectors (RFC 1321/3174/6234 digests, RFC 4231 HMAC, RFC 6070
 * PBKDF2, RFC 7914 scrypt) and hashes made by independent implementations (argon2-cffi, passlib,
 * PHP) from test/fixtures/hashes/known-answers.json.
 */
import { describe, expect, it } from 'vitest';
import type { DigestAlgorithm, HashPrimitives } from '../../../src/users/hashes/primitives.js';
import { toHex, utf8 } from '../../../src/util/bytes.js';
import { fixture } from './known-answers.js';

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));

const DIGESTS: Record<DigestAlgorithm, string> = {
  md5: '900150983cd24fb0d6963f7d28e17f72',
  sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  sha384: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  sha512: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
};

export function hashPrimitivesContract(name: string, primitives: HashPrimitives): void {
  describe(`HashPrimitives contract: ${name}`, () => {
    it.each(Object.entries(DIGESTS))('%s of "abc", also fed in parts', (algorithm, hex) => {
      expect(toHex(primitives.digest(algorithm as DigestAlgorithm, utf8('abc')))).toBe(hex);
      expect(toHex(primitives.digest(algorithm as DigestAlgorithm, utf8('a'), utf8(''), utf8('bc')))).toBe(hex);
    });

    it('HMAC-SHA-256 and HMAC-SHA-384 (RFC 4231 test case 2)', () => {
      const data = utf8('what do ya want for nothing?');
      expect(toHex(primitives.hmac('sha256', utf8('Jefe'), data))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
      expect(toHex(primitives.hmac('sha384', utf8('Jefe'), data))).toBe(
        'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
      );
    });

    it('PBKDF2-HMAC-SHA1 (RFC 6070) and SHA-256/512 against node:crypto-independent vectors', async () => {
      expect(toHex(await primitives.pbkdf2('sha1', utf8('password'), utf8('salt'), 4096, 20))).toBe('4b007901b765489abead49d926f721d065a429c1');
      // From Python's hashlib.pbkdf2_hmac (OpenSSL).
      expect(toHex(await primitives.pbkdf2('sha256', utf8('password'), utf8('salt'), 2, 32))).toBe('ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43');
      expect(toHex(await primitives.pbkdf2('sha512', utf8('password'), utf8('salt'), 2, 16))).toBe('e1d9c16aa681708a45f5c7c4e215ceb6');
    });

    it('scrypt (RFC 7914, N=1024 r=8 p=16)', async () => {
      const key = await primitives.scrypt(utf8('password'), utf8('NaCl'), { N: 1024, r: 8, p: 16 }, 64);
      expect(toHex(key)).toBe(
        'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
      );
    });

    it('argon2id, argon2i (v=19) and v=16 match argon2-cffi', async () => {
      const entries = fixture.entries.filter((e) => /^\$argon2i?d?\$/.test(e.hash) && e.password === fixture.plain);
      expect(entries.length).toBeGreaterThanOrEqual(3);
      for (const entry of entries) {
        const m = /^\$(argon2id|argon2i)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(entry.hash)!;
        const salt = Uint8Array.from(atob(m[6]! + '='.repeat((4 - (m[6]!.length % 4)) % 4)), (c) => c.charCodeAt(0));
        const expected = Uint8Array.from(atob(m[7]! + '='.repeat((4 - (m[7]!.length % 4)) % 4)), (c) => c.charCodeAt(0));
        const params = { variant: m[1] as 'argon2id', version: (m[2] ? Number(m[2]) : 16) as 16 | 19, memoryKiB: Number(m[3]), passes: Number(m[4]), parallelism: Number(m[5]) };
        expect(toHex(await primitives.argon2(utf8(entry.password), salt, params, expected.length))).toBe(toHex(expected));
      }
    });

    it('bcrypt: verifies PHP/Python hashes, applies the 72-byte rule, and its own hashes verify', async () => {
      const php = fixture.entries.find((e) => e.format === 'bcrypt' && e.source === 'php password_hash' && e.password === fixture.long72)!;
      const normalized = php.hash.replace(/^\$2y\$/, '$2b$');
      expect(await primitives.bcryptVerify(utf8(php.password), normalized)).toBe(true);
      expect(await primitives.bcryptVerify(utf8('a'.repeat(72) + 'another tail'), normalized)).toBe(true);
      expect(await primitives.bcryptVerify(utf8('a'.repeat(71) + 'b'), normalized)).toBe(false);
      const fresh = await primitives.bcryptHash(utf8(fixture.unicode), 4);
      expect(fresh).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}$/);
      expect(await primitives.bcryptVerify(utf8(fixture.unicode), fresh)).toBe(true);
      expect(await primitives.bcryptVerify(utf8(fixture.unicode.normalize('NFKC')), fresh)).toBe(false);
    });

    it('SHA-crypt matches passlib, with and without rounds=', async () => {
      const entries = fixture.entries.filter((e) => e.format.endsWith('-crypt') && e.format.startsWith('sha'));
      expect(entries.length).toBeGreaterThanOrEqual(6);
      for (const entry of entries) {
        expect(await primitives.shaCryptVerify(utf8(entry.password), entry.hash)).toBe(true);
        expect(await primitives.shaCryptVerify(utf8(entry.password + '!'), entry.hash)).toBe(false);
      }
    });

    it('returns fresh bytes of the asked length', async () => {
      expect(await primitives.pbkdf2('sha256', utf8('x'), utf8('y'), 1, 48)).toHaveLength(48);
      expect(fromHex('00ff')).toEqual(new Uint8Array([0, 255]));
    });
  });
}

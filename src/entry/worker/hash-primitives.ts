/**
 * The hash primitives on Cloudflare Workers (no native modules): bcryptjs for bcrypt, @noble/hashes
 * for argon2, scrypt and the small digests (audited pure JS; synchronous digests beat WebCrypto's
 * per-call overhead on tiny inputs), WebCrypto for PBKDF2 (native in workerd, an order of magnitude
 * faster than pure JS at Django's 10^6 iterations). SHA-crypt is unixcrypt over `node:crypto`
 * (workerd's nodejs_compat, set in wrangler.toml). All of it also runs on Node, where the contract
 * suite checks it against the Node primitives.
 */
import { argon2iAsync, argon2idAsync } from '@noble/hashes/argon2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import bcrypt from 'bcryptjs';
import { verify as shaCryptVerify } from 'unixcrypt';
import type { DigestAlgorithm, HashPrimitives } from '../../users/hashes/primitives.js';

const DIGESTS = { md5, sha1, sha256, sha384, sha512 } satisfies Record<DigestAlgorithm, unknown>;
const WEBCRYPTO_NAME = { sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' } as const;
const decoder = new TextDecoder();

/** bcryptjs hashes a string's UTF-8 bytes; ours are the UTF-8 of a string, so this round-trips. */
const text = (password: Uint8Array) => decoder.decode(password);

export const workerHashPrimitives: HashPrimitives = {
  runtime: 'workers',
  bcryptVerify: (password, hash) => bcrypt.compare(text(password), hash),
  bcryptHash: async (password, cost) => (await bcrypt.hash(text(password), cost)).replace(/^\$2[ay]\$/, '$2b$'),
  argon2: (password, salt, params, length) =>
    (params.variant === 'argon2id' ? argon2idAsync : argon2iAsync)(password, salt, {
      m: params.memoryKiB,
      t: params.passes,
      p: params.parallelism,
      version: params.version,
      dkLen: length,
      maxmem: 2 ** 32 - 1,
      asyncTick: 10,
    }),
  scrypt: (password, salt, { N, r, p }, length) => scryptAsync(password, salt, { N, r, p, dkLen: length, maxmem: 2 ** 32 - 1, asyncTick: 10 }),
  async pbkdf2(digest, password, salt, iterations, length) {
    const key = await crypto.subtle.importKey('raw', password as Uint8Array<ArrayBuffer>, 'PBKDF2', false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: WEBCRYPTO_NAME[digest], salt: salt as Uint8Array<ArrayBuffer>, iterations }, key, length * 8);
    return new Uint8Array(bits);
  },
  digest(algorithm, ...parts) {
    const h = DIGESTS[algorithm].create();
    for (const part of parts) h.update(part);
    return h.digest();
  },
  hmac: (algorithm, key, data) => hmac(DIGESTS[algorithm], key, data),
  shaCryptVerify: async (password, hash) => shaCryptVerify(text(password), hash),
};

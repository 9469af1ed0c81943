/**
 * The hash primitives on Node, all native: @node-rs/bcrypt and @node-rs/argon2 (Rust, run on the
 * libuv thread pool, off the event loop), node:crypto's pbkdf2/scrypt (thread pool too) and
 * createHash/createHmac for the small digests. SHA-crypt is unixcrypt (node:crypto underneath,
 * synchronous; rounds are bounded by limits.ts). Chosen by measured speed: bench/hash-formats.mjs.
 */
import { hashRaw } from '@node-rs/argon2';
import { hash as bcryptHash, verify as bcryptVerify } from '@node-rs/bcrypt';
import { createHash, createHmac, pbkdf2, scrypt } from 'node:crypto';
import { verify as shaCryptVerify } from 'unixcrypt';
import type { HashPrimitives } from '../../users/hashes/primitives.js';

const decoder = new TextDecoder();

export const nodeHashPrimitives: HashPrimitives = {
  runtime: 'node',
  bcryptVerify: (password, hash) => bcryptVerify(password, hash),
  bcryptHash: (password, cost) => bcryptHash(password, cost),
  async argon2(password, salt, params, length) {
    const key = await hashRaw(password, {
      salt,
      // The package's Algorithm / Version are `const enum`s (not importable under verbatimModuleSyntax):
      // Argon2i = 1, Argon2id = 2; V0x10 = 0, V0x13 = 1.
      algorithm: params.variant === 'argon2id' ? 2 : 1,
      version: params.version === 16 ? 0 : 1,
      memoryCost: params.memoryKiB,
      timeCost: params.passes,
      parallelism: params.parallelism,
      outputLen: length,
    });
    return new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
  },
  scrypt: (password, salt, { N, r, p }, length) =>
    new Promise((resolve, reject) =>
      // scrypt needs 128·N·r bytes (plus 128·r·p); Node's default cap is 32 MiB.
      scrypt(password, salt, length, { N, r, p, maxmem: 128 * N * r + 128 * r * p + 16 * 1024 * 1024 }, (error, key) =>
        error ? reject(error) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength)),
      ),
    ),
  pbkdf2: (digest, password, salt, iterations, length) =>
    new Promise((resolve, reject) =>
      pbkdf2(password, salt, iterations, length, digest, (error, key) => (error ? reject(error) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength)))),
    ),
  digest(algorithm, ...parts) {
    const h = createHash(algorithm);
    for (const part of parts) h.update(part);
    const out = h.digest();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  hmac(algorithm, key, data) {
    const out = createHmac(algorithm, key).update(data).digest();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  // unixcrypt takes a string and hashes its UTF-8 bytes; our bytes are the UTF-8 of a string.
  shaCryptVerify: async (password, hash) => shaCryptVerify(decoder.decode(password), hash),
};

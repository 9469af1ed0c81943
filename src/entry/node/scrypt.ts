import { scrypt } from 'node:crypto';
import type { ScryptFunction } from '../../users/password-hasher.js';

/** Node's native scrypt, on the libuv thread pool so hashing never blocks the event loop. */
export const nodeScrypt: ScryptFunction = (password, salt, params, keyLength) =>
  new Promise((resolve, reject) => {
    const N = 2 ** params.ln;
    // scrypt needs 128·N·r bytes; allow that plus headroom (Node's default cap is 32 MiB).
    const maxmem = 128 * N * params.r * (params.p + 1) + 16 * 1024 * 1024;
    scrypt(password, salt, keyLength, { N, r: params.r, p: params.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength)),
    );
  });

import { scryptAsync } from '@noble/hashes/scrypt.js';
import type { ScryptFunction } from '../../users/password-hasher.js';

/**
 * scrypt for Workers (no node:crypto there): @noble/hashes, audited pure JS. Same PHC format as
 * Node, so hashes move between runtimes. Cost must fit Workers' CPU and 128 MB memory limits; see
 * the README ("Deploy to Cloudflare Workers") for the measured cost of the chosen parameters.
 */
export const workerScrypt: ScryptFunction = async (password, salt, params, keyLength) =>
  scryptAsync(password, salt, { N: 2 ** params.ln, r: params.r, p: params.p, dkLen: keyLength, maxmem: 256 * 1024 * 1024, asyncTick: 50 }) as Promise<
    Uint8Array<ArrayBuffer>
  >;

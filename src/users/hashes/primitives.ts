/**
 * The cryptographic building blocks the hash verifiers need, behind one port so the shared code
 * runs on Node and on Cloudflare Workers. The entry points supply the implementations:
 * `src/entry/node/hash-primitives.ts` (native: @node-rs/bcrypt, @node-rs/argon2, node:crypto, off
 * the event loop where the library allows) and `src/entry/worker/hash-primitives.ts` (pure JS:
 * bcryptjs, @noble/hashes, WebCrypto where it is faster). Both pass one contract suite
 * (test/users/hashes/primitives-contract.ts).
 *
 * Every input is bytes (the exact bytes the site hashed; nothing is normalised here). Parameters
 * are passed as parsed and already checked against `limits.ts`: implementations need not re-check.
 */
export type DigestAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** The digests PBKDF2 is used with by the supported formats. */
export type Pbkdf2Digest = 'sha1' | 'sha256' | 'sha512';

export interface Argon2Params {
  variant: 'argon2id' | 'argon2i';
  /** `v=` of the PHC string: 16 (0x10) or 19 (0x13). */
  version: 16 | 19;
  /** `m=`, KiB. */
  memoryKiB: number;
  /** `t=`. */
  passes: number;
  /** `p=`. */
  parallelism: number;
}

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export interface HashPrimitives {
  /** Which implementation this is (`node`, `workers`): shown by the bench and the contract suite. */
  readonly runtime: string;
  /**
   * Check `password` against a bcrypt hash `$2b$<cost>$<salt 22><checksum 31>` (the caller maps
   * `$2a$`/`$2y$` to `$2b$`). The library applies bcrypt's 72-byte rule; it compares in
   * constant time.
   */
  bcryptVerify(password: Uint8Array, hash: string): Promise<boolean>;
  /** A fresh `$2b$` hash at `cost` (for write-back of a cost bump and for the unknown-user burn). */
  bcryptHash(password: Uint8Array, cost: number): Promise<string>;
  /** Raw argon2 output of `length` bytes. */
  argon2(password: Uint8Array, salt: Uint8Array, params: Argon2Params, length: number): Promise<Uint8Array>;
  /** Raw scrypt output of `length` bytes. */
  scrypt(password: Uint8Array, salt: Uint8Array, cost: ScryptCost, length: number): Promise<Uint8Array>;
  /** PBKDF2-HMAC of `length` bytes. */
  pbkdf2(digest: Pbkdf2Digest, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Promise<Uint8Array>;
  /** The digest of the concatenation of `parts` (synchronous: inputs are small). */
  digest(algorithm: DigestAlgorithm, ...parts: Uint8Array[]): Uint8Array;
  /** HMAC of `data` under `key`. */
  hmac(algorithm: DigestAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * Check `password` against a SHA-crypt hash (`$5$`/`$6$`, optional `rounds=`), as glibc's
   * crypt(3) does.
   */
  shaCryptVerify(password: Uint8Array, hash: string): Promise<boolean>;
}

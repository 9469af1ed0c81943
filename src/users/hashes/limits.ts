/**
 * The one table of cost limits on *stored* hashes. A hash row is data the site's database hands
 * us; whoever can write it (an SQL injection on the site, a rogue admin, a bad import) could plant
 * `$2b$31$…` or `$argon2id$m=4194304,…` and make every sign-in attempt for that account burn
 * seconds of CPU or gigabytes of memory. Hashes above these limits verify as false (problem
 * `over_limit`, logged) without being computed.
 *
 * The defaults sit well above what any real site uses (the highest defaults shipped by PHP, Django,
 * Devise, ASP.NET and Drupal) and well below what would hurt; an operator can lower them (on
 * Workers, argon2/scrypt memory must fit the 128 MB isolate).
 */
export interface HashLimits {
  /** bcrypt cost (log2 rounds). PHP/Laravel/WordPress default 10-12, Devise 12. */
  bcryptCost: number;
  /** scrypt N (a power of two). */
  scryptN: number;
  /** scrypt r and p (memory is 128·N·r bytes, work grows with p). */
  scryptR: number;
  scryptP: number;
  /** argon2 memory, KiB. */
  argon2MemoryKiB: number;
  argon2Passes: number;
  argon2Parallelism: number;
  /** PBKDF2 iterations (Django 6: 1.2 M, ASP.NET Identity v3 on .NET 7+: 100 000). */
  pbkdf2Iterations: number;
  /** phpass / Drupal 7 log2 iteration count (WordPress 8, Drupal 7 15, Drupal 8-10 16). */
  phpassLog2: number;
  /** SHA-crypt rounds (glibc default 5 000). */
  shaCryptRounds: number;
  /**
   * The longest password accepted, in UTF-8 bytes (WordPress refuses more than 4 096). Some legacy
   * schemes hash the password once per iteration, so the length multiplies their cost.
   */
  passwordBytes: number;
}

export const DEFAULT_HASH_LIMITS: Readonly<HashLimits> = Object.freeze({
  bcryptCost: 15,
  scryptN: 2 ** 17,
  scryptR: 16,
  scryptP: 16,
  argon2MemoryKiB: 1024 * 1024,
  argon2Passes: 10,
  argon2Parallelism: 16,
  pbkdf2Iterations: 10_000_000,
  phpassLog2: 18,
  shaCryptRounds: 1_000_000,
  passwordBytes: 4096,
});

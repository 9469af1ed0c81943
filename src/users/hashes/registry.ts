/**
 * The verifier registry: which format a stored hash is in (by its own shape), whether its cost is
 * within bounds, whether a password matches it, and what to do about it afterwards.
 *
 * ```ts
 * const hashes = createHashRegistry(primitives, { pepper, saltedHash, logger });
 * const { ok, format, problem } = await hashes.verify(password, row.hash, { salt: row.salt });
 * // unknown user: await hashes.burn(password);
 * ```
 *
 * Guarantees:
 * - never throws and never rejects for bad data: an unknown, malformed or over-limit hash (or a
 *   library error) verifies as `ok: false` with a `problem`, logged as `password_hash_unusable`
 *   with the format id and the problem only (never the hash, never the password);
 * - passwords are checked on their exact UTF-8 bytes, as the site hashed them (no NFKC);
 * - every refusal still spends the time of a real check (`burn`), and so does an unknown user, so
 *   neither "no such user" nor "this row is broken" shows in the response time;
 * - cost parameters are checked against one limits table before anything is computed.
 */
import type { Logger } from '../../log.js';
import { utf8 } from '../../util/bytes.js';
import { apr1, md5Crypt } from './md5-crypt.js';
import { argon2i, argon2id } from './argon2.js';
import { aspnetIdentityV2, aspnetIdentityV3 } from './aspnet.js';
import { bcrypt, djangoBcrypt, djangoBcryptSha256, wordpressBcrypt } from './bcrypt.js';
import { djangoArgon2, djangoPbkdf2Sha1, djangoPbkdf2Sha256 } from './django.js';
import { drupal7, drupal7FromDrupal6 } from './drupal.js';
import { isRefusal, type FormatSettings, type HashCost, type HashFormat, type HashProblem, type Refusal, type SaltedHashSetting, type VerifyContext } from './format.js';
import { ldapMd5, ldapSha, ldapSha256, ldapSha512, ldapSmd5, ldapSsha, ldapSsha256, ldapSsha512 } from './ldap.js';
import { DEFAULT_HASH_LIMITS, type HashLimits } from './limits.js';
import { pbkdf2Sha1, pbkdf2Sha256, pbkdf2Sha512 } from './pbkdf2.js';
import { phpass } from './phpass.js';
import type { HashPrimitives } from './primitives.js';
import { saltedMd5, saltedSha1, saltedSha256 } from './salted-digest.js';
import { scrypt } from './scrypt.js';
import { sha256Crypt, sha512Crypt } from './sha-crypt.js';

export type { HashProblem, SaltedHashSetting, VerifyContext } from './format.js';

/**
 * Every format, most specific first: self-describing prefixes, then the bare base64 of ASP.NET
 * Identity, then the operator-declared salted digests (which have no marker at all).
 */
export const HASH_FORMATS: readonly HashFormat<any>[] = [
  wordpressBcrypt,
  bcrypt,
  djangoBcryptSha256,
  djangoBcrypt,
  djangoPbkdf2Sha256,
  djangoPbkdf2Sha1,
  djangoArgon2,
  argon2id,
  argon2i,
  scrypt,
  pbkdf2Sha1,
  pbkdf2Sha256,
  pbkdf2Sha512,
  phpass,
  drupal7,
  drupal7FromDrupal6,
  md5Crypt,
  apr1,
  sha256Crypt,
  sha512Crypt,
  ldapSsha,
  ldapSsha256,
  ldapSsha512,
  ldapSmd5,
  ldapSha,
  ldapSha256,
  ldapSha512,
  ldapMd5,
  aspnetIdentityV2,
  aspnetIdentityV3,
  saltedMd5,
  saltedSha1,
  saltedSha256,
];

export interface HashRegistryOptions {
  /** Lower (or, knowingly, raise) the cost limits of `limits.ts`. */
  limits?: Partial<HashLimits>;
  /** Devise's `config.pepper`: appended to the password before plain bcrypt. A secret. */
  pepper?: string;
  /** The operator's declaration for salted MD5/SHA hashes (`directory.saltedHash`). */
  saltedHash?: SaltedHashSetting;
  /**
   * Upgrade targets: a hash below them `needsUpgrade`, and `rehash` writes at least this cost.
   * No default, on purpose: a site's own code often rehashes any cost other than its own (PHP's
   * password_needs_rehash), so idbridge only raises costs the operator asked for.
   */
  upgrade?: { bcryptCost?: number; pbkdf2Iterations?: number };
  /**
   * A hash in the site's typical format and cost, verified (result ignored) for unknown users until
   * a real row has been seen; afterwards the last well-formed row seen is used, so the burn follows
   * the site's actual cost. Default: bcrypt at cost 10.
   */
  burnHash?: string;
  logger?: Logger;
}

/** The answer to a password check. */
export interface HashVerification {
  ok: boolean;
  /** The format id, or null when the hash's format is not recognised. */
  format: string | null;
  /** Why the hash could not be checked at all (then `ok` is false). */
  problem?: HashProblem;
}

/** What a stored hash is, without checking a password (for `directory check`). */
export interface HashIdentity {
  format: string | null;
  weak: boolean;
  problem?: HashProblem;
}

/** The upgrade policy's verdict on a stored hash (after a successful sign-in). */
export interface UpgradeAdvice {
  /** True when the hash is weak or below the configured targets. */
  upgrade: boolean;
  reason?: 'weak' | 'below_target';
  /**
   * True when idbridge can write a stronger hash in the same format (so the site's own
   * application still verifies it): federated write-back is possible. Migrate mode rehashes into
   * idbridge's own KDF regardless.
   */
  rehashable: boolean;
}

export interface HashRegistry {
  /** The ids of every format this registry knows. */
  readonly formats: readonly string[];
  /** Check `password` against a stored hash. Never throws. */
  verify(password: string, storedHash: string, context?: VerifyContext): Promise<HashVerification>;
  /** The format of a stored hash, whether it is weak, and whether it is usable (parse only). */
  identify(storedHash: string, context?: VerifyContext): HashIdentity;
  /** Spend the time of a typical check without any user (unknown accounts). */
  burn(password: string): Promise<void>;
  /** Should this (verified) hash be replaced? */
  needsUpgrade(storedHash: string, context?: VerifyContext): UpgradeAdvice;
  /**
   * A stronger hash of `password` in the same format as `storedHash` (bcrypt cost bump, Django
   * PBKDF2 iteration bump), or null when idbridge cannot write that format. Call it only after a
   * successful `verify`.
   */
  rehash(password: string, storedHash: string, context?: VerifyContext): Promise<string | null>;
}

/** bcrypt cost 10 of a random, forgotten password: the burn target before a real row is seen. */
const DEFAULT_BURN_HASH = '$2b$10$ud8BKHi0zjwQ5mCtGQtZMO95GIVVqkip1tYa15TesU5K/I7prTYzm';

type Parsed = { format: HashFormat<unknown>; parsed: unknown } | { format: HashFormat<unknown> | null; refusal: Refusal | null };

/** Build a registry over the runtime's primitives (see `HashPrimitives`). */
export function createHashRegistry(primitives: HashPrimitives, options: HashRegistryOptions = {}): HashRegistry {
  const settings: FormatSettings = {
    limits: { ...DEFAULT_HASH_LIMITS, ...options.limits },
    pepper: options.pepper || undefined,
    saltedHash: options.saltedHash,
  };
  const logger = options.logger;
  let burnTarget: { hash: string; context: VerifyContext } = { hash: options.burnHash ?? DEFAULT_BURN_HASH, context: {} };

  function parse(storedHash: string, context: VerifyContext): Parsed {
    if (typeof storedHash !== 'string' || storedHash.length === 0 || storedHash.length > 1024) return { format: null, refusal: null };
    const format = HASH_FORMATS.find((f) => f.matches(storedHash, settings));
    if (!format) return { format: null, refusal: null };
    const parsed = format.parse(storedHash, settings, context);
    return isRefusal(parsed) ? { format, refusal: parsed } : { format, parsed };
  }

  function passwordBytes(password: string): Uint8Array | undefined {
    const bytes = utf8(password);
    return bytes.length <= settings.limits.passwordBytes ? bytes : undefined;
  }

  async function check(password: Uint8Array, format: HashFormat<unknown>, parsed: unknown): Promise<boolean | 'error'> {
    try {
      return (await format.verify(password, parsed, primitives, settings)) === true;
    } catch (error) {
      // A library refusing what our parser let through: a bug or an odd row, never a 500.
      logger?.log('error', 'password_hash_failed', { format: format.id, error: error instanceof Error ? error.name : typeof error });
      return 'error';
    }
  }

  async function burn(password: string): Promise<void> {
    const result = parse(burnTarget.hash, burnTarget.context);
    if (!('parsed' in result)) return;
    const bytes = passwordBytes(password) ?? utf8(password).subarray(0, settings.limits.passwordBytes);
    await check(bytes, result.format, result.parsed);
  }

  return {
    formats: HASH_FORMATS.map((f) => f.id),

    async verify(password, storedHash, context = {}) {
      const result = parse(storedHash, context);
      if (!('parsed' in result)) {
        const problem: HashProblem = result.refusal?.refused ?? 'unknown_format';
        const format = result.format?.id ?? null;
        logger?.log('warn', 'password_hash_unusable', { format, problem, detail: result.refusal?.detail });
        await burn(password);
        return { ok: false, format, problem };
      }
      const { format, parsed } = result;
      const bytes = passwordBytes(password);
      if (!bytes) {
        await burn(password);
        return { ok: false, format: format.id };
      }
      const ok = await check(bytes, format, parsed);
      if (ok === 'error') return { ok: false, format: format.id, problem: 'malformed' };
      // A row the site really has: unknown users now cost what this one cost.
      burnTarget = { hash: storedHash, context };
      return { ok, format: format.id };
    },

    identify(storedHash, context = {}) {
      const result = parse(storedHash, context);
      if ('parsed' in result) return { format: result.format.id, weak: result.format.weak };
      return { format: result.format?.id ?? null, weak: result.format?.weak ?? false, problem: result.refusal?.refused ?? 'unknown_format' };
    },

    burn,

    needsUpgrade(storedHash, context = {}) {
      const result = parse(storedHash, context);
      if (!('parsed' in result)) return { upgrade: true, rehashable: false };
      const { format, parsed } = result;
      const rehashable = format.rehash !== undefined;
      if (format.weak) return { upgrade: true, reason: 'weak', rehashable };
      const cost = format.cost?.(parsed);
      const target = cost && targetFor(cost);
      if (cost && target && belowTarget(cost, target)) return { upgrade: true, reason: 'below_target', rehashable };
      return { upgrade: false, rehashable };
    },

    async rehash(password, storedHash, context = {}) {
      const result = parse(storedHash, context);
      if (!('parsed' in result) || !result.format.rehash) return null;
      const bytes = passwordBytes(password);
      if (!bytes) return null;
      const cost = result.format.cost?.(result.parsed);
      const target = (cost && targetFor(cost)) || cost;
      if (!target) return null;
      return result.format.rehash(bytes, result.parsed, primitives, target, settings);
    },
  };

  function targetFor(cost: HashCost): HashCost | undefined {
    const up = options.upgrade;
    if (cost.kind === 'bcrypt' && up?.bcryptCost) return { kind: 'bcrypt', cost: up.bcryptCost };
    if (cost.kind === 'pbkdf2' && up?.pbkdf2Iterations) return { kind: 'pbkdf2', iterations: up.pbkdf2Iterations };
    return undefined;
  }
}

function belowTarget(cost: HashCost, target: HashCost): boolean {
  if (cost.kind === 'bcrypt' && target.kind === 'bcrypt') return cost.cost < target.cost;
  if (cost.kind === 'pbkdf2' && target.kind === 'pbkdf2') return cost.iterations < target.iterations;
  return false;
}

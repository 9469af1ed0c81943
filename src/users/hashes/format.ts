import type { HashLimits } from './limits.js';
import type { HashPrimitives } from './primitives.js';

/** Why a stored hash could not be checked (it then verifies as false; the reason is logged). */
export type HashProblem = 'unknown_format' | 'malformed' | 'over_limit';

/** A parse that failed: the problem and a short detail for the log (never the hash or a secret). */
export interface Refusal {
  refused: 'malformed' | 'over_limit';
  detail: string;
}

export function malformed(detail: string): Refusal {
  return { refused: 'malformed', detail };
}

export function overLimit(detail: string): Refusal {
  return { refused: 'over_limit', detail };
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'refused' in value;
}

/** Per-row data some formats need besides the hash (a separate salt column). */
export interface VerifyContext {
  salt?: string;
}

/**
 * Salted MD5/SHA hashes as the operator declares them (`directory.saltedHash` in the config file):
 * which digest, how salt and password were joined (`{salt}{password}`, `{password}{salt}`, …) and
 * how the digest is written.
 */
export interface SaltedHashSetting {
  algorithm: 'md5' | 'sha1' | 'sha256';
  template: string;
  encoding: 'hex' | 'base64';
}

/** What every format sees besides the hash: the limits and the site-wide settings. */
export interface FormatSettings {
  limits: HashLimits;
  /** Appended to the password before bcrypt (Devise's `config.pepper`). */
  pepper?: string;
  saltedHash?: SaltedHashSetting;
}

/** The cost of a parsed hash in the unit the upgrade policy compares (see `registry.ts`). */
export type HashCost = { kind: 'bcrypt'; cost: number } | { kind: 'pbkdf2'; iterations: number };

/**
 * One stored-hash format: recognised by its own shape, parsed (with its cost checked against the
 * limits) before anything is computed, then verified with the runtime's primitives.
 *
 * `matches` only looks at the shape (prefix, length, alphabet) and must be cheap; `parse` does the
 * full check and returns a {@link Refusal} rather than throwing.
 */
export interface HashFormat<P = unknown> {
  /** Stable id, logged and reported by `directory check` (`bcrypt`, `django-pbkdf2-sha256`, …). */
  readonly id: string;
  /** A fast unsalted/salted general-purpose digest, or a KDF with a fixed low cost. */
  readonly weak: boolean;
  matches(hash: string, settings: FormatSettings): boolean;
  parse(hash: string, settings: FormatSettings, context: VerifyContext): P | Refusal;
  /** True when `password` (the exact bytes the site hashed) matches. Comparisons are constant-time. */
  verify(password: Uint8Array, parsed: P, primitives: HashPrimitives, settings: FormatSettings): Promise<boolean>;
  cost?(parsed: P): HashCost;
  /**
   * A new hash of `password` in this same format (so the site's own application still verifies
   * it) at a higher cost. Only formats idbridge can write for the site have it.
   */
  rehash?(password: Uint8Array, parsed: P, primitives: HashPrimitives, target: HashCost, settings: FormatSettings): Promise<string>;
}

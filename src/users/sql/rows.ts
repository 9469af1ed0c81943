import { EXTENDED_FIELDS, SREG_FIELDS, type AttributeName, type Attributes } from '../profile.js';
import type { SiteUserRecord } from '../site-source.js';
import type { SqlRow } from './client.js';

/** Attributes a row may carry besides the record fields (email / email_verified are fields). */
const ROW_ATTRIBUTES: readonly AttributeName[] = [...SREG_FIELDS, ...EXTENDED_FIELDS].filter((n) => n !== 'email' && n !== 'email_verified');

/** Values of a flag column that mean "no"; anything else non-null means "yes". */
const FALSY = new Set(['', '0', 'f', 'false', 'n', 'no', 'off', 'null', '0000-00-00', '0000-00-00 00:00:00']);

/**
 * A blocked / verified flag as the engines and schemas store it: booleans (PostgreSQL), 0/1
 * (MySQL TINYINT, SQLite), `BIT(1)` (a one-byte buffer), `'t'`/`'f'`, `'yes'`/`'no'`, or a
 * timestamp that is set or NULL (Laravel `email_verified_at`, Devise `confirmed_at`).
 * NULL, false, zero and the FALSY strings are false; every other value is true.
 */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'bigint') return value !== 0n;
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  if (value instanceof Uint8Array) return value.some((b) => b !== 0);
  if (typeof value === 'string') return !FALSY.has(value.trim().toLowerCase());
  return true;
}

/** Thrown for a row idbridge cannot use (no id, a hash that is not text): the caller reports it. */
export class GarbageRowError extends Error {
  override readonly name = 'GarbageRowError';
}

/** The row with its column names in lower case (MySQL keeps an alias's case; PostgreSQL folds). */
export function lowerKeys(row: SqlRow): SqlRow {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const key = k.toLowerCase();
    if (!(key in out)) out[key] = v;
  }
  return out;
}

/** Read a result row (column names as in `RESULT_COLUMNS`) into a {@link SiteUserRecord}. */
export function readRecord(raw: SqlRow): SiteUserRecord {
  const row = lowerKeys(raw);
  const key = text(row['id']);
  if (key === null || key === '') throw new GarbageRowError(`the id column is ${describe(row['id'])}, not a value`);
  const attributes: Attributes = {};
  for (const name of ROW_ATTRIBUTES) {
    const value = attributeText(name, row[name]);
    if (value !== null && value !== '') attributes[name] = value;
  }
  return {
    key,
    email: nonEmpty(text(row['email'])),
    username: nonEmpty(text(row['username'])),
    // `active` (Django's is_active) is the inverse flag: present and falsy means blocked.
    blocked: truthy(row['blocked']) || ('active' in row && !truthy(row['active'])),
    emailVerified: truthy(row['email_verified'] ?? row['emailverified']),
    attributes,
  };
}

/** The stored hash of a row: a string, or null when the user has none (NULL, empty). */
export function readHash(raw: SqlRow): string | null {
  const row = lowerKeys(raw);
  const value = row['password_hash'] ?? row['passwordhash'];
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (value instanceof Uint8Array) return value.length === 0 ? null : new TextDecoder().decode(value);
  throw new GarbageRowError(`the password_hash column is ${describe(value)}, not text`);
}

function nonEmpty(value: string | null): string | null {
  return value === '' ? null : value;
}

/** Text of a scalar column: strings as they are, numbers and bigints in decimal, bytes as UTF-8. */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return null;
}

/**
 * An attribute as released: text as is; dates as the attribute wants them (`dob` as YYYY-MM-DD,
 * `updated_at` as Unix seconds, else ISO 8601); booleans as `true`/`false`. Values of other types
 * (JSON objects, arrays) are left out rather than guessed at.
 */
function attributeText(name: AttributeName, value: unknown): string | null {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    if (name === 'updated_at') return String(Math.floor(value.getTime() / 1000));
    if (name === 'dob') return value.toISOString().slice(0, 10);
    return value.toISOString();
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return text(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

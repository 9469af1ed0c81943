/**
 * One import record → one user, or the reasons it is rejected. The ONE place that knows the
 * import's field names and how they map to the user: CSV (header + cells, all strings) and JSONL
 * (one object per line) both end here, and validation is the user validation of
 * `users/create-user.ts` (`newUserInput`), so an imported user obeys the same rules as one made
 * with `idbridge user add`.
 */
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from '../users/password-hasher.js';
import { newUserInput, USER_RULES } from '../users/create-user.js';
import type { SregProfile } from '../users/profile.js';

/** A field of the import format (CSV header names, JSONL keys); `export` writes the same. */
export const IMPORT_FIELDS = [
  'id',
  'email',
  'username',
  'password',
  'password_hash',
  'nickname',
  'fullname',
  'dob',
  'gender',
  'postcode',
  'country',
  'language',
  'timezone',
  'phone',
  'customer',
  'external_id',
  'email_verified',
  'blocked',
  'create_time',
  'attributes',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Other spellings accepted in a CSV header (lower-cased, spaces and dashes as `_`). */
const ALIASES: Record<string, ImportField> = {
  name: 'fullname',
  full_name: 'fullname',
  customer_id: 'customer',
  externalid: 'external_id',
  passwordhash: 'password_hash',
  hash: 'password_hash',
  emailverified: 'email_verified',
  verified: 'email_verified',
};

/** CSV columns `attributes.<name>` carry custom profile fields (JSONL: an `attributes` object). */
const ATTRIBUTE_PREFIX = 'attributes.';
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_ATTRIBUTES = 64;
const MAX_ATTRIBUTE_LENGTH = 1024;

/** A rejected row: which line, which field (or `row`), why. */
export interface RowError {
  line: number;
  field: string;
  reason: string;
}

/** A valid row, ready to be written (a plain `password` is hashed by the importer first). */
export interface ImportUser {
  line: number;
  /** The id the row gave (a move from another idbridge), or null: a new one is made. */
  id: string | null;
  email: string;
  username: string | null;
  /** Pre-hashed (kept as it is), or null: none, or `password` is to be hashed. */
  passwordHash: string | null;
  password?: string;
  profile: Omit<SregProfile, 'email'>;
  phone: string | null;
  customerId: string | null;
  externalId: string | null;
  attributes: Record<string, string>;
  emailVerified: boolean;
  blocked: boolean;
  /** From `create_time` (a move), or null: now. */
  createTime: number | null;
}

/** What a stored-hash check says (the verifier registry's `identify`). */
export type HashIdentify = (hash: string) => { format: string | null; problem?: string };

export interface RowContext {
  identifyHash: HashIdentify;
  /** `--match external_id` needs an external id on every row. */
  requireExternalId: boolean;
}

/** The CSV header's columns, checked once: each is an import field, an alias or `attributes.<name>`. */
export type CsvHeader = { ok: true; columns: string[] } | { ok: false; reason: string };

export function csvHeader(names: readonly string[]): CsvHeader {
  const columns: string[] = [];
  for (const raw of names) {
    const trimmed = raw.trim();
    if (trimmed.toLowerCase().startsWith(ATTRIBUTE_PREFIX)) {
      const name = trimmed.slice(ATTRIBUTE_PREFIX.length);
      if (!ATTRIBUTE_NAME.test(name)) return { ok: false, reason: `column ${JSON.stringify(trimmed.slice(0, 80))}: attribute names are 1-64 letters, digits or "_", starting with a letter` };
      columns.push(`${ATTRIBUTE_PREFIX}${name}`);
      continue;
    }
    const key = trimmed.toLowerCase().replace(/[\s-]+/g, '_');
    const field = (IMPORT_FIELDS as readonly string[]).includes(key) && key !== 'attributes' ? (key as ImportField) : ALIASES[key];
    if (!field) {
      return {
        ok: false,
        reason: `unknown column ${JSON.stringify(trimmed.slice(0, 80))}; columns are ${IMPORT_FIELDS.filter((f) => f !== 'attributes').join(', ')} and attributes.<name> for custom fields`,
      };
    }
    columns.push(field);
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) return { ok: false, reason: `column ${c} appears twice` };
    seen.add(c);
  }
  if (!seen.has('email')) return { ok: false, reason: 'the header has no email column' };
  return { ok: true, columns };
}

/** A CSV record as a JSONL-shaped object: empty cells are absent, `attributes.x` cells nest. */
export function csvRecordObject(columns: readonly string[], cells: readonly string[]): Record<string, unknown> | string {
  if (cells.length !== columns.length) return `has ${cells.length} fields, the header has ${columns.length}`;
  const record: Record<string, unknown> = {};
  let attributes: Record<string, string> | undefined;
  for (let i = 0; i < columns.length; i++) {
    const value = cells[i]!;
    if (value === '') continue;
    const column = columns[i]!;
    if (column.startsWith(ATTRIBUTE_PREFIX)) (attributes ??= {})[column.slice(ATTRIBUTE_PREFIX.length)] = value;
    else record[column] = column === 'email_verified' || column === 'blocked' ? csvBoolean(value) : value;
  }
  if (attributes) record['attributes'] = attributes;
  return record;
}

function csvBoolean(text: string): boolean | string {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 'yes') return true;
  if (t === 'false' || t === '0' || t === 'no') return false;
  return text; // left for the schema to reject with its message
}

/** The import-only fields' rules, shared by the schema and the fast path below. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const MIN_PASSWORD_LENGTH = 8;
const MAX_HASH_LENGTH = 1024;

/** The row schema: the user validation minus the password rule, plus the import-only fields. */
export const rowSchema = newUserInput.omit({ password: true }).extend({
  id: z.string().regex(ID_PATTERN, 'must be 1-128 letters, digits, "_" or "-"').optional(),
  password: z.string().min(MIN_PASSWORD_LENGTH, 'must be at least 8 characters').max(MAX_PASSWORD_LENGTH).optional(),
  passwordHash: z.string().min(1).max(MAX_HASH_LENGTH).optional(),
  createTime: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }).optional(),
  attributes: z
    .record(z.string().regex(ATTRIBUTE_NAME, 'attribute names are 1-64 letters, digits or "_"'), z.string().max(MAX_ATTRIBUTE_LENGTH))
    .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
    .optional(),
});
type RowValues = z.output<typeof rowSchema>;

/**
 * The common row, checked by hand: about ten times cheaper than the schema, whose cost per row
 * (≈ 10 µs) was as large as the SQLite insert. It never decides alone that a row is bad: it
 * returns the values only when every field is certainly valid, with exactly what the schema would
 * output, and `undefined` for anything else (a bad value, or a field it does not know: dob,
 * timezone, create_time), which then goes through {@link rowSchema} for its verdict and messages.
 * The rules are the schema's own constants (`USER_RULES`, the ones above); test/import/row.test.ts
 * runs both over a table of valid and invalid values and requires identical results.
 */
export function fastRowValues(input: Record<string, unknown>): RowValues | undefined {
  const out: Record<string, unknown> = { emailVerified: false, blocked: false };
  for (const key in input) {
    const value = input[key];
    switch (key) {
      case 'email':
        if (typeof value !== 'string' || value.length > USER_RULES.emailMax || !z.regexes.email.test(value)) return undefined;
        out[key] = value.toLowerCase();
        break;
      case 'username': {
        if (typeof value !== 'string') return undefined;
        const v = value.trim();
        if (!USER_RULES.username.test(v)) return undefined;
        out[key] = v.toLowerCase();
        break;
      }
      case 'nickname':
      case 'fullname':
      case 'postcode':
      case 'customerId':
      case 'externalId': {
        if (typeof value !== 'string') return undefined;
        const v = value.trim();
        if (v.length === 0 || v.length > USER_RULES.textMax[key]) return undefined;
        out[key] = v;
        break;
      }
      case 'gender':
        if (value !== 'M' && value !== 'F') return undefined;
        out[key] = value;
        break;
      case 'country':
        if (typeof value !== 'string' || !USER_RULES.country.test(value)) return undefined;
        out[key] = value.toUpperCase();
        break;
      case 'language':
        if (typeof value !== 'string' || !USER_RULES.language.test(value)) return undefined;
        out[key] = value;
        break;
      case 'phone':
        if (typeof value !== 'string' || !USER_RULES.phone.test(value)) return undefined;
        out[key] = value.replace(USER_RULES.phoneSeparators, '');
        break;
      case 'emailVerified':
      case 'blocked':
        if (typeof value !== 'boolean') return undefined;
        out[key] = value;
        break;
      case 'id':
        if (typeof value !== 'string' || !ID_PATTERN.test(value)) return undefined;
        out[key] = value;
        break;
      case 'password':
        if (typeof value !== 'string' || value.length < MIN_PASSWORD_LENGTH || value.length > MAX_PASSWORD_LENGTH) return undefined;
        out[key] = value;
        break;
      case 'passwordHash':
        if (typeof value !== 'string' || value.length === 0 || value.length > MAX_HASH_LENGTH) return undefined;
        out[key] = value;
        break;
      case 'attributes': {
        if (!value || typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
        const attributes: Record<string, string> = {};
        let count = 0;
        for (const name in value) {
          if (!Object.hasOwn(value, name)) return undefined;
          const v = (value as Record<string, unknown>)[name];
          if (typeof v !== 'string' || v.length > MAX_ATTRIBUTE_LENGTH || !ATTRIBUTE_NAME.test(name) || ++count > MAX_ATTRIBUTES) return undefined;
          attributes[name] = v;
        }
        out[key] = attributes;
        break;
      }
      default:
        return undefined; // dob, timezone, createTime (and anything new): the schema decides
    }
  }
  if (out['email'] === undefined) return undefined;
  return out as RowValues;
}

/** Wire name → schema key, and back for error messages. */
const TO_KEY: Record<string, string> = {
  customer: 'customerId',
  external_id: 'externalId',
  email_verified: 'emailVerified',
  password_hash: 'passwordHash',
  create_time: 'createTime',
};
const TO_WIRE: Record<string, string> = Object.fromEntries(Object.entries(TO_KEY).map(([w, k]) => [k, w]));
const KNOWN = new Set<string>(IMPORT_FIELDS);

/**
 * Validate one record (JSONL object, or a CSV record through {@link csvRecordObject}) and map it to
 * a user. Every problem of the row is reported (one entry per field), not just the first.
 */
export function mapRecord(record: unknown, line: number, context: RowContext): ImportUser | RowError[] {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return [{ line, field: 'row', reason: 'must be a JSON object' }];
  const input: Record<string, unknown> = {};
  const errors: RowError[] = [];
  // for…in over own keys, not Object.entries: no array of pairs per row (GC was a tenth of the CPU).
  for (const wire in record) {
    if (!Object.hasOwn(record, wire)) continue;
    const value = (record as Record<string, unknown>)[wire];
    if (!KNOWN.has(wire)) {
      errors.push({ line, field: wire.slice(0, 64), reason: 'unknown field' });
      continue;
    }
    if (value === null) continue; // JSON null: absent
    input[TO_KEY[wire] ?? wire] = value;
  }
  if (errors.length > 0) {
    // Unknown fields are reported with the schema's verdict on the rest.
    const parsed = rowSchema.safeParse(input);
    if (!parsed.success) pushIssues(errors, parsed.error.issues, line);
    return errors;
  }
  let v = fastRowValues(input);
  if (v === undefined) {
    const parsed = rowSchema.safeParse(input);
    if (!parsed.success) {
      pushIssues(errors, parsed.error.issues, line);
      return errors;
    }
    v = parsed.data;
  }
  return finishRow(v, line, context);
}

/** One entry per field (its first issue), in the import's field names. */
function pushIssues(errors: RowError[], issues: readonly z.core.$ZodIssue[], line: number): void {
  const seen = new Set<string>();
  for (const issue of issues) {
    const key = typeof issue.path[0] === 'string' ? issue.path[0] : 'row';
    const field = [TO_WIRE[key] ?? key, ...issue.path.slice(1).map(String)].join('.');
    if (seen.has(field)) continue;
    seen.add(field);
    errors.push({ line, field, reason: issue.message });
  }
}

/** The checks beyond the schema (hash format, external id when matching by it), and the mapping. */
function finishRow(v: RowValues, line: number, context: RowContext): ImportUser | RowError[] {
  if (v.password !== undefined && v.passwordHash !== undefined) return [{ line, field: 'password', reason: 'give password or password_hash, not both' }];
  if (v.passwordHash !== undefined) {
    const known = context.identifyHash(v.passwordHash);
    if (!known.format) return [{ line, field: 'password_hash', reason: 'not a password hash format idbridge can verify' }];
    if (known.problem) {
      const reason = known.problem === 'over_limit' ? `${known.format} hash with a cost over the limits` : `not a well-formed ${known.format} hash`;
      return [{ line, field: 'password_hash', reason }];
    }
  }
  if (context.requireExternalId && v.externalId === undefined) return [{ line, field: 'external_id', reason: 'required when matching by external id' }];
  return {
    line,
    id: v.id ?? null,
    email: v.email,
    username: v.username ?? null,
    passwordHash: v.passwordHash ?? null,
    ...(v.password !== undefined ? { password: v.password } : {}),
    profile: {
      nickname: v.nickname,
      fullname: v.fullname,
      dob: v.dob,
      gender: v.gender,
      postcode: v.postcode,
      country: v.country,
      language: v.language,
      timezone: v.timezone,
    },
    phone: v.phone ?? null,
    customerId: v.customerId ?? null,
    externalId: v.externalId ?? null,
    attributes: v.attributes ?? {},
    emailVerified: v.emailVerified,
    blocked: v.blocked,
    createTime: v.createTime === undefined ? null : Date.parse(v.createTime),
  };
}

import { z } from 'zod';

/**
 * The `profile` section of the config file: which profile fields idbridge asks its users for, how
 * each is validated, whether it is required, and which custom fields are released to relying
 * parties under which OIDC scope / to OpenID 2.0. The section is data only; the model the rest of
 * idbridge uses is built from it by `buildProfileModel` (identity/profile-model.ts).
 *
 * ```yaml
 * profile:
 *   fields:
 *     fullname: { requirement: required }            # a standard field: override requirement / labels
 *     coffee:                                        # a custom field, stored in users.attributes
 *       type: select
 *       label: { en: Coffee, de: Kaffee }
 *       options: [espresso, { value: latte, label: { en: Caffè latte } }]
 *       requirement: optional
 *   scopes:
 *     coffee: [coffee]                               # OIDC scope → custom fields released as x_<field>
 *   openid2: [coffee]                                # custom fields OpenID 2.0 RPs may receive (AX),
 *                                                    # or { coffee: https://rp.example/ax/coffee }
 * ```
 */

/** The input types a profile field may have. */
export const PROFILE_FIELD_TYPES = ['text', 'email', 'phone', 'date', 'select', 'checkbox', 'number'] as const;
export type ProfileFieldType = (typeof PROFILE_FIELD_TYPES)[number];

/** required: asked before the flow continues; optional: shown, offered once, skippable; hidden: never asked. */
export const PROFILE_REQUIREMENTS = ['required', 'optional', 'hidden'] as const;
export type ProfileRequirement = (typeof PROFILE_REQUIREMENTS)[number];

/** Labels per language tag (`en` always; others optional), e.g. `{ en: 'Coffee', de: 'Kaffee' }`. */
export type Labels = { en: string } & Record<string, string>;

/**
 * A standard field: stored in its own `users` column (phone included), released through the
 * standard SREG attributes / OIDC claims. Operators may change requirement, labels and tighten
 * validation; not the type.
 */
export interface StandardFieldDefinition {
  type: ProfileFieldType;
  labels: Labels;
  /** The HTML `autocomplete` token (WCAG 1.3.5). */
  autocomplete: string;
  minLength?: number;
  maxLength: number;
  pattern?: string;
  options?: Array<{ value: string; labels: Labels }>;
}

/** The standard fields, by their attribute names (users/profile.ts: one vocabulary with SREG). */
export const STANDARD_PROFILE_FIELDS: Readonly<Record<string, StandardFieldDefinition>> = {
  fullname: { type: 'text', labels: { en: 'Full name', de: 'Vollständiger Name' }, autocomplete: 'name', maxLength: 200 },
  nickname: { type: 'text', labels: { en: 'Nickname', de: 'Spitzname' }, autocomplete: 'nickname', maxLength: 64 },
  dob: { type: 'date', labels: { en: 'Date of birth', de: 'Geburtsdatum' }, autocomplete: 'bday', maxLength: 10 },
  gender: {
    type: 'select',
    labels: { en: 'Gender', de: 'Geschlecht' },
    autocomplete: 'sex',
    maxLength: 1,
    // SREG 1.1 knows M and F only; that is what relying parties receive.
    options: [
      { value: 'F', labels: { en: 'Female', de: 'Weiblich' } },
      { value: 'M', labels: { en: 'Male', de: 'Männlich' } },
    ],
  },
  postcode: { type: 'text', labels: { en: 'Postal code', de: 'Postleitzahl' }, autocomplete: 'postal-code', maxLength: 16, pattern: '[A-Za-z0-9][A-Za-z0-9 -]{0,15}' },
  // ISO 3166-1 alpha-2 (SREG), upper-cased on input.
  country: { type: 'text', labels: { en: 'Country (two-letter code)', de: 'Land (zweistelliger Code)' }, autocomplete: 'country', minLength: 2, maxLength: 2, pattern: '[A-Z]{2}' },
  // ISO 639-1, optionally with a region (SREG: `en`, `en-GB`).
  language: { type: 'text', labels: { en: 'Language', de: 'Sprache' }, autocomplete: 'language', maxLength: 12, pattern: '[a-z]{2,3}(-[A-Za-z0-9]{2,8})?' },
  timezone: { type: 'text', labels: { en: 'Time zone', de: 'Zeitzone' }, autocomplete: 'off', maxLength: 64, pattern: '[A-Za-z_]+(/[A-Za-z0-9_+-]+){0,2}|UTC' },
  phone: { type: 'phone', labels: { en: 'Phone number', de: 'Telefonnummer' }, autocomplete: 'tel', maxLength: 16 },
};

/**
 * Names a custom field may not take: the standard and extended attributes, the account fields,
 * OIDC / JWT claim names (a custom field is released as `x_<name>`, but `x_sub` next to `sub`
 * would only confuse), and keys that mean something to JavaScript objects.
 */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(STANDARD_PROFILE_FIELDS),
  // users/profile.ts SREG + extended attributes, account columns.
  'email', 'email_verified', 'customer_id', 'updated_at', 'username', 'password', 'id', 'external_id', 'blocked',
  // OIDC Core §5.1 standard claims and the ID token's own claims.
  'sub', 'name', 'given_name', 'family_name', 'middle_name', 'preferred_username', 'profile', 'picture', 'website',
  'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'address',
  'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'sid', 'at_hash', 'c_hash', 'openid2_id',
  // Object keys with meaning (custom values are kept in plain JSON objects).
  'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty',
]);

/** Field names: lower-case identifiers, short enough for a wire name (`x_<name>`). */
const FIELD_NAME = /^[a-z][a-z0-9_]{0,39}$/;

const text = (max: number) => z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const labelsSchema = z.union([
  text(200),
  z
    .record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, 'must be a language tag such as en or de-CH'), text(200))
    .refine((labels) => Object.hasOwn(labels, 'en'), 'must have an English label (en)'),
]);
const count = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be at least 0').max(10_000, 'must be at most 10000');
const bound = z.union([z.number(), z.string().max(40, 'must be at most 40 characters')], { error: 'must be a number (number fields) or a date YYYY-MM-DD (date fields)' });
const optionSchema = z.union([text(100), z.strictObject({ value: text(100), label: labelsSchema.optional() })]);

const fieldSchema = z.strictObject({
  type: z.enum(PROFILE_FIELD_TYPES).optional(),
  label: labelsSchema.optional(),
  requirement: z.enum(PROFILE_REQUIREMENTS).optional(),
  minLength: count.optional(),
  maxLength: count.optional(),
  /** A regular expression the whole value must match (anchored for you; JavaScript syntax, `v` flag). */
  pattern: z.string().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional(),
  /** number: numbers; date: dates `YYYY-MM-DD`. */
  // Only the shape here (a number or a short string): which of the two a field takes depends on
  // its type, which the checks across settings below know, so their message names the right one.
  min: bound.optional(),
  max: bound.optional(),
  /** select: the choices (values, or value + labels). */
  options: z.array(optionSchema).max(200, 'must have at most 200 options').optional(),
  /** text: the only values accepted. */
  allowed: z.array(text(200)).min(1, 'must not be empty').max(200, 'must have at most 200 values').optional(),
});

export type ProfileFieldSettings = z.output<typeof fieldSchema>;

/** OIDC scope names (RFC 6749 §3.3 scope-token, restricted to a sensible subset). */
const SCOPE_NAME = /^[a-z][a-z0-9_.:-]{0,63}$/;
const STANDARD_SCOPES = new Set(['openid', 'profile', 'email', 'phone', 'address', 'offline_access']);

export const profileSectionSchema = z
  .strictObject({
    fields: z.record(z.string(), fieldSchema).default({}),
    scopes: z.record(z.string(), z.array(z.string()).min(1, 'must name at least one custom field')).default({}),
    /**
     * Custom fields OpenID 2.0 relying parties may request through Attribute Exchange: a list of
     * field names (AX type URI `<public URL>/schema/x_<field>`), or field name → the AX type URI
     * relying parties already use for it.
     */
    openid2: z.union([z.array(z.string()), z.record(z.string(), z.string())], { error: 'must be a list of custom field names, or field name → AX type URI' }).default([]),
  })
  .superRefine((section, ctx) => {
    const custom = new Set<string>();
    for (const [name, field] of Object.entries(section.fields)) {
      const at = (...path: string[]) => ['fields', name, ...path];
      const problem = (path: string[], message: string, input?: unknown) => ctx.addIssue({ code: 'custom', path, message, input });
      const standard = Object.hasOwn(STANDARD_PROFILE_FIELDS, name) ? STANDARD_PROFILE_FIELDS[name]! : undefined;
      if (!FIELD_NAME.test(name)) {
        problem(['fields'], `${JSON.stringify(name.slice(0, 60))}: a field name must be 1-40 lower-case letters, digits or "_", starting with a letter`);
        continue;
      }
      if (!standard && RESERVED_FIELD_NAMES.has(name)) {
        problem(['fields', name], `${name}: is a reserved name (a standard attribute or claim); pick another name for a custom field`);
        continue;
      }
      if (!standard && name.startsWith('x_')) {
        problem(['fields', name], `${name}: must not start with x_ (idbridge adds that prefix when releasing it)`);
        continue;
      }
      const type = field.type ?? standard?.type;
      if (standard && field.type && field.type !== standard.type) {
        problem(at('type'), `${JSON.stringify(field.type)}: ${name} is a standard field of type ${standard.type}; its type cannot change`);
      }
      if (!standard) {
        custom.add(name);
        if (!field.type) problem(at('type'), `required for a custom field (one of ${PROFILE_FIELD_TYPES.join(', ')})`);
        if (!field.label) problem(at('label'), 'required for a custom field (at least { en: … })');
      }
      if (field.pattern !== undefined) {
        try {
          new RegExp(`^(?:${field.pattern})$`, 'v');
        } catch (error) {
          problem(at('pattern'), `${JSON.stringify(field.pattern.slice(0, 80))}: is not a valid regular expression (${(error as Error).message.slice(0, 120)})`);
        }
        if (type && type !== 'text') problem(at('pattern'), `only text fields take a pattern (${name} is ${type})`);
      }
      if (field.minLength !== undefined && field.maxLength !== undefined && field.minLength > field.maxLength) {
        problem(at('minLength'), `${field.minLength}: must not exceed maxLength (${field.maxLength})`);
      }
      if (type === 'select') {
        const options = field.options ?? (standard ? [] : undefined);
        if (!standard && (!options || options.length === 0)) problem(at('options'), 'required for a select field (at least one option)');
        const values = (field.options ?? []).map((o) => (typeof o === 'string' ? o : o.value));
        const twice = values.find((v, i) => values.indexOf(v) !== i);
        if (twice !== undefined) problem(at('options'), `${JSON.stringify(twice)}: appears twice`);
      } else if (field.options) {
        problem(at('options'), `only select fields take options (${name} is ${type})`);
      }
      if (field.allowed && type !== 'text') problem(at('allowed'), `only text fields take allowed values (${name} is ${type}; a select has options)`);
      for (const bound of ['min', 'max'] as const) {
        const value = field[bound];
        if (value === undefined) continue;
        if (type === 'number' && typeof value !== 'number') problem(at(bound), `${JSON.stringify(value)}: must be a number for a number field`);
        else if (type === 'date' && (typeof value !== 'string' || !isCalendarDate(value))) problem(at(bound), `${JSON.stringify(value)}: must be a date YYYY-MM-DD for a date field`);
        else if (type !== 'number' && type !== 'date') problem(at(bound), `only number and date fields take ${bound} (${name} is ${type})`);
      }
      if (field.min !== undefined && field.max !== undefined && typeof field.min === typeof field.max && field.min > field.max) {
        problem(at('min'), `${JSON.stringify(field.min)}: must not exceed max (${JSON.stringify(field.max)})`);
      }
    }
    // `byName`: the list is a map's keys, so a problem is named by the key, not a position.
    const releasable = (list: string[], path: (string | number)[], byName = false) =>
      list.forEach((name, i) => {
        if (!custom.has(name)) {
          const why = Object.hasOwn(STANDARD_PROFILE_FIELDS, name) ? 'is a standard field (released by the standard scopes/attributes)' : 'is not a custom field under profile.fields';
          ctx.addIssue({ code: 'custom', path: [...path, byName ? name : i], message: `${JSON.stringify(name.slice(0, 60))}: ${why}` });
        }
      });
    for (const [scope, names] of Object.entries(section.scopes)) {
      if (!SCOPE_NAME.test(scope)) ctx.addIssue({ code: 'custom', path: ['scopes'], message: `${JSON.stringify(scope.slice(0, 60))}: a scope name must be lower-case letters, digits, "_", ".", ":" or "-"` });
      else if (STANDARD_SCOPES.has(scope)) ctx.addIssue({ code: 'custom', path: ['scopes', scope], message: `${scope}: is a standard scope; map custom fields to a scope of your own` });
      else releasable(names, ['scopes', scope]);
    }
    if (Array.isArray(section.openid2)) releasable(section.openid2, ['openid2']);
    else {
      releasable(Object.keys(section.openid2), ['openid2'], true);
      const seen = new Map<string, string>();
      for (const [name, uri] of Object.entries(section.openid2)) {
        const problem = (message: string) => ctx.addIssue({ code: 'custom', path: ['openid2', name], message: `${JSON.stringify(uri.slice(0, 80))}: ${message}` });
        if (!isTypeUri(uri)) problem('must be an absolute http(s) URI or a urn: of at most 255 characters (an AX type URI)');
        else if (seen.has(uri)) problem(`is also the type of ${seen.get(uri)}; each field needs its own type URI`);
        seen.set(uri, name);
      }
    }
  });

export type ProfileSection = z.output<typeof profileSectionSchema>;

/** An AX type URI (AX 1.0 §2: a URI): absolute http(s) or urn:, printable ASCII, bounded. */
function isTypeUri(value: string): boolean {
  if (value.length > 255 || !/^[\x21-\x7e]+$/.test(value)) return false;
  if (/^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$/i.test(value)) return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A real calendar date `YYYY-MM-DD` (no 31 February), years 0001-9999. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

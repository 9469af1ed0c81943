/**
 * The profile model: the fields idbridge asks its users for, built from the config file's
 * `profile` section (config/profile-section.ts) over the predefined standard fields, and the
 * server-side checks of what a user typed (the browser's constraints are a convenience only).
 *
 * Storage: standard fields live in their own user columns (`DirectoryUser.profile`, `phone`);
 * custom fields in `DirectoryUser.attributes` by field name. Keys of `attributes` starting with
 * `$` are idbridge's own bookkeeping (see {@link OFFERED_KEY}), never a field.
 */
import { isTimeZone } from '../users/create-user.js';
import {
  isCalendarDate,
  STANDARD_PROFILE_FIELDS,
  type Labels,
  type ProfileFieldType,
  type ProfileRequirement,
  type ProfileSection,
} from '../config/profile-section.js';
import { customAttributeName, type CustomAttributeName, type CustomRelease } from '../users/profile.js';
import type { DirectoryUser } from '../users/user.js';
import type { FieldIssue } from '../errors.js';
import { BUILTIN_CATALOGUES, translator, type Translate } from '../i18n/translate.js';

export type { Labels, ProfileFieldType, ProfileRequirement };

export interface ProfileOption {
  value: string;
  labels: Labels;
}

/** One field of the model, validated and with every default filled in. */
export interface ProfileField {
  /** The attribute name (`fullname`, `dob`, `coffee`). */
  name: string;
  type: ProfileFieldType;
  labels: Labels;
  requirement: ProfileRequirement;
  /** Stored in a standard column (true) or in `attributes` (a custom field). */
  standard: boolean;
  /** The HTML `autocomplete` token. */
  autocomplete: string;
  minLength: number | undefined;
  maxLength: number;
  /** The operator's pattern source (unanchored), for the browser's `pattern` attribute. */
  pattern: string | undefined;
  min: number | string | undefined;
  max: number | string | undefined;
  /** select: the choices. */
  options: readonly ProfileOption[] | undefined;
  /** text: the only values accepted. */
  allowed: readonly string[] | undefined;
}

export interface ProfileModel {
  /** Standard fields first (in SREG order, phone last), then custom fields in config order. */
  readonly fields: readonly ProfileField[];
  field(name: string): ProfileField | undefined;
  /** OIDC scope → the custom fields it releases (as `x_<field>` claims). */
  readonly scopes: ReadonlyMap<string, readonly ProfileField[]>;
  /** Custom fields OpenID 2.0 relying parties may request (AX) and receive. */
  readonly openid2: readonly ProfileField[];
  /** The operator's AX type URI of an `openid2` field, when given (else the default, see {@link customRelease}). */
  readonly openid2TypeUris: ReadonlyMap<string, string>;
}

/** `attributes` key remembering which optional fields were already offered (comma-separated names). */
export const OFFERED_KEY = '$offered';

/** Default maximum lengths by type (custom fields without maxLength). */
const MAX_LENGTH: Record<ProfileFieldType, number> = { text: 200, email: 254, phone: 16, date: 10, select: 100, checkbox: 5, number: 32 };
const AUTOCOMPLETE: Record<ProfileFieldType, string> = { text: 'off', email: 'email', phone: 'tel', date: 'off', select: 'off', checkbox: 'off', number: 'off' };

/**
 * The model from a validated `profile` section (absent: the standard fields, all hidden, so a
 * deployment without a profile section asks nobody for anything).
 */
export function buildProfileModel(section: ProfileSection | undefined): ProfileModel {
  const settings = section?.fields ?? {};
  const fields: ProfileField[] = [];
  for (const [name, std] of Object.entries(STANDARD_PROFILE_FIELDS)) {
    const s = Object.hasOwn(settings, name) ? settings[name]! : {};
    fields.push({
      name,
      type: std.type,
      labels: labels(s.label, std.labels),
      requirement: s.requirement ?? 'hidden',
      standard: true,
      autocomplete: std.autocomplete,
      minLength: s.minLength ?? std.minLength,
      // An operator may tighten the column's limit, never widen it.
      maxLength: Math.min(s.maxLength ?? std.maxLength, std.maxLength),
      pattern: s.pattern ?? std.pattern,
      min: s.min,
      max: s.max,
      options: s.options ? options(s.options) : std.options,
      allowed: s.allowed,
    });
  }
  for (const [name, s] of Object.entries(settings)) {
    if (Object.hasOwn(STANDARD_PROFILE_FIELDS, name)) continue;
    const type = s.type ?? 'text';
    fields.push({
      name,
      type,
      labels: labels(s.label, { en: name }),
      requirement: s.requirement ?? 'optional',
      standard: false,
      autocomplete: AUTOCOMPLETE[type],
      minLength: s.minLength,
      maxLength: s.maxLength ?? MAX_LENGTH[type],
      pattern: s.pattern,
      min: s.min,
      max: s.max,
      options: s.options ? options(s.options) : undefined,
      allowed: s.allowed,
    });
  }
  const byName = new Map(fields.map((f) => [f.name, f]));
  const openid2 = section?.openid2 ?? [];
  const openid2Names = Array.isArray(openid2) ? openid2 : Object.keys(openid2);
  const pick = (names: readonly string[]) => names.flatMap((n) => (byName.has(n) ? [byName.get(n)!] : []));
  return {
    fields,
    field: (name) => byName.get(name),
    scopes: new Map(Object.entries(section?.scopes ?? {}).map(([scope, names]) => [scope, pick(names)])),
    openid2: pick(openid2Names),
    openid2TypeUris: new Map(Array.isArray(openid2) ? [] : Object.entries(openid2)),
  };
}

function labels(given: string | Record<string, string> | undefined, fallback: Labels): Labels {
  if (given === undefined) return fallback;
  if (typeof given === 'string') return { en: given };
  return { ...given, en: given['en'] ?? fallback.en } as Labels;
}

function options(given: ReadonlyArray<string | { value: string; label?: string | Record<string, string> | undefined }>): ProfileOption[] {
  return given.map((o) => (typeof o === 'string' ? { value: o, labels: { en: o } } : { value: o.value, labels: labels(o.label, { en: o.value }) }));
}

/** The label in `locale` (`de-CH` → `de` → `en`). */
export function localized(labels: Labels, locale: string): string {
  const tag = locale.toLowerCase();
  const primary = tag.split('-')[0]!;
  for (const [key, value] of Object.entries(labels)) if (key.toLowerCase() === tag) return value;
  for (const [key, value] of Object.entries(labels)) if (key.toLowerCase() === primary) return value;
  return labels.en;
}

/** Why a value was refused; `message` is ready to show next to the field. */
export type ProfileErrorCode =
  | 'required'
  | 'wrong_type'
  | 'too_short'
  | 'too_long'
  | 'invalid_characters'
  | 'pattern'
  | 'not_allowed'
  | 'invalid_email'
  | 'invalid_phone'
  | 'invalid_date'
  | 'invalid_number'
  | 'too_small'
  | 'too_large';

export interface ProfileFieldError {
  field: string;
  code: ProfileErrorCode;
  message: string;
}

export type ProfileValidation =
  | { ok: true; values: Record<string, string> }
  | {
      ok: false;
      errors: ProfileFieldError[];
      /** What the user typed (normalised, capped), to fill the form in again. */
      values: Record<string, string>;
    };

/** Characters no profile value may carry: controls (a newline would forge a Key-Value line) and bidi overrides. */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;
const NUMBER = /^-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,10})?$/;
/** Anything longer is refused before any pattern runs (an operator's pattern on a megabyte of input). */
const HARD_LIMIT = 10_000;

/**
 * The language profile messages and labels come in: a page's `c.get('ui')` fits (its translate
 * function knows the operator's language files too).
 */
export interface ProfileText {
  locale: string;
  t: Translate;
}

/** Messages from the built-in catalogues only (English for a language idbridge does not ship). */
export function builtinProfileText(locale: string): ProfileText {
  const catalogue = BUILTIN_CATALOGUES[locale] ?? BUILTIN_CATALOGUES[locale.split('-')[0]!.toLowerCase()] ?? {};
  return { locale, t: translator(locale, catalogue) };
}

/** The message of a refused value, in the catalogue's words (`profile.error.<code>`). */
export function profileErrorMessage(code: ProfileErrorCode, field: ProfileField, text: ProfileText): string {
  return text.t(`profile.error.${code}`, {
    label: localized(field.labels, text.locale),
    min: String(field.min ?? ''),
    max: String(field.max ?? ''),
    minLength: field.minLength ?? 0,
    maxLength: field.maxLength,
  });
}

/**
 * Check and normalise the submitted values of `fields` (default: every field that is not hidden).
 * `input` is the parsed form: a value per name, or an array when a name came twice (refused).
 * Empty values are allowed for optional fields (returned as `''`); a required checkbox must be
 * ticked. Names outside `fields` are ignored unread, including `__proto__` and friends.
 */
export function validateProfile(
  model: ProfileModel,
  input: Readonly<Record<string, unknown>>,
  locale: string | ProfileText,
  options: { fields?: readonly ProfileField[] } = {},
): ProfileValidation {
  const text = typeof locale === 'string' ? builtinProfileText(locale) : locale;
  const fields = options.fields ?? model.fields.filter((f) => f.requirement !== 'hidden');
  const values: Record<string, string> = Object.create(null);
  const errors: ProfileFieldError[] = [];
  for (const field of fields) {
    const raw = Object.hasOwn(input, field.name) ? input[field.name] : undefined;
    const fail = (code: ProfileErrorCode) => errors.push({ field: field.name, code, message: profileErrorMessage(code, field, text) });
    if (raw !== undefined && typeof raw !== 'string') {
      values[field.name] = '';
      fail('wrong_type');
      continue;
    }
    const { value, code } = checkValue(field, raw ?? '');
    values[field.name] = value.slice(0, field.maxLength + 1);
    if (code) fail(code);
  }
  return errors.length === 0 ? { ok: true, values } : { ok: false, errors, values };
}

function checkValue(field: ProfileField, raw: string): { value: string; code?: ProfileErrorCode } {
  if (raw.length > HARD_LIMIT) return { value: '', code: 'too_long' };
  if (field.type === 'checkbox') {
    const checked = raw === 'on' || raw === 'true' || raw === '1';
    if (!checked && raw !== '' && raw !== 'false' && raw !== '0') return { value: 'false', code: 'wrong_type' };
    if (!checked && field.requirement === 'required') return { value: 'false', code: 'required' };
    return { value: checked ? 'true' : 'false' };
  }
  let value = raw.normalize('NFC').trim();
  if (FORBIDDEN.test(value)) return { value: value.replace(new RegExp(FORBIDDEN, 'gu'), ''), code: 'invalid_characters' };
  if (field.type === 'phone') value = value.replace(/[\s().\-/]/g, '').replace(/^00/, '+');
  if (field.name === 'country') value = value.toUpperCase();
  if (value === '') return field.requirement === 'required' ? { value, code: 'required' } : { value };
  if ([...value].length > field.maxLength) return { value, code: 'too_long' };
  if (field.minLength !== undefined && [...value].length < field.minLength) return { value, code: 'too_short' };
  switch (field.type) {
    case 'email':
      return EMAIL.test(value) ? { value } : { value, code: 'invalid_email' };
    case 'phone':
      return E164.test(value) ? { value } : { value, code: 'invalid_phone' };
    case 'date':
      if (!isCalendarDate(value)) return { value, code: 'invalid_date' };
      if (typeof field.min === 'string' && value < field.min) return { value, code: 'too_small' };
      if (typeof field.max === 'string' && value > field.max) return { value, code: 'too_large' };
      return { value };
    case 'number': {
      if (!NUMBER.test(value)) return { value, code: 'invalid_number' };
      const n = Number(value);
      if (typeof field.min === 'number' && n < field.min) return { value, code: 'too_small' };
      if (typeof field.max === 'number' && n > field.max) return { value, code: 'too_large' };
      return { value: String(n) };
    }
    case 'select':
      return field.options?.some((o) => o.value === value) ? { value } : { value, code: 'not_allowed' };
    case 'text':
      if (field.allowed && !field.allowed.includes(value)) return { value, code: 'not_allowed' };
      if (field.pattern !== undefined && !compiled(field.pattern).test(value)) return { value, code: 'pattern' };
      if (field.name === 'timezone' && !isTimeZone(value)) return { value, code: 'pattern' };
      return { value };
    default:
      return { value, code: 'wrong_type' };
  }
}

const patterns = new Map<string, RegExp>();
/** The anchored pattern (as the browser's `pattern` attribute anchors it), compiled once. */
function compiled(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source})$`, 'v');
    patterns.set(source, re);
  }
  return re;
}

/**
 * The Users API's check of custom attributes (api/user-resource.ts `AttributeValidator`) from the
 * model: every name must be a custom field of the model, every value pass the field's rules
 * (type, length, pattern, options, min/max) as at the bridge. Requirements are not enforced here:
 * an API client may create a user without a required field (the bridge asks for it at the next
 * sign-in), and `''` clears a value. Messages are English (the API's language).
 */
export function profileAttributeValidator(model: ProfileModel): (attributes: Readonly<Record<string, string>>) => FieldIssue[] {
  const custom = model.fields.filter((f) => !f.standard);
  const known = custom.map((f) => f.name).join(', ') || 'none';
  const text = builtinProfileText('en');
  return (attributes) => {
    const issues: FieldIssue[] = [];
    for (const [name, value] of Object.entries(attributes)) {
      const field = model.field(name);
      if (!field || field.standard) {
        const why = field ? 'is a standard profile field, set under profile (not attributes)' : 'is not a custom profile field';
        issues.push({ path: [name], message: `${why} (the config file's profile.fields defines: ${known})` });
        continue;
      }
      const result = validateProfile(model, { [name]: value }, text, { fields: [{ ...field, requirement: 'optional' }] });
      if (!result.ok) for (const error of result.errors) issues.push({ path: [name], message: error.message });
    }
    return issues;
  };
}

/** The stored value of a field for a user ('' when absent). */
export function profileValue(user: DirectoryUser, field: ProfileField): string {
  if (!field.standard) return Object.hasOwn(user.attributes, field.name) ? (user.attributes[field.name] ?? '') : '';
  if (field.name === 'phone') return user.phone ?? '';
  return (user.profile as Record<string, string | undefined>)[field.name] ?? '';
}

/** The optional fields already offered to this user (and skipped or filled). */
export function offeredFields(user: DirectoryUser): Set<string> {
  const raw = Object.hasOwn(user.attributes, OFFERED_KEY) ? (user.attributes[OFFERED_KEY] ?? '') : '';
  return new Set(raw.split(',').filter(Boolean));
}

export interface MissingFields {
  /** Required fields without a value: the flow waits for these. */
  required: ProfileField[];
  /** Optional fields without a value that were never offered: offered once. */
  optional: ProfileField[];
}

/**
 * What to ask this user for. `writable` says which fields can be stored for this user (a site
 * directory's user can only keep custom fields in idbridge): a field that cannot be stored is
 * never asked, so the user is never stuck on a form they cannot finish. Checkboxes count as
 * missing only when required and not ticked.
 */
export function missingFields(model: ProfileModel, user: DirectoryUser, writable: (field: ProfileField) => boolean = () => true): MissingFields {
  const offered = offeredFields(user);
  const required: ProfileField[] = [];
  const optional: ProfileField[] = [];
  for (const field of model.fields) {
    if (field.requirement === 'hidden' || !writable(field)) continue;
    const value = profileValue(user, field);
    const missing = field.type === 'checkbox' ? value !== 'true' : value === '';
    if (!missing) continue;
    if (field.requirement === 'required') required.push(field);
    else if (!offered.has(field.name) && field.type !== 'checkbox') optional.push(field);
  }
  return { required, optional };
}

/**
 * The releasable custom attribute values of a user, as `x_<field>` names: what the bridge may
 * post back when the identity service asked for them.
 */
export function customAttributeValues(model: ProfileModel, user: DirectoryUser): Partial<Record<CustomAttributeName, string>> {
  const out: Partial<Record<CustomAttributeName, string>> = {};
  for (const field of model.fields) {
    if (field.standard) continue;
    const value = profileValue(user, field);
    if (value !== '') out[customAttributeName(field.name)] = value;
  }
  return out;
}

/**
 * The release part of the model, for the identity service (users/profile.ts {@link CustomRelease}).
 * An `openid2` field without the operator's type URI gets `<publicUrl>/schema/x_<field>`: a URI
 * under the deployment's own name, so it cannot mean anything else (AX type URIs are names; they
 * need not resolve).
 */
export function customRelease(model: ProfileModel, publicUrl?: string): CustomRelease {
  const labels = new Map<string, string>();
  for (const field of model.fields) if (!field.standard) labels.set(customAttributeName(field.name), field.labels.en);
  const axTypes = new Map<string, CustomAttributeName>();
  for (const field of model.openid2) {
    const uri = model.openid2TypeUris.get(field.name) ?? (publicUrl === undefined ? undefined : `${publicUrl}/schema/${customAttributeName(field.name)}`);
    if (uri !== undefined) axTypes.set(uri, customAttributeName(field.name));
  }
  return {
    scopes: new Map([...model.scopes].map(([scope, fields]) => [scope, fields.map((f) => customAttributeName(f.name))])),
    openid2: model.openid2.map((f) => customAttributeName(f.name)),
    openid2AxTypes: axTypes,
    labels,
  };
}

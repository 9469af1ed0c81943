/**
 * The attribute vocabulary idbridge releases: the nine SREG 1.1 fields, and the Attribute Exchange
 * type URIs that mean the same thing. The bridge sees them as `sreg_<field>` names.
 */
import { invalidRequest } from '../../errors.js';

/**
 * The SREG 1.1 profile fields (SREG 1.1 §4), in the order SREG lists them. Protocol data, defined
 * here; the user model (`users/profile.ts`) builds its attribute names on it.
 */
export const SREG_FIELDS = ['nickname', 'email', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone'] as const;

export type SregField = (typeof SREG_FIELDS)[number];

const SREG_SET: ReadonlySet<string> = new Set(SREG_FIELDS);

export function isSregField(name: string): name is SregField {
  return SREG_SET.has(name);
}

/** Attribute values to release, by SREG field name. Absent or empty means "not released". */
export type AttributeValues = Partial<Record<SregField, string>>;

/** Paths of the AX schema, shared by the axschema.org URIs and their older spellings. */
const AX_PATHS: Readonly<Record<SregField, string>> = {
  nickname: '/namePerson/friendly',
  email: '/contact/email',
  fullname: '/namePerson',
  dob: '/birthDate',
  gender: '/person/gender',
  postcode: '/contact/postalCode/home',
  country: '/contact/country/home',
  language: '/pref/language',
  timezone: '/pref/timezone',
};

/** Bases under which AX type URIs for these paths are in use. */
const AX_BASES = ['http://axschema.org', 'http://schema.openid.net', 'http://openid.net/schema'] as const;

/** AX type URI → SREG field. */
export const AX_TYPE_TO_SREG: ReadonlyMap<string, SregField> = new Map(
  AX_BASES.flatMap((base) => SREG_FIELDS.map((field) => [`${base}${AX_PATHS[field]}`, field] as const)),
);

/** The axschema.org type URI of a field (what we advertise). */
export function axTypeUri(field: SregField): string {
  return `http://axschema.org${AX_PATHS[field]}`;
}

/**
 * A value to release, or `undefined` when there is none. Throws `invalid_request` for control
 * characters: the value goes into signed Key-Value data, where a newline would forge a field.
 */
export function releasableValue(values: AttributeValues, field: SregField): string | undefined {
  const value = values[field];
  if (value === undefined || value === '') return undefined;
  if (/[\x00-\x1f\x7f]/.test(value)) throw invalidRequest(`The ${field} value contains control characters.`);
  return value;
}

/** Split a comma-separated list, trimming blanks and dropping empty and repeated items. */
export function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const item of value.split(',')) {
    const trimmed = item.trim();
    if (trimmed !== '' && !out.includes(trimmed)) out.push(trimmed);
  }
  return out;
}

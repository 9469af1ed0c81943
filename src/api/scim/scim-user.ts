/**
 * The SCIM User resource (RFC 7643 §4.1) as a view of the Users API's User resource, both ways.
 *
 * Mapping: `userName` is the email address (idbridge signs users in by email; provisioning
 * clients send an email-shaped userName: Entra ID's userPrincipalName, Okta's login), and
 * `emails` shows the same address (type "work", primary) — both name the one column, so a
 * request that sets them to different addresses is refused. `externalId` ↔ external_id,
 * `name.formatted` (else givenName + familyName, else `displayName`) ↔ profile fullname,
 * `nickName` / `preferredLanguage` / `timezone` ↔ profile nickname / language / timezone, the
 * primary `phoneNumbers` value ↔ phone, `active` ↔ not blocked, `meta.version` = the ETag.
 *
 * Incoming documents are first made canonical ({@link canonicalUser}): attribute names are
 * case-insensitive (RFC 7643 §2.1), so they are rewritten to their schema spelling, standard
 * attributes idbridge does not store (title, addresses, the enterprise extension, …) are dropped,
 * and read-only ones (id, meta, groups) are ignored as RFC 7644 §3.3 / §3.5.1 say.
 */
import type { ZodError } from 'zod';
import { UserCreateSchema, UserPatchSchema, type UserCreate, type UserPatch, type UserResource } from '../user-resource.js';
import { scimError } from './scim-errors.js';
import {
  classifyAttribute,
  findAttribute,
  findSubAttribute,
  IGNORED_NAME_ATTRIBUTES,
  isSchemaUrn,
  stripCoreUrn,
  USER_SCHEMA,
  type AttributeDefinition,
} from './scim-schema.js';

/** One element of a multi-valued attribute (emails, phoneNumbers). */
export interface MultiValue {
  value?: string;
  type?: string;
  primary?: boolean;
}

/** A User in canonical form: only the attributes idbridge stores, spelt as the schema does. */
export interface ScimDoc {
  userName?: string;
  externalId?: string;
  name?: { formatted?: string; givenName?: string; familyName?: string };
  displayName?: string;
  nickName?: string;
  preferredLanguage?: string;
  timezone?: string;
  active?: boolean;
  password?: string;
  emails?: MultiValue[];
  phoneNumbers?: MultiValue[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A boolean, also from the strings "True"/"False" in any case (Entra ID sends
 * `"value": "False"` for active).
 */
function booleanOf(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw scimError('invalidValue', `${where} must be true or false.`);
}

/** A single value in canonical form; undefined when it is unassigned (null or ""). */
export function canonicalScalar(def: AttributeDefinition, value: unknown, where: string): string | boolean | undefined {
  if (value === null || value === undefined) return undefined;
  if (def.type === 'boolean') return booleanOf(value, where);
  if (typeof value !== 'string') throw scimError('invalidValue', `${where} must be a string.`);
  return value.trim() === '' ? undefined : value;
}

function canonicalComplex(def: AttributeDefinition, value: unknown, where: string): Record<string, unknown> {
  if (!isObject(value)) throw scimError('invalidSyntax', `${where} must be an object.`);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const sub = findSubAttribute(def, key);
    if (!sub) {
      // Standard sub-attributes idbridge does not keep; `display` and `$ref` of multi-valued ones.
      if ((def.name === 'name' && IGNORED_NAME_ATTRIBUTES.some((n) => n.toLowerCase() === key.toLowerCase())) || (def.multiValued && /^(display|\$ref)$/i.test(key))) continue;
      throw scimError('invalidSyntax', `${where}.${key} is not an attribute of ${def.name}.`);
    }
    const scalar = canonicalScalar(sub, v, `${where}.${sub.name}`);
    if (scalar !== undefined) out[sub.name] = scalar;
  }
  return out;
}

/** The value of a stored attribute in canonical form (multi-valued: an array of elements). */
export function canonicalValue(def: AttributeDefinition, value: unknown, where = def.name): unknown {
  if (value === null || value === undefined) return undefined;
  if (def.multiValued) {
    const items = Array.isArray(value) ? value : [value];
    if (items.length > 20) throw scimError('invalidValue', `${where} has more than 20 values.`);
    return items.map((item, i) => canonicalComplex(def, item, `${where}[${i}]`));
  }
  if (def.type === 'complex') return canonicalComplex(def, value, where);
  return canonicalScalar(def, value, where);
}

/**
 * A User document from a client (POST, PUT) in canonical form. `schemas` must name the core
 * User schema; attributes outside every schema are refused (`invalidSyntax`).
 */
export function canonicalUser(body: Record<string, unknown>): ScimDoc {
  const schemas = body['schemas'];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === USER_SCHEMA.toLowerCase())) {
    throw scimError('invalidSyntax', `schemas must include ${USER_SCHEMA}.`);
  }
  const doc: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(body)) {
    if (rawKey === 'schemas') continue;
    // Extension attributes (the enterprise User, a client's own) are not stored.
    if (isSchemaUrn(rawKey)) continue;
    const kind = classifyAttribute(rawKey);
    if (kind === 'ignored' || kind === 'readOnly') continue;
    if (kind === 'unknown') throw scimError('invalidSyntax', `${rawKey} is not an attribute of the User schema.`);
    const def = findAttribute(rawKey)!;
    const canonical = canonicalValue(def, value);
    if (canonical !== undefined) doc[def.name] = canonical;
  }
  return doc as ScimDoc;
}

/** The primary element, else the first; with a value. */
export function primaryOf(values: readonly MultiValue[] | undefined): MultiValue | undefined {
  const withValue = (values ?? []).filter((v) => v.value !== undefined);
  return withValue.find((v) => v.primary === true) ?? withValue[0];
}

/** The User resource as SCIM returns it; `location` is its absolute URL. */
export function toScimUser(user: UserResource, etag: string, location: string): Record<string, unknown> {
  const fullname = user.profile.fullname;
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    ...(user.external_id !== null ? { externalId: user.external_id } : {}),
    userName: user.email,
    ...(fullname ? { name: { formatted: fullname }, displayName: fullname } : {}),
    ...(user.profile.nickname ? { nickName: user.profile.nickname } : {}),
    ...(user.profile.language ? { preferredLanguage: user.profile.language } : {}),
    ...(user.profile.timezone ? { timezone: user.profile.timezone } : {}),
    active: !user.blocked,
    emails: [{ value: user.email, type: 'work', primary: true }],
    ...(user.phone !== null ? { phoneNumbers: [{ value: user.phone, type: 'work', primary: true }] } : {}),
    meta: { resourceType: 'User', created: user.create_time, lastModified: user.update_time, location, version: etag },
  };
}

/**
 * The stored user in canonical form: what a PATCH applies to. The full name is also offered
 * split at its first space as givenName/familyName (never returned), so replacing just
 * `name.givenName` of "Ada Lovelace" with "Augusta" gives "Augusta Lovelace".
 */
export function scimBase(user: UserResource): ScimDoc {
  const doc: ScimDoc = { userName: user.email, active: !user.blocked, emails: [{ value: user.email, type: 'work', primary: true }] };
  if (user.external_id !== null) doc.externalId = user.external_id;
  const fullname = user.profile.fullname;
  if (fullname) {
    const space = fullname.indexOf(' ');
    doc.name = space < 0 ? { formatted: fullname, givenName: fullname } : { formatted: fullname, givenName: fullname.slice(0, space), familyName: fullname.slice(space + 1) };
    doc.displayName = fullname;
  }
  if (user.profile.nickname) doc.nickName = user.profile.nickname;
  if (user.profile.language) doc.preferredLanguage = user.profile.language;
  if (user.profile.timezone) doc.timezone = user.profile.timezone;
  if (user.phone !== null) doc.phoneNumbers = [{ value: user.phone, type: 'work', primary: true }];
  return doc;
}

const joinName = (name: ScimDoc['name']) => [name?.givenName, name?.familyName].filter((p): p is string => !!p).join(' ') || undefined;
const sameCi = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** The full name a whole document states. */
function fullnameOf(doc: ScimDoc): string | undefined {
  return doc.name?.formatted ?? joinName(doc.name) ?? doc.displayName;
}

/**
 * What a PATCH did to the one stored value of a multi-valued attribute: a value that was not
 * there before wins (a new or replaced element); else the old stored value if still present
 * (nothing changed); else the primary that is left (null: none left).
 */
function patchedSingle(before: readonly MultiValue[] | undefined, after: readonly MultiValue[] | undefined): { changed: false } | { changed: true; value: string | null } {
  const old = new Set((before ?? []).map((v) => v.value?.toLowerCase()));
  const added = (after ?? []).filter((v) => v.value !== undefined && !old.has(v.value.toLowerCase()));
  if (added.length > 0) return { changed: true, value: added.at(-1)!.value! };
  const stored = primaryOf(before)?.value;
  if (stored !== undefined && (after ?? []).some((v) => sameCi(v.value, stored))) return { changed: false };
  const left = primaryOf(after)?.value ?? null;
  return left === (stored ?? null) ? { changed: false } : { changed: true, value: left };
}

/** The REST field → the SCIM attribute, for error messages. */
const SCIM_NAME: Record<string, string> = {
  email: 'userName',
  external_id: 'externalId',
  phone: 'phoneNumbers',
  password: 'password',
  'profile.fullname': 'name',
  'profile.nickname': 'nickName',
  'profile.language': 'preferredLanguage',
  'profile.timezone': 'timezone',
};

export function scimAttributeName(restField: string): string {
  return SCIM_NAME[restField] ?? restField;
}

function invalidValues(error: ZodError): never {
  const details = error.issues.map((i) => {
    const field = i.path.filter((p) => typeof p === 'string').join('.');
    return `${scimAttributeName(field)}: ${i.message}`;
  });
  throw scimError('invalidValue', [...new Set(details)].join('; '));
}

/** A POST /Users document as the Users API's create body (validated by its schema). */
export function toUserCreate(doc: ScimDoc): UserCreate {
  const email = emailOf(doc);
  const profile: Record<string, string> = {};
  const fullname = fullnameOf(doc);
  if (fullname !== undefined) profile['fullname'] = fullname;
  if (doc.nickName !== undefined) profile['nickname'] = doc.nickName;
  if (doc.preferredLanguage !== undefined) profile['language'] = doc.preferredLanguage;
  if (doc.timezone !== undefined) profile['timezone'] = doc.timezone;
  const phone = primaryOf(doc.phoneNumbers)?.value;
  const raw = {
    email,
    ...(doc.password !== undefined ? { password: doc.password } : {}),
    // Provisioning creates accounts in bulk, often for users who sign in through a connector:
    // no invitation mail unless asked for through the Users API's reset-mail action.
    send_invitation: false,
    ...(doc.externalId !== undefined ? { external_id: doc.externalId } : {}),
    ...(phone !== undefined ? { phone } : {}),
    ...(doc.active === false ? { blocked: true } : {}),
    ...(Object.keys(profile).length > 0 ? { profile } : {}),
  };
  const parsed = UserCreateSchema.safeParse(raw);
  if (!parsed.success) invalidValues(parsed.error);
  return parsed.data;
}

/** userName, which the primary email (when given) must repeat. */
function emailOf(doc: ScimDoc): string {
  if (doc.userName === undefined) throw scimError('invalidValue', 'userName is required (the email address).');
  const primary = primaryOf(doc.emails)?.value;
  if (primary !== undefined && !sameCi(primary, doc.userName)) {
    throw scimError('invalidValue', 'userName and the primary email must be the same address: idbridge keeps one email address, the userName.');
  }
  return doc.userName;
}

/** A write of a stored user: the merge patch for the Users API, and the new `active` if it changes. */
export interface ScimChanges {
  patch: UserPatch;
  active?: boolean;
}

/**
 * PUT (RFC 7644 §3.5.1): the document replaces every stored attribute; an omitted one is
 * cleared, except `active` (omitted: unchanged). The password cannot be changed.
 */
export function putChanges(doc: ScimDoc, current: ScimDoc): ScimChanges {
  if (doc.password !== undefined) throw scimError('mutability', 'The password cannot be changed over SCIM (changePassword is not supported).');
  const raw: Record<string, unknown> = {
    email: emailOf(doc),
    external_id: doc.externalId ?? null,
    phone: primaryOf(doc.phoneNumbers)?.value ?? null,
    profile: { fullname: fullnameOf(doc) ?? null, nickname: doc.nickName ?? null, language: doc.preferredLanguage ?? null, timezone: doc.timezone ?? null },
  };
  return finish(raw, doc.active !== undefined && doc.active !== current.active ? doc.active : undefined);
}

/** PATCH: what changed between the stored user's document and the patched one. */
export function patchChanges(before: ScimDoc, after: ScimDoc): ScimChanges {
  if (after.password !== undefined) throw scimError('mutability', 'The password cannot be changed over SCIM (changePassword is not supported).');
  const raw: Record<string, unknown> = {};
  const userNameChanged = !sameCi(before.userName, after.userName);
  const emails = patchedSingle(before.emails, after.emails);
  if (userNameChanged && after.userName === undefined) throw scimError('invalidValue', 'userName is required and cannot be removed.');
  if (userNameChanged && emails.changed && !sameCi(after.userName, emails.value ?? undefined)) {
    throw scimError('invalidValue', 'userName and the primary email must be the same address: idbridge keeps one email address, the userName.');
  }
  if (userNameChanged) raw['email'] = after.userName;
  else if (emails.changed && emails.value !== null) raw['email'] = emails.value;
  if (before.externalId !== after.externalId) raw['external_id'] = after.externalId ?? null;
  const phones = patchedSingle(before.phoneNumbers, after.phoneNumbers);
  if (phones.changed) raw['phone'] = phones.value;
  const profile: Record<string, string | null> = {};
  if (before.name?.formatted !== after.name?.formatted) profile['fullname'] = after.name?.formatted ?? joinName(after.name) ?? null;
  else if (before.name?.givenName !== after.name?.givenName || before.name?.familyName !== after.name?.familyName) profile['fullname'] = joinName(after.name) ?? null;
  else if (before.displayName !== after.displayName) profile['fullname'] = after.displayName ?? null;
  if (before.nickName !== after.nickName) profile['nickname'] = after.nickName ?? null;
  if (before.preferredLanguage !== after.preferredLanguage) profile['language'] = after.preferredLanguage ?? null;
  if (before.timezone !== after.timezone) profile['timezone'] = after.timezone ?? null;
  if (Object.keys(profile).length > 0) raw['profile'] = profile;
  return finish(raw, after.active !== undefined && after.active !== before.active ? after.active : undefined);
}

function finish(raw: Record<string, unknown>, active: boolean | undefined): ScimChanges {
  const parsed = UserPatchSchema.safeParse(raw);
  if (!parsed.success) invalidValues(parsed.error);
  return { patch: parsed.data, ...(active !== undefined ? { active } : {}) };
}

/** Resolve a top-level attribute name (maybe URN-qualified) for a PATCH path or a path-less value key. */
export function resolveAttribute(name: string): { kind: 'stored'; def: AttributeDefinition } | { kind: 'ignored' | 'readOnly' | 'unknown' } {
  const bare = stripCoreUrn(name);
  if (isSchemaUrn(bare)) return { kind: 'ignored' };
  const kind = classifyAttribute(bare);
  return kind === 'stored' ? { kind, def: findAttribute(bare)! } : { kind };
}

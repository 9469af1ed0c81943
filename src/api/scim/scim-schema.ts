/**
 * What idbridge's SCIM 2.0 service understands of the User resource (RFC 7643 §4.1): the
 * attributes it stores (the /Schemas document is generated from this list, so the document and
 * the behaviour cannot drift apart), the standard ones it accepts and ignores (so provisioning
 * clients that send their default mappings — Entra ID's title, addresses, the enterprise
 * extension; Okta's locale — keep working), and the read-only ones.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** An attribute definition in the shape of RFC 7643 §7 (the /Schemas document). */
export interface AttributeDefinition {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'dateTime' | 'reference';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  subAttributes?: AttributeDefinition[];
  referenceTypes?: string[];
}

const attr = (name: string, type: AttributeDefinition['type'], description: string, more: Partial<AttributeDefinition> = {}): AttributeDefinition => ({
  name,
  type,
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...more,
});

/** value/type/primary of a multi-valued attribute that idbridge keeps one value of. */
const oneOfMany = (what: string, caseExactValue: boolean) => [
  attr('value', 'string', `The ${what}. idbridge keeps one; see the primary value.`, { caseExact: caseExactValue }),
  attr('type', 'string', 'A label; any is accepted, "work" is returned.', { canonicalValues: ['work', 'home', 'other', 'mobile'] }),
  attr('primary', 'boolean', 'The value idbridge stores.'),
];

/** The User attributes idbridge stores, with what each maps to (in the description). */
export const USER_ATTRIBUTES: AttributeDefinition[] = [
  attr('id', 'string', "idbridge's id of the user.", { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  attr('externalId', 'string', "The provisioning client's id of the user (external_id).", { caseExact: true }),
  attr('userName', 'string', 'The email address of the user (email): the name it signs in with. Unique.', { required: true, uniqueness: 'server' }),
  attr('name', 'complex', 'The full name (profile fullname).', {
    subAttributes: [
      attr('formatted', 'string', 'The full name.'),
      attr('givenName', 'string', 'Joined with familyName into the full name when formatted is not given; not returned.', { mutability: 'writeOnly', returned: 'never' }),
      attr('familyName', 'string', 'Joined with givenName into the full name when formatted is not given; not returned.', { mutability: 'writeOnly', returned: 'never' }),
    ],
  }),
  attr('displayName', 'string', 'The full name as well (used when name is not given).'),
  attr('nickName', 'string', 'Profile nickname.'),
  attr('preferredLanguage', 'string', 'Profile language (BCP 47 tag).'),
  attr('timezone', 'string', 'Profile time zone (IANA name).'),
  attr('active', 'boolean', 'false: the user is blocked (sessions ended, tokens revoked); true: unblocked.'),
  attr('password', 'string', 'An initial password, at creation only (changePassword is not supported).', { mutability: 'writeOnly', returned: 'never', caseExact: true }),
  attr('emails', 'complex', 'The email address, the same as userName.', { multiValued: true, subAttributes: oneOfMany('email address', false) }),
  attr('phoneNumbers', 'complex', 'The phone number (E.164).', { multiValued: true, subAttributes: oneOfMany('phone number', false) }),
];

/** Standard attributes that are accepted and not stored (RFC 7643 §4.1, and every extension's). */
export const IGNORED_USER_ATTRIBUTES = ['profileUrl', 'title', 'userType', 'locale', 'ims', 'photos', 'addresses', 'entitlements', 'roles', 'x509Certificates'];

/** Sub-attributes of `name` that are accepted and not stored. */
export const IGNORED_NAME_ATTRIBUTES = ['middleName', 'honorificPrefix', 'honorificSuffix'];

/** Attributes the client can never write (RFC 7643 §2.2 readOnly). */
export const READ_ONLY_USER_ATTRIBUTES = ['id', 'meta', 'groups'];

const byLowerName = new Map(USER_ATTRIBUTES.map((a) => [a.name.toLowerCase(), a]));

/** The definition of a stored attribute, by a case-insensitive name (RFC 7643 §2.1). */
export function findAttribute(name: string): AttributeDefinition | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** The definition of a sub-attribute of a stored complex attribute, case-insensitive. */
export function findSubAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return parent.subAttributes?.find((s) => s.name.toLowerCase() === lower);
}

/** What a (top-level, case-insensitive) attribute name is to idbridge. */
export function classifyAttribute(name: string): 'stored' | 'ignored' | 'readOnly' | 'unknown' {
  const lower = name.toLowerCase();
  if (byLowerName.has(lower) && lower !== 'id') return 'stored';
  if (READ_ONLY_USER_ATTRIBUTES.some((a) => a.toLowerCase() === lower)) return 'readOnly';
  if (IGNORED_USER_ATTRIBUTES.some((a) => a.toLowerCase() === lower)) return 'ignored';
  return 'unknown';
}

/** True for a schema URN (`urn:…`): an extension's attributes, which idbridge ignores. */
export function isSchemaUrn(name: string): boolean {
  return /^urn:/i.test(name);
}

/**
 * An attribute name without the core User schema's URN prefix (RFC 7644 §3.10: a fully
 * qualified `urn:ietf:params:scim:schemas:core:2.0:User:userName` is the same as `userName`).
 */
export function stripCoreUrn(name: string): string {
  const prefix = `${USER_SCHEMA}:`;
  return name.length > prefix.length && name.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase() ? name.slice(prefix.length) : name;
}

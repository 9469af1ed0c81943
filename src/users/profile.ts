/**
 * The profile fields a user can share: the SREG 1.1 fields (defined by the protocol, in
 * `protocol/openid2/attributes.ts`), which the bridge names `sreg_<field>` on the wire (Janrain
 * steps 2 and 4), and the extended fields below.
 */
import { SREG_FIELDS, isSregField, type SregField } from '../protocol/openid2/attributes.js';

export { SREG_FIELDS, isSregField, type SregField };

export type SregProfile = Partial<Record<SregField, string>>;

/** Human-readable labels, for login and consent pages. */
export const SREG_LABELS: Record<SregField, string> = {
  nickname: 'Nickname',
  email: 'Email address',
  fullname: 'Full name',
  dob: 'Date of birth',
  gender: 'Gender',
  postcode: 'Postal code',
  country: 'Country',
  language: 'Language',
  timezone: 'Time zone',
};

/**
 * Attributes beyond SREG that OpenID Connect needs, carried in steps 2 and 4 as `x_<name>` (an
 * idbridge extension of the Janrain protocol): email_verified (`true`/`false`), phone (E.164),
 * customer_id (the tenant's id for the user), updated_at (Unix seconds).
 */
export const EXTENDED_FIELDS = ['email_verified', 'phone', 'customer_id', 'updated_at'] as const;
export type ExtendedField = (typeof EXTENDED_FIELDS)[number];

/**
 * An operator's custom profile field (config file `profile.fields`), named by its wire name
 * `x_<field>` everywhere: in the bridge's `requested_attributes` and postback, as the OIDC claim
 * name, and as the OpenID 2.0 attribute. Field names never clash with the extended fields (the
 * config refuses them), so `x_phone` is always the extended field and `x_coffee` a custom one.
 */
export type CustomAttributeName = `x_${string}`;

/** Every attribute the bridge can release. */
export type AttributeName = SregField | ExtendedField | CustomAttributeName;
export type Attributes = Partial<Record<AttributeName, string>>;

const EXTENDED_SET: ReadonlySet<string> = new Set(EXTENDED_FIELDS);
/** A custom field name (config/profile-section.ts checks the same rule). */
const CUSTOM_FIELD = /^[a-z][a-z0-9_]{0,39}$/;

/** `coffee` → `x_coffee`. */
export function customAttributeName(field: string): CustomAttributeName {
  return `x_${field}`;
}

/** Whether an attribute name is a custom field's (`x_coffee`), and not a standard or extended one. */
export function isCustomAttributeName(name: string): name is CustomAttributeName {
  return name.startsWith('x_') && CUSTOM_FIELD.test(name.slice(2)) && !EXTENDED_SET.has(name.slice(2));
}

/** Labels of the standard and extended attributes (custom fields carry their own, from the config). */
export const ATTRIBUTE_LABELS: Record<SregField | ExtendedField, string> = {
  ...SREG_LABELS,
  email_verified: 'Whether your email address is verified',
  phone: 'Phone number',
  customer_id: 'Customer number',
  updated_at: 'When your profile was last updated',
};

/** The label of an attribute; a custom field's from `customLabels` (by attribute name), else its name. */
export function attributeLabel(name: AttributeName, customLabels?: ReadonlyMap<string, string>): string {
  if (isCustomAttributeName(name)) return customLabels?.get(name) ?? name.slice(2);
  return ATTRIBUTE_LABELS[name as SregField | ExtendedField] ?? name;
}

/** `email` → `sreg_email`, `phone` → `x_phone`, the custom `x_coffee` stays `x_coffee`. */
export function attributeWireName(name: AttributeName): string {
  if (isCustomAttributeName(name)) return name;
  return isSregField(name) ? `sreg_${name}` : `x_${name}`;
}

/** The attribute a wire name stands for, or undefined. */
export function parseAttributeWireName(wire: string): AttributeName | undefined {
  if (wire.startsWith('sreg_')) {
    const name = wire.slice(5);
    return isSregField(name) ? name : undefined;
  }
  if (wire.startsWith('x_')) {
    const name = wire.slice(2);
    if (EXTENDED_SET.has(name)) return name as ExtendedField;
    return isCustomAttributeName(wire) ? wire : undefined;
  }
  return undefined;
}

export function isAttributeName(name: string): name is AttributeName {
  return isSregField(name) || EXTENDED_SET.has(name) || isCustomAttributeName(name);
}

/**
 * Which custom fields idbridge releases, and how they are labelled: the part of the profile model
 * (identity/profile-model.ts) the identity service and the bridge need, as attribute names.
 */
export interface CustomRelease {
  /** OIDC scope → the custom attributes (= claim names, `x_<field>`) it releases. */
  readonly scopes: ReadonlyMap<string, readonly CustomAttributeName[]>;
  /** Custom attributes OpenID 2.0 relying parties may request (AX) and receive. */
  readonly openid2: readonly CustomAttributeName[];
  /** AX type URI → the custom attribute it requests (one per `openid2` field). */
  readonly openid2AxTypes: ReadonlyMap<string, CustomAttributeName>;
  /** Attribute name → label (English), for the consent and connected-apps pages. */
  readonly labels: ReadonlyMap<string, string>;
}

/** No custom field is released (no profile section, or none mapped). */
export const NO_CUSTOM_RELEASE: CustomRelease = { scopes: new Map(), openid2: [], openid2AxTypes: new Map(), labels: new Map() };

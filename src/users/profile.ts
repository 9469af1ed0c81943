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

/** Every attribute the bridge can release. */
export type AttributeName = SregField | ExtendedField;
export type Attributes = Partial<Record<AttributeName, string>>;

const EXTENDED_SET: ReadonlySet<string> = new Set(EXTENDED_FIELDS);

export const ATTRIBUTE_LABELS: Record<AttributeName, string> = {
  ...SREG_LABELS,
  email_verified: 'Whether your email address is verified',
  phone: 'Phone number',
  customer_id: 'Customer number',
  updated_at: 'When your profile was last updated',
};

/** `email` → `sreg_email`, `phone` → `x_phone`. */
export function attributeWireName(name: AttributeName): string {
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
    return EXTENDED_SET.has(name) ? (name as ExtendedField) : undefined;
  }
  return undefined;
}

export function isAttributeName(name: string): name is AttributeName {
  return isSregField(name) || EXTENDED_SET.has(name);
}

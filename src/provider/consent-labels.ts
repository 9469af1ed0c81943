import { isAttributeName, isCustomAttributeName, type AttributeName, type CustomRelease, type ExtendedField, type SregField } from '../users/profile.js';

/** The OIDC scopes with a label of their own (catalogue keys `consent.scope.<scope>`). */
export const LABELLED_SCOPES = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'] as const;
export type LabelledScope = (typeof LABELLED_SCOPES)[number];

/**
 * What the consent page and the connected-apps page call an item, for the page to translate
 * (views/consent-label.ts): a standard scope or attribute by its catalogue key, an operator's
 * own label (custom fields, already in the page's language or the operator's only one) or an
 * unknown name as it is, and a custom scope as "your" followed by its fields.
 */
export type ConsentLabel =
  | { scope: LabelledScope }
  | { attribute: SregField | ExtendedField }
  | { text: string }
  | { fields: ConsentLabel[] };

function isLabelledScope(scope: string): scope is LabelledScope {
  return (LABELLED_SCOPES as readonly string[]).includes(scope);
}

/** The label of an attribute; a custom field's from `customLabels` (by attribute name), else its name. */
export function attributeConsentLabel(name: AttributeName, customLabels?: ReadonlyMap<string, string>): ConsentLabel {
  if (isCustomAttributeName(name)) return { text: customLabels?.get(name) ?? name.slice(2) };
  return { attribute: name as SregField | ExtendedField };
}

/** The label of an OIDC scope: a standard one's, a custom scope's fields, else its name. */
export function scopeConsentLabel(scope: string, release?: CustomRelease): ConsentLabel {
  if (isLabelledScope(scope)) return { scope };
  const custom = release?.scopes.get(scope);
  return custom ? { fields: custom.map((a) => attributeConsentLabel(a, release!.labels)) } : { text: scope };
}

/**
 * The label of one remembered grant: an OIDC scope (`protocol` oidc) or an attribute name
 * (OpenID 2.0 SREG / AX), labelled exactly as on the consent page that granted it.
 */
export function grantLabel(grant: string, protocol: 'oidc' | 'openid2', release?: CustomRelease): ConsentLabel {
  if (protocol === 'oidc') return scopeConsentLabel(grant, release);
  return isAttributeName(grant) ? attributeConsentLabel(grant, release?.labels) : { text: grant };
}

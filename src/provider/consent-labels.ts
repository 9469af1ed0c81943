import { ATTRIBUTE_LABELS, isAttributeName } from '../users/profile.js';

/** What each OIDC scope shares, as the consent page and the connected-apps page name it. */
export const SCOPE_LABELS: Record<string, string> = {
  openid: 'Your account identifier',
  profile: 'Your profile (name, nickname, birth date, gender, language, time zone)',
  email: 'Your email address',
  phone: 'Your phone number',
  address: 'Your postal code and country',
  offline_access: 'Access while you are not signed in',
};

/**
 * The label of one remembered grant: an OIDC scope (`protocol` oidc) or an attribute name
 * (OpenID 2.0 SREG / AX), labelled exactly as on the consent page that granted it.
 */
export function grantLabel(grant: string, protocol: 'oidc' | 'openid2'): string {
  if (protocol === 'oidc') return SCOPE_LABELS[grant] ?? grant;
  return isAttributeName(grant) ? ATTRIBUTE_LABELS[grant] : grant;
}

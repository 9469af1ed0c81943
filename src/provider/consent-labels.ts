import { attributeLabel, isAttributeName, type CustomRelease } from '../users/profile.js';

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
export function grantLabel(grant: string, protocol: 'oidc' | 'openid2', release?: CustomRelease): string {
  if (protocol === 'oidc') {
    const custom = release?.scopes.get(grant);
    return SCOPE_LABELS[grant] ?? (custom ? `Your ${custom.map((a) => attributeLabel(a, release!.labels)).join(', ')}` : grant);
  }
  return isAttributeName(grant) ? attributeLabel(grant, release?.labels) : grant;
}

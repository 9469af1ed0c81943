/**
 * Connector presets: configuration data for well-known upstream providers, merged under the
 * operator's own keys (`kind: google` + `clientId` + `clientSecret` is a complete connector). Only
 * data lives here; the generic OpenID Connect / OAuth 2.0 code does the work.
 *
 * Each preset is what the provider documents today; an operator may override any key (an Entra ID
 * tenant's issuer, a Graph API version).
 */

/** The keys a preset may fill in (the connector schema in config/connectors.ts validates them). */
export type ConnectorPreset = Record<string, unknown> & { kind: 'oidc' | 'oauth2' };

/** Standard OpenID Connect claims → local attributes. */
const OIDC_CLAIMS = {
  email: 'email',
  email_verified: 'email_verified',
  fullname: 'name',
  nickname: 'nickname',
  language: 'locale',
};

export const CONNECTOR_PRESETS: Record<string, ConnectorPreset> = {
  google: {
    kind: 'oidc',
    label: 'Google',
    icon: 'google',
    issuer: 'https://accounts.google.com',
    scopes: ['openid', 'email', 'profile'],
    claims: OIDC_CLAIMS,
    policy: 'link-by-email',
  },
  microsoft: {
    kind: 'oidc',
    label: 'Microsoft',
    icon: 'microsoft',
    // Personal Microsoft accounts (the "consumers" tenant, whose id this is). A work or school
    // tenant: set issuer to https://login.microsoftonline.com/<tenant id>/v2.0.
    issuer: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0',
    scopes: ['openid', 'email', 'profile'],
    // Entra ID's email claim is not verified by Microsoft (no email_verified): never linked by it.
    claims: { email: 'email', fullname: 'name', nickname: 'preferred_username' },
    policy: 'create',
  },
  apple: {
    kind: 'oidc',
    label: 'Apple',
    icon: 'apple',
    issuer: 'https://appleid.apple.com',
    scopes: ['openid', 'email', 'name'],
    // Apple answers with a form POST when name or email is asked for.
    responseMode: 'form_post',
    // Apple's client secret is a JWT the operator signs with the key from Apple (valid ≤ 6 months).
    clientAuth: 'client_secret_post',
    claims: { email: 'email', email_verified: 'email_verified' },
    policy: 'link-by-email',
  },
  facebook: {
    kind: 'oauth2',
    label: 'Facebook',
    icon: 'facebook',
    authorizationUrl: 'https://www.facebook.com/v19.0/dialog/oauth',
    tokenUrl: 'https://graph.facebook.com/v19.0/oauth/access_token',
    profileUrl: 'https://graph.facebook.com/me?fields=id,name,email',
    scopes: ['email', 'public_profile'],
    clientAuth: 'client_secret_post',
    pkce: true,
    subjectClaim: 'id',
    // Facebook does not say whether the email is verified: never linked by it.
    claims: { email: 'email', fullname: 'name' },
    policy: 'create',
  },
  github: {
    kind: 'oauth2',
    label: 'GitHub',
    icon: 'github',
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    profileUrl: 'https://api.github.com/user',
    scopes: ['read:user', 'user:email'],
    clientAuth: 'client_secret_post',
    pkce: true,
    subjectClaim: 'id',
    claims: { email: 'email', fullname: 'name', nickname: 'login' },
    policy: 'create',
  },
  /**
   * A national eID in the SisuID shape (../shared/seeds/004): OpenID Connect with `acr_values` for
   * mobile authentication, scopes for the basic profile and the linked government-issued ids, and
   * the national id (SSN) in the ID token, mapped to an existing user — no account is created.
   * The issuer is the operator's (test or production environment).
   */
  sisuid: {
    kind: 'oidc',
    label: 'SisuID',
    icon: 'eid',
    scopes: ['openid', 'profile', 'government_ids'],
    acrValues: ['mobileauth'],
    claims: { fullname: 'name' },
    policy: 'map-existing',
    match: { claim: 'ssn', attribute: 'national_id', hashed: true },
    requiredClaims: ['ssn'],
  },
};

/** Names a connector's `kind` may take besides `oidc` and `oauth2`. */
export const CONNECTOR_PRESET_NAMES = Object.keys(CONNECTOR_PRESETS);

/**
 * The connector with its preset filled in under the operator's keys (before validation); the
 * preset's name is kept as `preset`. Anything that is not a preset kind is returned unchanged.
 */
export function applyConnectorPreset(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const connector = raw as Record<string, unknown>;
  const name = connector['kind'];
  if (typeof name !== 'string' || !Object.hasOwn(CONNECTOR_PRESETS, name)) return raw;
  const preset = CONNECTOR_PRESETS[name]!;
  return Object.assign(Object.create(null), preset, connector, { kind: preset.kind, preset: name });
}

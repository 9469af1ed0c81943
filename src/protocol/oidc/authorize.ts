/**
 * Authorization requests (OpenID Connect Core 1.0 §3.1.2.1, RFC 6749 §4.1.1), code flow only.
 *
 * The checks run in a fixed order, one concern per step. The order matters for security: until the
 * client and its redirection URI are known to be good, errors are shown to the user and never
 * redirected (RFC 6749 §4.1.2.1), because redirecting to an unchecked URI would make us an open
 * redirector. After that every error is an {@link AuthorizationError} the caller delivers to the
 * client.
 */
import { IdbridgeError, invalidRequest, type ErrorCode } from '../../errors.js';
import { parseRealm, parseReturnTo, returnToMatchesRealm } from '../openid2/realm.js';
import {
  AuthorizationError,
  type AuthorizationRedirect,
  type ExtraAuthorizationErrorCode,
  type ResponseMode,
} from './authorization-error.js';
import type { OidcClient } from './client.js';
import { isPkceValue } from './pkce.js';

/** `prompt` values we understand (OIDC Core §3.1.2.1; `create`: Initiating User Registration 1.0). */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account', 'create'] as const;
export type Prompt = (typeof PROMPT_VALUES)[number];

/** Default cap on the length of any parameter value we read. */
export const DEFAULT_MAX_PARAM_LENGTH = 2048;
export const MAX_STATE_LENGTH = 2048;
export const MAX_NONCE_LENGTH = 512;
/** The longest possible e-mail address (RFC 5321 local part + domain). */
export const MAX_LOGIN_HINT_LENGTH = 320;
/** An `id_token_hint` is a signed JWT and may be longer than other parameters. */
export const MAX_ID_TOKEN_HINT_LENGTH = 8192;

/** A validated authorization request. Plain data, so it can be stored as JSON between pages. */
export interface AuthorizationRequest {
  client: OidcClient;
  /** Exactly one of `client.redirectUris`. */
  redirectUri: string;
  responseMode: ResponseMode;
  /** Granted-for-asking scopes: requested ∩ supported ∩ allowed for the client; includes `openid`. */
  scopes: string[];
  state?: string;
  nonce?: string;
  /** S256 code challenge, to store with the authorization code. */
  codeChallenge?: string;
  /** Distinct prompt values; `none` never comes with another value. An array, not a Set, for JSON. */
  prompt: Prompt[];
  /** Maximum authentication age in seconds (`max_age`). */
  maxAge?: number;
  loginHint?: string;
  /** `ui_locales` (OIDC Core §3.1.2.1): language tags in preference order, passed on to the bridge's pages. */
  uiLocales?: string;
  /** idbridge extension `idp_hint`: the id of the bridge connector to sign in with, skipping the login page. */
  idpHint?: string;
  acrValues: string[];
  /** The raw `id_token_hint`, unverified; check it with `verifyIdTokenHint` before relying on it. */
  idTokenHint?: string;
  /** OpenID 2.0 realm (Migration 1.0 §2), already checked to contain `redirectUri`. */
  openid2Realm?: string;
}

export interface AuthorizationRequestOptions {
  /** Scopes this provider supports; others are dropped. */
  supportedScopes: string[];
  /**
   * Scopes any client may ask for without listing them in its allowed scopes: the operator's
   * custom-field scopes (config `profile.scopes`); the user's consent still decides.
   */
  openScopes?: readonly string[];
  /** Cap on parameter value length; default {@link DEFAULT_MAX_PARAM_LENGTH}. */
  maxParamLength?: number;
}

/** Every parameter we read. Only these are checked for repetition (RFC 8707 `resource` may repeat). */
const PARAMETERS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'login_hint',
  'idp_hint',
  'id_token_hint',
  'acr_values',
  'ui_locales',
  'claims_locales',
  'display',
  'openid2_realm',
  'request',
  'request_uri',
  'registration',
  'claims',
] as const;
type Parameter = (typeof PARAMETERS)[number];

/** Parameters whose mere presence matters (refused or ignored): their length is irrelevant. */
const PRESENCE_ONLY: ReadonlySet<Parameter> = new Set(['request', 'request_uri', 'registration', 'claims']);

function isPrompt(value: string): value is Prompt {
  return (PROMPT_VALUES as readonly string[]).includes(value);
}

/** Space-separated list → distinct non-empty values, in order. */
function spaceList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return [...new Set(value.split(' ').filter((item) => item !== ''))];
}

/** Schemes that run code or read local data when navigated to or posted to. */
const DANGEROUS_SCHEMES: ReadonlySet<string> = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/**
 * Can we deliver a response to this URI? RFC 6749 §3.1.2: a redirection URI is absolute and has no
 * fragment. Registration should have ensured this; we check again (defence in depth) because
 * appending a query after a fragment would hand the code to the page's scripts instead of the
 * server, and a `javascript:` URI as a form_post action would run script on our origin.
 */
function isUsableRedirectUri(value: string): boolean {
  if (value.includes('#')) return false;
  try {
    return !DANGEROUS_SCHEMES.has(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * Validate an authorization request. `params` are the request's parameters (query or form body),
 * each with all the values it was sent with.
 *
 * Not redirectable (`IdbridgeError`; the caller renders an error page):
 * 1. a parameter we read is repeated (RFC 6749 §3.1) or longer than `maxParamLength`
 *    → `invalid_request`;
 * 2. `client_id` missing → `invalid_request`; unknown → `invalid_client` (status 400: there is no
 *    HTTP authentication to challenge here);
 * 3. `redirect_uri` missing or not exactly one of the client's registered URIs → `invalid_request`.
 *
 * Redirectable ({@link AuthorizationError}, with `redirect` filled in):
 * 4. `request` / `request_uri` / `registration` → `invalid_request` with `oauthError`
 *    `request_not_supported` / `request_uri_not_supported` / `registration_not_supported`;
 * 5. `response_type` missing → `invalid_request`; not exactly `code` → `unsupported_response_type`;
 * 6. `response_mode` not `query` or `form_post` → `invalid_request`;
 * 7. `scope` without `openid`, or `openid` not allowed for the client → `invalid_scope`
 *    (unsupported or not-allowed scopes are dropped);
 * 8. PKCE: method other than `S256`, challenge without method (RFC 7636 would default to `plain`),
 *    method without challenge, malformed challenge, or no challenge from a public client
 *    → `invalid_request`;
 * 9. `nonce` > 512, `state` > 2048, bad `prompt`, bad `max_age`, `login_hint` > 320 characters,
 *    `openid2_realm` malformed or not covering `redirect_uri` → `invalid_request`.
 *
 * `offline_access` is dropped unless `prompt` includes `consent` or the client is trusted
 * (OIDC Core §11). `ui_locales` is passed on to the bridge (page language); `claims_locales`, `display` and `claims` are accepted and ignored.
 */
export async function parseAuthorizationRequest(
  params: Record<string, string[]>,
  lookupClient: (id: string) => Promise<OidcClient | null>,
  options: AuthorizationRequestOptions,
): Promise<AuthorizationRequest> {
  const maxLength = options.maxParamLength ?? DEFAULT_MAX_PARAM_LENGTH;
  // Own properties only: `params` is built from attacker input, and `params['__proto__']` or
  // `params['constructor']` must not find something on Object.prototype.
  const values = (name: Parameter): string[] | undefined => (Object.hasOwn(params, name) ? params[name] : undefined);

  // 1. Repeated or oversized parameters. Both are malformed requests before we know where to send
  // an error, and a huge `state` would otherwise be echoed into a Location header.
  for (const name of PARAMETERS) {
    const sent = values(name);
    if (sent === undefined || sent.length === 0) continue;
    if (sent.length > 1) throw invalidRequest(`The ${name} parameter must not be repeated.`);
    const limit = name === 'id_token_hint' ? Math.max(maxLength, MAX_ID_TOKEN_HINT_LENGTH) : maxLength;
    if (!PRESENCE_ONLY.has(name) && sent[0]!.length > limit) throw invalidRequest(`The ${name} parameter is too long.`);
  }
  // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
  const get = (name: Parameter): string | undefined => {
    const value = values(name)?.[0];
    return value === undefined || value === '' ? undefined : value;
  };

  // 2. The client.
  const clientId = get('client_id');
  if (clientId === undefined) throw invalidRequest('The client_id parameter is missing.');
  const client = await lookupClient(clientId);
  // The identity check guards against a lookup that matches loosely (case-insensitive collation).
  if (client === null || client.clientId !== clientId) {
    throw new IdbridgeError('invalid_client', 'The client is not registered.', { status: 400 });
  }

  // 3. The redirection URI: exact string comparison against the registration (RFC 9700 §4.1.3).
  // No normalisation at all: every lenient comparison (case, trailing slash, default port, path
  // prefix, query) has been used to steal codes through an open redirector on the client's site.
  const redirectUri = get('redirect_uri');
  if (redirectUri === undefined) throw invalidRequest('The redirect_uri parameter is missing.');
  if (!client.redirectUris.includes(redirectUri)) throw invalidRequest('The redirect_uri is not registered for this client.');
  if (!isUsableRedirectUri(redirectUri)) throw invalidRequest('The registered redirect_uri is not a valid redirection URI.');

  // From here on errors go back to the client. Use the requested response mode for them if it is
  // one we support, otherwise the default for `code`.
  const requestedMode = get('response_mode');
  const requestedState = get('state');
  const redirect: AuthorizationRedirect = {
    redirectUri,
    responseMode: requestedMode === 'form_post' ? 'form_post' : 'query',
  };
  if (requestedState !== undefined && requestedState.length <= MAX_STATE_LENGTH) redirect.state = requestedState;
  const fail = (code: ErrorCode, description: string, oauthError?: ExtraAuthorizationErrorCode): AuthorizationError =>
    new AuthorizationError(code, description, redirect, oauthError === undefined ? {} : { oauthError });

  // 4. Request objects and dynamic registration are not supported (OIDC Core §6, §3.1.2.6).
  if (get('request') !== undefined) throw fail('invalid_request', 'Request objects are not supported.', 'request_not_supported');
  if (get('request_uri') !== undefined) {
    throw fail('invalid_request', 'request_uri is not supported.', 'request_uri_not_supported');
  }
  if (get('registration') !== undefined) {
    throw fail('invalid_request', 'The registration parameter is not supported.', 'registration_not_supported');
  }

  // 5. Authorization code flow only. Implicit and hybrid flows put tokens in the front channel
  // (RFC 9700 §2.1.2).
  const responseType = get('response_type');
  if (responseType === undefined) throw fail('invalid_request', 'The response_type parameter is missing.');
  if (responseType !== 'code') throw fail('unsupported_response_type', 'Only response_type=code is supported.');

  // 6. Response mode.
  if (requestedMode !== undefined && requestedMode !== 'query' && requestedMode !== 'form_post') {
    throw fail('invalid_request', 'Unsupported response_mode; use query or form_post.');
  }
  const responseMode: ResponseMode = redirect.responseMode;

  // 7. Scopes.
  const requestedScopes = spaceList(get('scope'));
  if (!requestedScopes.includes('openid')) throw fail('invalid_scope', 'The scope must include openid.');
  const supported = new Set([...options.supportedScopes, ...(options.openScopes ?? [])]);
  const allowed = new Set([...client.scopes, ...(options.openScopes ?? [])]);
  let scopes = requestedScopes.filter((scope) => supported.has(scope) && allowed.has(scope));
  if (!scopes.includes('openid')) throw fail('invalid_scope', 'This client may not use OpenID Connect.');

  // 8. PKCE (RFC 7636, S256 only). A public client cannot authenticate at the token endpoint, so
  // PKCE is all that binds the code to it (RFC 9700 §2.1.1). For confidential clients it is
  // optional but, when sent, enforced at the token endpoint.
  const codeChallenge = get('code_challenge');
  const codeChallengeMethod = get('code_challenge_method');
  if (codeChallengeMethod !== undefined && codeChallengeMethod !== 'S256') {
    throw fail(
      'invalid_request',
      codeChallengeMethod === 'plain' ? 'The plain PKCE method is not allowed; use S256.' : 'Unsupported code_challenge_method; use S256.',
    );
  }
  if (codeChallenge === undefined) {
    if (codeChallengeMethod !== undefined) throw fail('invalid_request', 'code_challenge_method was sent without code_challenge.');
    if (client.public) throw fail('invalid_request', 'This client must use PKCE: send code_challenge with method S256.');
  } else {
    // Without a method RFC 7636 §4.3 means `plain`; we refuse rather than guess S256, so that a
    // client that meant plain fails here instead of at the token endpoint.
    if (codeChallengeMethod === undefined) throw fail('invalid_request', 'code_challenge_method=S256 is required.');
    if (!isPkceValue(codeChallenge)) throw fail('invalid_request', 'The code_challenge is malformed.');
  }

  // 9. The remaining parameters. Descriptions never echo the offending value: they are shown to
  // users and sent to the client, and must not become a channel for attacker-chosen text.
  const nonce = get('nonce');
  if (nonce !== undefined && nonce.length > MAX_NONCE_LENGTH) throw fail('invalid_request', 'The nonce is too long.');

  if (requestedState !== undefined && requestedState.length > MAX_STATE_LENGTH) throw fail('invalid_request', 'The state is too long.');

  const prompt: Prompt[] = [];
  for (const value of spaceList(get('prompt'))) {
    if (!isPrompt(value)) throw fail('invalid_request', 'Unsupported prompt value.');
    prompt.push(value);
  }
  if (prompt.includes('none') && prompt.length > 1) {
    throw fail('invalid_request', 'prompt=none cannot be combined with other prompt values.');
  }

  const maxAgeText = get('max_age');
  let maxAge: number | undefined;
  if (maxAgeText !== undefined) {
    if (!/^[0-9]{1,10}$/.test(maxAgeText)) throw fail('invalid_request', 'max_age must be a non-negative integer.');
    maxAge = Number(maxAgeText);
  }

  const loginHint = get('login_hint');
  if (loginHint !== undefined && loginHint.length > MAX_LOGIN_HINT_LENGTH) throw fail('invalid_request', 'The login_hint is too long.');

  // ui_locales only steers the language of pages: malformed tags are dropped, never an error.
  const uiLocales = (get('ui_locales') ?? '')
    .slice(0, 256)
    .split(/\s+/)
    .filter((tag) => /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag))
    .slice(0, 10)
    .join(' ');

  const acrValues = spaceList(get('acr_values'));
  const idTokenHint = get('id_token_hint');

  // OpenID 2.0 → Connect migration (Migration 1.0 §2-3): the realm is what the user trusted under
  // OpenID 2.0, and we will assert the user's OpenID 2.0 identifier to this client. That is only
  // safe if the client owns the realm, which we infer from its registered redirect_uri lying
  // within it under the OpenID 2.0 §9.2 rules.
  const realmText = get('openid2_realm');
  let openid2Realm: string | undefined;
  if (realmText !== undefined) {
    let realm;
    try {
      realm = parseRealm(realmText);
    } catch (error) {
      if (error instanceof IdbridgeError) throw fail('invalid_request', 'The openid2_realm is not a valid OpenID 2.0 realm.');
      throw error;
    }
    let covered = false;
    try {
      covered = returnToMatchesRealm(realm, parseReturnTo(redirectUri));
    } catch (error) {
      if (!(error instanceof IdbridgeError)) throw error;
    }
    if (!covered) throw fail('invalid_request', 'The redirect_uri does not lie within the openid2_realm.');
    openid2Realm = realmText;
  }

  // OIDC Core §11: without prompt=consent, offline_access must be ignored unless other conditions
  // permit it; a trusted first-party client is such a condition.
  if (scopes.includes('offline_access') && !prompt.includes('consent') && !client.trusted) {
    scopes = scopes.filter((scope) => scope !== 'offline_access');
  }

  // Optional members are only set when present, so the object round-trips through JSON unchanged.
  const request: AuthorizationRequest = { client, redirectUri, responseMode, scopes, prompt, acrValues };
  if (redirect.state !== undefined) request.state = redirect.state;
  if (nonce !== undefined) request.nonce = nonce;
  if (codeChallenge !== undefined) request.codeChallenge = codeChallenge;
  if (maxAge !== undefined) request.maxAge = maxAge;
  if (loginHint !== undefined) request.loginHint = loginHint;
  if (uiLocales) request.uiLocales = uiLocales;
  // A hint only: a value that cannot be a connector id is ignored (the login page is shown).
  const idpHint = get('idp_hint');
  if (idpHint !== undefined && /^[a-z][a-z0-9_-]{0,31}$/.test(idpHint)) request.idpHint = idpHint;
  if (idTokenHint !== undefined) request.idTokenHint = idTokenHint;
  if (openid2Realm !== undefined) request.openid2Realm = openid2Realm;
  return request;
}

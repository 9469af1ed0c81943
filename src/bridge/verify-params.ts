import { invalidRequest } from '../errors.js';
import { parseAttributeWireName, type AttributeName } from '../users/profile.js';

/** The parameters of Janrain step 2 (GET to the Verify URL). */
export interface VerifyParams {
  requestId: string;
  realm: string | null;
  requestedAttributes: AttributeName[];
  /**
   * Our extension of step 2: `immediate=true` means the relying party allows no interaction
   * (OpenID 2.0 checkid_immediate, OIDC prompt=none). Without a bridge session the bridge then
   * returns to the identity service at once, without a postback, instead of showing the form.
   */
  immediate: boolean;
  /** idbridge extension: re-authenticate when the session's password check is older (seconds; 0 = always). */
  maxAge: number | undefined;
  /** idbridge extension: pre-fill the login form's identifier. */
  loginHint: string | undefined;
  /**
   * idbridge extension: the relying party's display name (an OIDC client's registered name), so
   * the login page names the same party as the consent page. Display only: never trusted for any
   * decision, bounded and free of control characters.
   */
  clientName: string | undefined;
  /**
   * idbridge extension: the relying party's `ui_locales` (space-separated language tags), which
   * the bridge's pages prefer over Accept-Language. Optional: a stock identity service omits it.
   */
  uiLocales: string | undefined;
  /** idbridge extension `screen=signup`: open the sign-up side of the login page (OIDC prompt=create). */
  screen: 'signin' | 'signup' | undefined;
  /** idbridge extension: the connector the relying party picked (`idp_hint`), if any. */
  idpHint: string | undefined;
  /** idbridge extension: the relying party's `acr_values` (a connector may satisfy them). */
  acrValues: string[] | undefined;
}

export const MAX_REQUEST_ID_LENGTH = 128;
export const MAX_REALM_LENGTH = 2048;
export const MAX_CLIENT_NAME_LENGTH = 100;
const REQUEST_ID = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Parse the Verify URL query. `query` maps each name to all its values, so that a repeated
 * parameter (an ambiguity an attacker could exploit) is refused rather than silently picked.
 * Throws `invalid_request` with a message fit for the error page.
 */
export function parseVerifyParams(query: Record<string, string[]>): VerifyParams {
  const requestId = single(query, 'request_id');
  if (requestId === undefined) throw invalidRequest('The sign-in request is missing its request_id.');
  if (!REQUEST_ID.test(requestId)) throw invalidRequest('The request_id is malformed.');

  const realmRaw = single(query, 'realm');
  let realm: string | null = null;
  if (realmRaw !== undefined && realmRaw !== '') {
    if (realmRaw.length > MAX_REALM_LENGTH) throw invalidRequest('The realm is too long.');
    realm = parseRealm(realmRaw);
  }

  const attrsRaw = single(query, 'requested_attributes') ?? '';
  if (attrsRaw.length > 512) throw invalidRequest('The requested_attributes list is too long.');
  const immediateRaw = single(query, 'immediate') ?? 'false';
  if (immediateRaw !== 'true' && immediateRaw !== 'false') throw invalidRequest('immediate must be true or false.');
  const maxAgeRaw = single(query, 'max_age');
  if (maxAgeRaw !== undefined && !/^\d{1,9}$/.test(maxAgeRaw)) throw invalidRequest('max_age must be a whole number of seconds.');
  const loginHint = single(query, 'login_hint');
  if (loginHint !== undefined && loginHint.length > 320) throw invalidRequest('The login_hint is too long.');
  const clientName = single(query, 'client_name')?.trim();
  if (clientName !== undefined && clientName.length > MAX_CLIENT_NAME_LENGTH) throw invalidRequest('The client_name is too long.');
  // eslint-disable-next-line no-control-regex
  if (clientName !== undefined && /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(clientName)) {
    // Control and bidi-override characters could make the name display as something else.
    throw invalidRequest('The client_name contains characters that cannot be shown.');
  }
  const uiLocales = single(query, 'ui_locales')?.trim();
  if (uiLocales !== undefined && uiLocales.length > 256) throw invalidRequest('The ui_locales list is too long.');
  if (uiLocales !== undefined && uiLocales !== '' && !/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*( +[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)*$/.test(uiLocales)) {
    throw invalidRequest('ui_locales must be language tags separated by spaces.');
  }
  const screen = single(query, 'screen');
  if (screen !== undefined && screen !== 'signin' && screen !== 'signup') throw invalidRequest('screen must be signin or signup.');
  const idpHint = single(query, 'idp_hint');
  if (idpHint !== undefined && !/^[a-z][a-z0-9_-]{0,31}$/.test(idpHint)) throw invalidRequest('The idp_hint is malformed.');
  const acrRaw = single(query, 'acr_values');
  if (acrRaw !== undefined && (acrRaw.length > 512 || !/^[\x20-\x7e]*$/.test(acrRaw))) throw invalidRequest('The acr_values are malformed.');
  return {
    screen,
    requestId,
    realm,
    idpHint,
    acrValues: acrRaw === undefined ? undefined : acrRaw.split(' ').filter(Boolean),
    requestedAttributes: parseRequestedAttributes(attrsRaw),
    immediate: immediateRaw === 'true',
    maxAge: maxAgeRaw === undefined ? undefined : Number(maxAgeRaw),
    loginHint: loginHint || undefined,
    clientName: clientName || undefined,
    uiLocales: uiLocales || undefined,
  };
}

/** `sreg_email,x_phone` → `['email','phone']` (deduplicated, order kept as sent). */
export function parseRequestedAttributes(raw: string): AttributeName[] {
  const out: AttributeName[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const name = parseAttributeWireName(item);
    if (!name) throw invalidRequest(`Unknown requested attribute "${item.slice(0, 40)}".`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** A realm is an http(s) URL, optionally with a `*.` wildcard as its leftmost host label, no fragment. */
export function parseRealm(raw: string): string {
  if (raw.includes('#')) throw invalidRequest('The realm must not contain a fragment.');
  const probe = raw.replace(/^(https?:\/\/)\*\./, '$1wildcard.');
  let url: URL;
  try {
    url = new URL(probe);
  } catch {
    throw invalidRequest('The realm is not a valid URL.');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash || url.username || url.password) {
    throw invalidRequest('The realm must be an http(s) URL without fragment or credentials.');
  }
  if (url.hostname.includes('*')) throw invalidRequest('A realm wildcard may only be the leftmost "*." label.');
  return raw;
}

function single(query: Record<string, string[]>, name: string): string | undefined {
  const values = query[name];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw invalidRequest(`The parameter ${name} was given more than once.`);
  return values[0];
}

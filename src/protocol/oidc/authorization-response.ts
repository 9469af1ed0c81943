/**
 * Authorization responses (RFC 6749 §4.1.2, §4.1.2.1; OAuth 2.0 Form Post Response Mode; RFC 9207).
 */
import type { IdbridgeError } from '../../errors.js';
import { isAuthorizationError, type AuthorizationRedirect } from './authorization-error.js';

/** What the authorization endpoint answers with. */
export type AuthorizationResult = { code: string } | { error: string; error_description?: string };

/** How to deliver the response: a 303 redirect, or an auto-submitting HTML form (form_post). */
export type AuthorizationResponse =
  | { kind: 'redirect'; location: string }
  | { kind: 'form_post'; action: string; fields: Array<[string, string]> };

/**
 * `error` and `error_description` may only contain %x20-21 / %x23-5B / %x5D-7E (RFC 6749
 * §4.1.2.1): no quotes, backslashes, control or non-ASCII characters. We map anything else to `?`
 * rather than fail, so that an error can always be delivered.
 */
function errorText(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
}

/** The `{ error, error_description }` result for an error, using the specific OIDC code if any. */
export function authorizationErrorResult(error: IdbridgeError): { error: string; error_description: string } {
  return { error: isAuthorizationError(error) ? error.oauthError : error.code, error_description: error.description };
}

/**
 * The response parameters, in order: `code`, or `error` and `error_description`; then `state` when
 * the request had one; then `iss`. RFC 9207: `iss` in every response (success and error) lets the
 * client detect a mix-up attack, where a response from one provider is passed off as coming from
 * another.
 */
export function authorizationResponseParams(
  request: Pick<AuthorizationRedirect, 'state'>,
  result: AuthorizationResult,
  issuer: string,
): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  if ('code' in result) {
    params.push(['code', result.code]);
  } else {
    params.push(['error', errorText(result.error)]);
    if (result.error_description !== undefined) params.push(['error_description', errorText(result.error_description)]);
  }
  if (request.state !== undefined) params.push(['state', request.state]);
  params.push(['iss', issuer]);
  return params;
}

/**
 * Append parameters to a redirection URI's query (RFC 6749 §3.1.2: "MUST retain the query
 * component"). We concatenate instead of going through `URL.searchParams`, which would re-encode
 * the client's own query and could change what its server reads.
 */
export function appendQuery(uri: string, params: Array<[string, string]>): string {
  const hash = uri.indexOf('#');
  const base = hash === -1 ? uri : uri.slice(0, hash);
  const query = new URLSearchParams(params).toString();
  if (query === '') return base;
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  // A fragment is dropped: redirection URIs have none (checked at request time), and a browser
  // would carry a fragment of ours over to the client's page.
  return `${base}${separator}${query}`;
}

/**
 * The authorization response for a validated request (or an {@link AuthorizationError}'s
 * `redirect`): a redirect with the parameters in the query (`query` mode), or the fields of an
 * auto-submitting POST form to the redirection URI (`form_post` mode).
 */
export function authorizationResponse(
  request: AuthorizationRedirect,
  result: AuthorizationResult,
  issuer: string,
): AuthorizationResponse {
  const params = authorizationResponseParams(request, result, issuer);
  if (request.responseMode === 'form_post') return { kind: 'form_post', action: request.redirectUri, fields: params };
  return { kind: 'redirect', location: appendQuery(request.redirectUri, params) };
}

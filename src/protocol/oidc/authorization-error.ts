/**
 * Errors of the authorization endpoint that may be sent back to the client's redirection URI.
 *
 * RFC 6749 §4.1.2.1 splits authorization errors in two: while the client or the redirection URI is
 * missing or wrong, the error must be shown to the user and must NOT be redirected (otherwise the
 * endpoint is an open redirector); once the redirection URI has been checked against the client's
 * registration, every further error is delivered to it. An {@link AuthorizationError} is the second
 * kind: it carries where and how to deliver it.
 */
import { IdbridgeError, type ErrorCode } from '../../errors.js';

/** How the authorization response is delivered (OAuth 2.0 Multiple Response Types, Form Post). */
export type ResponseMode = 'query' | 'form_post';

/** Where and how to deliver an authorization response. */
export interface AuthorizationRedirect {
  /** A redirection URI already checked to be registered for the client. */
  redirectUri: string;
  /** The client's `state`, echoed back unchanged. */
  state?: string;
  responseMode: ResponseMode;
}

/**
 * Authorization error codes that OIDC Core §3.1.2.6 defines but `ErrorCode` does not (yet) list.
 * They travel as {@link AuthorizationError.oauthError}; `code` then holds the closest generic code.
 */
export type ExtraAuthorizationErrorCode =
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'registration_not_supported';

export interface AuthorizationErrorOptions {
  /** The `error` value on the wire when it differs from `code` (see {@link ExtraAuthorizationErrorCode}). */
  oauthError?: ExtraAuthorizationErrorCode;
  cause?: unknown;
}

/** An authorization error to deliver to the client's (already validated) redirection URI. */
export class AuthorizationError extends IdbridgeError {
  /** Where and how to deliver the error. */
  readonly redirect: AuthorizationRedirect;
  /** The `error` value to send: `code`, or a more specific OIDC code. */
  readonly oauthError: string;

  constructor(code: ErrorCode, description: string, redirect: AuthorizationRedirect, options: AuthorizationErrorOptions = {}) {
    // The status is moot for a redirect; 400 is what a caller that renders it anyway should use
    // (never 401: there is no HTTP authentication challenge at the authorization endpoint).
    super(code, description, { status: 400, redirectable: true, cause: options.cause });
    this.name = 'AuthorizationError';
    this.redirect = { ...redirect };
    this.oauthError = options.oauthError ?? code;
  }
}

export function isAuthorizationError(value: unknown): value is AuthorizationError {
  return value instanceof AuthorizationError;
}

/**
 * An error to redirect back for a validated request, e.g. `login_required` or `consent_required`
 * for `prompt=none` (OIDC Core §3.1.2.6) or `access_denied` when the user declines.
 */
export function authorizationError(
  request: AuthorizationRedirect,
  code: ErrorCode,
  description: string,
  options?: AuthorizationErrorOptions,
): AuthorizationError {
  const redirect: AuthorizationRedirect = { redirectUri: request.redirectUri, responseMode: request.responseMode };
  if (request.state !== undefined) redirect.state = request.state;
  return new AuthorizationError(code, description, redirect, options);
}

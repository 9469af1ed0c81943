/**
 * The one error family of idbridge.
 *
 * Every failure that reaches a client is an {@link IdbridgeError}: it carries its wire semantics
 * (a stable string code, a description that is safe to show, the HTTP status, and whether the
 * protocol allows sending it back to the client by redirect). Protocol and bridge code throw or
 * return these; the HTTP layer maps them to a page, a text body, key-value form or JSON in one
 * place (`src/http/error-handler.tsx`). Anything else that escapes is a bug and becomes a generic
 * 500 page without details.
 */
export type ErrorCode =
  // generic request problems
  | 'invalid_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'csrf_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'too_many_requests'
  | 'conflict'
  /** The bearer token is valid but lacks the scope the operation needs (RFC 6750 §3.1). */
  | 'insufficient_scope'
  /** If-Match named another version of the resource (RFC 9110 §13.1.1). */
  | 'precondition_failed'
  /** The operation exists but not for this configuration (e.g. writes to a federated directory). */
  | 'not_implemented'
  // pending-request lifecycle
  | 'unknown_request'
  | 'expired_request'
  | 'request_completed'
  | 'wrong_browser'
  // sign-in
  | 'invalid_credentials'
  | 'account_blocked'
  | 'signin_incomplete'
  /** The site's user database or application cannot answer (not "wrong password"). */
  | 'directory_unavailable'
  // OAuth / OpenID Connect (RFC 6749 §4.1.2.1, §5.2; OIDC Core §3.1.2.6)
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'invalid_token'
  | 'server_error'
  // OpenID 2.0 direct errors
  | 'unsupported-type';

export interface ErrorOptions {
  /** HTTP status to answer with; defaults per code. */
  status?: number;
  /** May the protocol deliver this error to the client's redirect URI? */
  redirectable?: boolean;
  /** Seconds after which a retry makes sense (429, 503). */
  retryAfter?: number;
  /** Extra wire fields (e.g. OpenID 2.0 `session_type` on unsupported-type). */
  extra?: Record<string, string>;
  /** Error pages: the relying party the failing request came from, for a "Back to …" link. */
  backTo?: BackLink;
  cause?: unknown;
}

const DEFAULT_STATUS: Partial<Record<ErrorCode, number>> = {
  not_found: 404,
  unknown_request: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  csrf_failed: 403,
  forbidden: 403,
  insufficient_scope: 403,
  precondition_failed: 412,
  not_implemented: 501,
  wrong_browser: 403,
  account_blocked: 403,
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_client: 401,
  invalid_token: 401,
  too_many_requests: 429,
  conflict: 409,
  request_completed: 409,
  expired_request: 410,
  signin_incomplete: 502,
  directory_unavailable: 503,
  server_error: 500,
};

/** An error with wire semantics. `description` must never contain secrets or stack traces. */
export class IdbridgeError extends Error {
  readonly code: ErrorCode;
  readonly description: string;
  readonly status: number;
  readonly redirectable: boolean;
  readonly retryAfter: number | undefined;
  readonly extra: Record<string, string>;
  readonly backTo: BackLink | undefined;

  constructor(code: ErrorCode, description: string, options: ErrorOptions = {}) {
    super(`${code}: ${description}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IdbridgeError';
    this.code = code;
    this.description = description;
    this.status = options.status ?? DEFAULT_STATUS[code] ?? 400;
    this.redirectable = options.redirectable ?? false;
    this.retryAfter = options.retryAfter;
    this.extra = options.extra ?? {};
    this.backTo = options.backTo;
  }
}

/** Shorthand for a 400 `invalid_request` with a human-readable description. */
export function invalidRequest(description: string, options?: ErrorOptions): IdbridgeError {
  return new IdbridgeError('invalid_request', description, options);
}

export function isIdbridgeError(value: unknown): value is IdbridgeError {
  return value instanceof IdbridgeError;
}

/** One validation problem: the path into the input and what is wrong (zod's issue shape). */
export interface FieldIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * A 400 `invalid_request` listing every problem, each named as the interface spells the field
 * (`redirect_uris`, not the internal `redirectUris.0`): `names` maps internal keys to wire names;
 * array indices are dropped (messages about one item quote the item instead).
 */
export function invalidFields(issues: readonly FieldIssue[], names: Readonly<Record<string, string>>, whole: string): IdbridgeError {
  const describe = (issue: FieldIssue) => {
    const keys = issue.path.filter((key): key is string => typeof key === 'string');
    const field = keys.length === 0 ? whole : [Object.hasOwn(names, keys[0]!) ? names[keys[0]!]! : keys[0]!, ...keys.slice(1)].join('.');
    return `${field}: ${issue.message}`;
  };
  return new IdbridgeError('invalid_request', [...new Set(issues.map(describe))].join('; '));
}

/**
 * "Back to <site>" links on error pages. Only ever built from a relying party a stored request
 * names (an OpenID 2.0 realm, an OIDC redirect origin) — never from the URL of the failing
 * request — and only for plain http(s) origins, so an error page cannot be made to link anywhere.
 */
export interface BackLink {
  url: string;
  /** What the user knows the site as: the client's name, or the realm without trailing slash. */
  label: string;
}

/**
 * The way back to the relying party behind `realm`: its origin (a `*.` wildcard realm links to the
 * bare domain, which the wildcard covers), labelled with `name` when given. Undefined when there
 * is no usable URL.
 */
export function backLinkTo(realm: string | null | undefined, name?: string | null): BackLink | undefined {
  if (!realm) return undefined;
  let url: URL;
  try {
    url = new URL(realm.replace(/^(https?:\/\/)\*\./, '$1'));
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return undefined;
  return { url: `${url.origin}/`, label: name?.trim() || realm.replace(/\/$/, '') };
}

import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { IdbridgeError } from '../errors.js';
import { directErrorFields, kvEncode } from '../protocol/openid2/index.js';
import { DirectoryUnavailableError } from '../users/site-source.js';
import type { MessageId } from '../i18n/translate.js';
import { MessagePage } from '../views/message-page.js';
import type { AppEnv } from './context.js';

/**
 * Error codes with their own page (catalogue keys `error.<code>.title` / `.message`). The others get
 * the fallback page. The error's `description` is English detail written where the error is
 * raised (also the API's and the log's text): it is shown under the translated message on
 * English pages only, so a page in another language never switches to English half-way.
 */
const PAGE_CODES = new Set([
  'invalid_request', 'not_found', 'method_not_allowed', 'payload_too_large', 'csrf_failed', 'unauthorized', 'forbidden',
  'too_many_requests', 'conflict', 'unknown_request', 'expired_request', 'request_completed', 'wrong_browser',
  'signin_incomplete', 'account_blocked', 'invalid_client', 'unauthorized_client', 'unsupported_response_type',
  'invalid_scope', 'access_denied', 'server_error', 'directory_unavailable',
]);

/** Turn anything thrown into an IdbridgeError; unknown errors become a detail-free server_error. */
export function toIdbridgeError(error: unknown): IdbridgeError {
  if (error instanceof IdbridgeError) return error;
  if (error instanceof HTTPException) {
    const code = error.status === 413 ? 'payload_too_large' : error.status === 404 ? 'not_found' : 'invalid_request';
    return new IdbridgeError(code, error.status === 413 ? 'The request is too large.' : 'The request could not be processed.', {
      status: error.status,
    });
  }
  return new IdbridgeError('server_error', 'An unexpected error occurred. Please try again later.', { cause: error });
}

/**
 * The one place where errors meet the wire. Each router picks its format (`errorFormat`): HTML
 * pages for browsers, short text for the postback, JSON for APIs, key-value form for OpenID 2.0
 * direct requests. Stack traces go to the log, never to the client.
 */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const e = toIdbridgeError(error);
  const logger = c.get('http')?.logger;
  if (error instanceof DirectoryUnavailableError) {
    // The site's user database is down (a session reuse or postback looked a user up): an
    // operational event with its reason, not a bug with a stack trace.
    logger?.log('error', 'directory_unavailable', { path: c.req.path, reason: error.reason, detail: error.detail });
  } else if (e.status >= 500) {
    logger?.log('error', 'unhandled_error', {
      path: c.req.path,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
  }
  return renderError(c, e);
};

export function renderError(c: Context<AppEnv>, e: IdbridgeError): Response | Promise<Response> {
  const status = e.status as 400;
  if (e.retryAfter !== undefined) c.header('retry-after', String(e.retryAfter));
  c.header('cache-control', 'no-store');
  switch (c.get('errorFormat') ?? 'html') {
    case 'text':
      return c.text(`${e.code}: ${e.description}`, status);
    case 'json':
      return c.json({ error: e.code, error_description: e.description, ...e.extra }, status);
    case 'problem':
      return c.body(JSON.stringify(problemDetails(e)), status, { 'content-type': 'application/problem+json' });
    case 'scim':
      return c.body(JSON.stringify(scimErrorDocument(e)), status, { 'content-type': 'application/scim+json; charset=utf-8' });
    case 'kv':
      // OpenID 2.0 direct error response (§5.1.2.2): every refused request is a 400, whatever
      // the reason (error_code tells which: payload_too_large, unsupported-type, …); server
      // failures keep their 5xx.
      return c.body(kvEncode(directErrorFields(e)), e.status >= 500 ? status : 400, { 'content-type': 'text/plain; charset=utf-8' });
    default: {
      // The ui middleware may not have run (an error before it): negotiate here then.
      const ui = c.get('ui') ?? c.get('http')?.ui({ acceptLanguage: c.req.header('accept-language') });
      if (!ui) return c.text(`${e.code}: ${e.description}`, status);
      const { t } = ui;
      const known = PAGE_CODES.has(e.code);
      const title = known ? t(`error.${e.code}.title` as MessageId) : t('error.fallback.title');
      const message = known ? t(`error.${e.code}.message` as MessageId) : t('error.fallback.message');
      const english = ui.locale.toLowerCase().split('-')[0] === 'en';
      return c.html(
        <MessagePage ui={ui} title={title} message={message}>
          {english && e.description !== message ? <p class="details">{e.description}</p> : null}
          {e.backTo ? (
            <p class="actions">
              <a class="button" href={e.backTo.url}>
                {t('error.backTo', { label: e.backTo.label })}
              </a>
            </p>
          ) : e.status < 500 && e.code !== 'not_found' && e.code !== 'unauthorized' ? (
            // No relying party is known: there is no page of ours to start from, so say where to go.
            <p class="message">{t('error.startAgain')}</p>
          ) : null}
        </MessagePage>,
        status,
      );
    }
  }
}

/** Titles of the statuses the problem documents use (RFC 9110 reason phrases). */
const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/**
 * An RFC 9457 problem document: `type` names the idbridge error code as a URN-like tag (stable,
 * not dereferenceable), `code` repeats it for clients that switch on a string, `detail` is the
 * safe description. Extra fields of the error (e.g. `scope` on insufficient_scope) are extensions.
 */
export function problemDetails(e: IdbridgeError): Record<string, unknown> {
  return {
    type: `urn:idbridge:problem:${e.code}`,
    title: STATUS_TITLES[e.status] ?? 'Error',
    status: e.status,
    detail: e.description,
    code: e.code,
    ...e.extra,
  };
}

/** The SCIM error types of RFC 7644 §3.12 (`scimType`), carried in an error's `extra.scimType`. */
const SCIM_TYPES = new Set(['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive']);

/**
 * An RFC 7644 §3.12 error: `status` is the HTTP status as a string, `scimType` (400 and 409 only)
 * the SCIM error type. A duplicate (the Users API's `conflict` naming a field) is `uniqueness`;
 * other 400s without a type are `invalidValue`. Nothing else of the error leaves (no field names
 * of the REST API's vocabulary).
 */
export function scimErrorDocument(e: IdbridgeError): Record<string, unknown> {
  let scimType = SCIM_TYPES.has(e.extra['scimType'] ?? '') ? e.extra['scimType'] : undefined;
  if (!scimType && e.status === 409 && e.code === 'conflict' && e.extra['field']) scimType = 'uniqueness';
  if (!scimType && e.status === 400) scimType = 'invalidValue';
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: String(e.status),
    ...(scimType ? { scimType } : {}),
    detail: e.description,
  };
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  renderError(c, new IdbridgeError('not_found', 'There is nothing at this address.'));

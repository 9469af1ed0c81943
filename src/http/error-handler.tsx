import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { IdbridgeError } from '../errors.js';
import { directErrorFields, kvEncode } from '../protocol/openid2/index.js';
import { DirectoryUnavailableError } from '../users/site-source.js';
import { MessagePage } from '../views/message-page.js';
import type { AppEnv } from './context.js';

/**
 * What a browser is told, per error code: a plain-language title and sentence. The error's own
 * description (precise, meant for whoever built the link) follows as a detail line.
 */
const PAGES: Record<string, { title: string; message?: string }> = {
  invalid_request: { title: 'This link did not work', message: 'The sign-in link or form was incomplete or changed on its way here.' },
  not_found: { title: 'Page not found', message: 'There is nothing at this address.' },
  method_not_allowed: { title: 'Page not found', message: 'This page cannot be used this way.' },
  payload_too_large: { title: 'Too much data', message: 'The form sent more data than we accept.' },
  csrf_failed: { title: 'Your session has changed', message: 'This form was open too long, or in another tab. Please go back and try again.' },
  unauthorized: { title: 'Please sign in', message: 'You need to be signed in to see this page.' },
  forbidden: { title: 'Not allowed', message: 'You are not allowed to do this.' },
  // The throttle's own descriptions (lockout, queue full) are already written for the user.
  too_many_requests: { title: 'Too many attempts' },
  conflict: { title: 'Sign-in link already used', message: 'This sign-in link was already used for a different sign-in.' },
  unknown_request: { title: 'Sign-in not found', message: 'We could not find this sign-in. It may be older than we keep them, or the link was cut short.' },
  expired_request: { title: 'Sign-in timed out', message: 'This sign-in took too long, so we stopped it to keep your account safe.' },
  request_completed: { title: 'Sign-in already finished', message: 'This sign-in has already been completed; there is nothing more to do here.' },
  wrong_browser: { title: 'Started in another browser', message: 'For your safety, a sign-in can only be finished in the browser where it started.' },
  signin_incomplete: { title: 'Sign-in did not complete', message: 'Something stopped this sign-in before it finished.' },
  account_blocked: { title: 'Account blocked', message: 'This account cannot be used to sign in.' },
  invalid_client: { title: 'Unknown application', message: 'The application that sent you here is not registered with us.' },
  unauthorized_client: { title: 'Application not allowed', message: 'The application that sent you here may not sign you in this way.' },
  unsupported_response_type: { title: 'This link did not work', message: 'The application asked for something we do not support.' },
  invalid_scope: { title: 'This link did not work', message: 'The application asked for information we do not offer.' },
  access_denied: { title: 'Sign-in cancelled', message: 'The sign-in was cancelled.' },
  server_error: { title: 'Something went wrong', message: 'This is our fault. Please try again in a little while.' },
  // The site's user database cannot answer; the description says to try again in a few minutes.
  directory_unavailable: { title: 'Sign-in temporarily unavailable' },
};
const FALLBACK_PAGE = { title: 'Request refused', message: 'We could not do what this page asked.' };

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
    case 'kv':
      // OpenID 2.0 direct error response (§5.1.2.2): every refused request is a 400, whatever
      // the reason (error_code tells which: payload_too_large, unsupported-type, …); server
      // failures keep their 5xx.
      return c.body(kvEncode(directErrorFields(e)), e.status >= 500 ? status : 400, { 'content-type': 'text/plain; charset=utf-8' });
    default: {
      const siteName = c.get('http')?.config.siteName ?? 'idbridge';
      const page = PAGES[e.code] ?? FALLBACK_PAGE;
      const message = page.message ?? e.description;
      return c.html(
        <MessagePage siteName={siteName} title={page.title} message={message}>
          {e.description !== message ? <p class="details">{e.description}</p> : null}
          {e.backTo ? (
            <p class="actions">
              <a class="button" href={e.backTo.url}>
                Back to {e.backTo.label}
              </a>
            </p>
          ) : e.status < 500 && e.code !== 'not_found' && e.code !== 'unauthorized' ? (
            // No relying party is known: there is no page of ours to start from, so say where to go.
            <p class="message">To try again, go back to the site you came from and start the sign-in there.</p>
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

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  renderError(c, new IdbridgeError('not_found', 'There is nothing at this address.'));

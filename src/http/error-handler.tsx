import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { IdbridgeError } from '../errors.js';
import { directErrorFields, kvEncode } from '../protocol/openid2/index.js';
import { MessagePage } from '../views/message-page.js';
import type { AppEnv } from './context.js';

const TITLES: Record<string, string> = {
  invalid_request: 'Invalid request',
  not_found: 'Page not found',
  csrf_failed: 'Your session has changed',
  too_many_requests: 'Too many attempts',
  unknown_request: 'Unknown sign-in request',
  expired_request: 'Sign-in request expired',
  request_completed: 'Sign-in already completed',
  wrong_browser: 'Wrong browser',
  conflict: 'Conflicting request',
  payload_too_large: 'Request too large',
  server_error: 'Something went wrong',
};

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
  if (e.status >= 500) {
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
    case 'kv':
      // OpenID 2.0 direct error response (§5.1.2.2): every refused request is a 400, whatever
      // the reason (error_code tells which: payload_too_large, unsupported-type, …); server
      // failures keep their 5xx.
      return c.body(kvEncode(directErrorFields(e)), e.status >= 500 ? status : 400, { 'content-type': 'text/plain; charset=utf-8' });
    default: {
      const siteName = c.get('http')?.config.siteName ?? 'idbridge';
      return c.html(
        <MessagePage siteName={siteName} title={TITLES[e.code] ?? 'Request refused'} message={e.description} />,
        status,
      );
    }
  }
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  renderError(c, new IdbridgeError('not_found', 'There is nothing at this address.'));

import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';

/**
 * How errors at the OpenID 2.0 OP endpoint are answered, decided before anything reads the
 * request, so that every error on the way — a body over the limit, a non-form content type,
 * broken percent-encoding, a missing or unknown `openid.mode` — already has the right format.
 *
 * - GET (and HEAD): indirect requests and discovery come from browsers: HTML pages.
 * - POST: a direct request from a relying party's server (§5.1): Key-Value form, 400
 *   (§5.1.2.2) — unless it is a browser's form submission (RPs send long checkid requests as an
 *   auto-submitting form), which browsers mark on every navigation: `Sec-Fetch-Mode: navigate`,
 *   or, from browsers without Fetch Metadata, an `Accept` asking for HTML. RP libraries send
 *   neither on their server-to-server POSTs.
 *
 * Once the message has been parsed its mode is authoritative: the endpoint switches to
 * Key-Value for `associate` / `check_authentication` and to pages for checkid.
 */
export function openId2ErrorFormat(): MiddlewareHandler<AppEnv> {
  return async function openId2ErrorFormat(c, next) {
    c.set('errorFormat', c.req.method === 'POST' && !isBrowserNavigation(c) ? 'kv' : 'html');
    await next();
  };
}

function isBrowserNavigation(c: Context): boolean {
  const mode = c.req.header('sec-fetch-mode');
  if (mode !== undefined) return mode === 'navigate';
  return /\btext\/html\b/i.test(c.req.header('accept') ?? '');
}

import type { Context, MiddlewareHandler } from 'hono';
import { randomToken, sha256Base64Url } from '../util/bytes.js';
import { IDENTITY_COOKIES } from './cookie-names.js';
import type { AppEnv, BrowserIdentity } from './context.js';

const TTL_SECONDS = 30 * 24 * 3600;

/**
 * Give every browser a random id in a sealed cookie (created on first visit). Pending requests
 * are bound to its hash, and CSRF tokens are derived from it. `cookie` is the owning half's name
 * (see cookie-names.ts): the identity service's unless the bridge's routes say otherwise.
 */
export function browserIdentity(cookie: string = IDENTITY_COOKIES.browser): MiddlewareHandler<AppEnv> {
  return async function browserIdentity(c, next) {
    await identifyBrowser(c, cookie);
    await next();
  };
}

/**
 * What {@link browserIdentity} does, for a handler that learns only from the request itself that
 * it is talking to a browser (the OpenID 2.0 endpoint: checkid or direct request).
 */
export async function identifyBrowser(c: Context<AppEnv>, cookie: string = IDENTITY_COOKIES.browser): Promise<BrowserIdentity> {
  const { cookies, csrf } = c.get('http');
  const existing = await cookies.read<{ bid: string }>(c, cookie, TTL_SECONDS);
  let id = typeof existing?.bid === 'string' ? existing.bid : undefined;
  if (!id) {
    id = randomToken(256);
    // A random id: a token cookie (MACed, not sealed; see cookies.ts).
    await cookies.writeToken(c, cookie, 'bid', id, TTL_SECONDS);
  }
  const browser = { id, hash: await sha256Base64Url(id), csrfToken: await csrf.issue(id) };
  c.set('browser', browser);
  return browser;
}

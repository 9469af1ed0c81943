import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';

/**
 * Security headers on every response.
 *
 * - CSP: only our own styles and images, no scripts at all, no framing (clickjacking on the
 *   password and consent forms), no <base> hijack. `form-action` is deliberately not set: browsers
 *   apply it to the whole redirect chain after a submit, and a sign-in legitimately ends in a
 *   redirect to the relying party's own origin.
 * - Referrer-Policy same-origin: request ids and codes in URLs never leak to other sites. (Not
 *   no-referrer: under it Chromium sends `Origin: null` on same-origin form posts, which the CSRF
 *   origin check must then refuse.)
 * - HSTS when served over https.
 * - no-store on everything dynamic: pages carry CSRF tokens and personal data.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async function securityHeaders(c, next) {
    await next();
    const h = c.res.headers;
    if (!h.has('content-security-policy')) {
      h.set(
        'content-security-policy',
        "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
      );
    }
    h.set('x-content-type-options', 'nosniff');
    h.set('x-frame-options', 'DENY');
    h.set('referrer-policy', 'same-origin');
    h.set('cross-origin-opener-policy', 'same-origin');
    h.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (c.get('http').config.secureCookies) h.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
    if (!c.req.path.startsWith('/static/') && !h.has('cache-control')) h.set('cache-control', 'no-store');
  };
}

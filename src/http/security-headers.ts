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
export function securityHeaders(extra: { img?: readonly string[]; style?: readonly string[] } = {}): MiddlewareHandler<AppEnv> {
  // Theme assets on another origin (a CDN logo or stylesheet, validated https origins) join 'self';
  // scripts stay forbidden whatever the theme says.
  const img = ["'self'", 'data:', ...(extra.img ?? [])].join(' ');
  const style = ["'self'", ...(extra.style ?? [])].join(' ');
  const csp = `default-src 'none'; style-src ${style}; img-src ${img}; frame-ancestors 'none'; base-uri 'none'`;
  const secure = (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => c.get('http').config.secureCookies;
  return async function securityHeaders(c, next) {
    // Set before the handler (defaults it may override, e.g. a per-response CSP or a public
    // cache-control), not by rewriting the finished response: touching `c.res.headers` afterwards
    // forces a full Response object on every request.
    c.header('content-security-policy', csp);
    c.header('x-content-type-options', 'nosniff');
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'same-origin');
    c.header('cross-origin-opener-policy', 'same-origin');
    c.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (secure(c)) c.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    if (!c.req.path.startsWith('/static/')) c.header('cache-control', 'no-store');
    await next();
  };
}

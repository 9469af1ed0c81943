import type { MiddlewareHandler } from 'hono';
import type { Languages } from '../i18n/languages.js';
import type { LocaleRequest } from '../i18n/negotiate.js';
import type { Theme } from '../views/theme.js';
import type { Ui } from '../views/ui.js';
import type { AppEnv } from './context.js';

/** The page context for a locale request (shared by the middleware and `HttpServices.ui`). */
export function uiFactory(languages: Languages, theme: Theme): (request: LocaleRequest) => Ui {
  return (request) => {
    const locale = languages.negotiate(request);
    return { locale, t: languages.translator(locale), theme };
  };
}

/**
 * Negotiates every request's language once: `ui_locales` in the query (the OIDC authorize request,
 * the bridge's Verify URL), then `Accept-Language`, then `languages.default`. Pages read
 * `c.get('ui')`. Cheap: a bounded header parse, no I/O.
 */
export function uiContext(ui: (request: LocaleRequest) => Ui): MiddlewareHandler<AppEnv> {
  return async function uiContext(c, next) {
    c.set('ui', ui({ uiLocales: c.req.query('ui_locales'), acceptLanguage: c.req.header('accept-language') }));
    c.header('content-language', c.get('ui').locale);
    await next();
  };
}

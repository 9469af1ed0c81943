import type { ConnectorChoice } from '../connectors/connector-sign-in.js';
import type { Context } from 'hono';
import type { Config } from '../config.js';
import type { LocaleRequest } from '../i18n/negotiate.js';
import type { Logger } from '../log.js';
import type { Ui } from '../views/ui.js';
import type { SealedCookies } from './cookies.js';
import type { CsrfTokens } from './csrf.js';

/** How errors raised in a route are rendered (set per router). */
/** `problem`: RFC 9457 `application/problem+json` (the Users API); `scim`: RFC 7644 §3.12 error JSON. */
export type ErrorFormat = 'html' | 'text' | 'json' | 'kv' | 'problem' | 'scim';

/** The browser identity every page request carries (from the sealed browser cookie). */
export interface BrowserIdentity {
  id: string;
  /** SHA-256 of the id: what is stored to bind requests to this browser. */
  hash: string;
  csrfToken: string;
}

/** Shared HTTP-layer services, created once by the app factory. */
export interface HttpServices {
  config: Config;
  logger: Logger;
  cookies: SealedCookies;
  csrf: CsrfTokens;
  clientIp: (c: Context) => string;
  /** The page context for a locale request (pages that carry a stored `ui_locales`). */
  ui: (request: LocaleRequest) => Ui;
  /** The upstream connectors the bridge's login page offers (config file `connectors`). */
  connectorChoices?: readonly ConnectorChoice[];
}

export interface AppEnv {
  Variables: {
    http: HttpServices;
    browser: BrowserIdentity;
    errorFormat: ErrorFormat;
    /** Locale, translations and theme of this request (set by the `ui` middleware). */
    ui: Ui;
  };
}

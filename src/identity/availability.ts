import type { Config } from '../config.js';

/**
 * Whether this deployment's directory takes new accounts and password resets: the built-in table,
 * or a site directory in migrate mode (new accounts live in the built-in table next to it). A
 * site directory in federated (read-only) mode belongs to the site: no sign-up, and "forgot
 * password" goes to the site's own page (IDBRIDGE_SITE_RESET_URL) when one is configured.
 */
export function directoryWritable(config: Pick<Config, 'directory'>): boolean {
  return config.directory.kind === 'builtin' || config.directory.mode === 'migrate';
}

/** Sign-up is shown: enabled (IDBRIDGE_REGISTRATION) and the directory can take accounts. */
export function signUpOffered(config: Pick<Config, 'directory' | 'registration'>): boolean {
  return config.registration.enabled && directoryWritable(config);
}

/**
 * Where "Forgot your password?" goes for a pending sign-in, or undefined (no link at all). The
 * bridge's own page gets the sign-in's page `locale` (as `ui_locales`), so it stays in it.
 */
export function forgotPasswordHref(config: Pick<Config, 'directory' | 'registration'>, requestId: string | undefined, locale?: string): string | undefined {
  if (!directoryWritable(config)) return config.registration.siteResetUrl;
  const query = new URLSearchParams();
  if (requestId) query.set('request_id', requestId);
  if (locale) query.set('ui_locales', locale);
  const search = query.toString();
  return search ? `/forgot?${search}` : '/forgot';
}

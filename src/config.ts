import { z } from 'zod';
import type { ConnectorConfig } from './config/connectors.js';
import type { ProfileSection } from './config/profile-section.js';
import { parseConfigDocument, type DirectoryConfig, type DocumentSource, type LanguagesConfig, type MailDocumentConfig, type ThemeConfig } from './config/document.js';

/**
 * Runtime configuration, read from environment variables (plus `.env` on Node) and validated once
 * at start. Every bad value yields one clear message naming the variable.
 */
export type Role = 'all' | 'bridge' | 'identity';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

export interface Config {
  environment: 'development' | 'production' | 'test';
  role: Role;
  port: number;
  host: string;
  /** Public base URL of this deployment, without trailing slash. */
  publicUrl: string;
  /** Tenant every row belongs to (one per deployment for now). */
  tenant: string;
  databasePath: string;
  /** Master secret: cookie sealing, CSRF MACs, key encryption. Never logged. */
  secret: string;
  /**
   * The secret being rotated away from (`IDBRIDGE_SECRET_PREVIOUS`): still opens sealed values and
   * cookies, never seals new ones, until `idbridge secret rewrap` has re-sealed everything.
   */
  previousSecret: string | undefined;
  /** Whether cookies get the `Secure` flag and `__Host-` prefix (true when the public URL is https). */
  secureCookies: boolean;
  /** Honour `X-Forwarded-For` for the client IP (only behind a trusted proxy). */
  trustProxy: boolean;
  bridge: BridgeConfig;
  identity: IdentityConfig;
  passwordHash: ScryptParams;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Name of the site shown on pages (the site whose accounts users sign in with). */
  siteName: string;
  /** Where users and passwords live (config file `directory:`; default: idbridge's own table). */
  directory: DirectoryConfig;
  /** The profile section of the config file (fields, requirements, release); absent: the defaults. */
  profile: ProfileSection | undefined;
  /** Sign-up, email verification and password reset at the bridge (docs/registration.md). */
  registration: RegistrationConfig;
  /** Upstream sign-in providers shown at the bridge (config file `connectors`, docs/connectors.md). */
  connectors: ConnectorConfig[];
  /** How long a stopping server waits for in-flight requests before closing their connections. */
  shutdownGraceSeconds: number;
  /** Accepted but unwise settings (development and tests only), for the entry point to print. */
  warnings: string[];
  /** Brand and look of the pages (config file `theme:`, docs/theme.md). */
  theme: ThemeConfig;
  /** Default language and operator message files (config file `languages:`, docs/languages.md). */
  languages: LanguagesConfig;
  mail: MailConfig;
}

/** How mail leaves (docs/mail.md). */
export interface MailConfig {
  /**
   * smtp: IDBRIDGE_SMTP_URL (Node); http: IDBRIDGE_MAIL_API_URL (any runtime); outbox: stored in
   * the database and listed at /dev/outbox (development and tests only, the default there);
   * none: production without a mail setting (sending fails with a logged error).
   */
  transport: 'smtp' | 'http' | 'outbox' | 'none';
  /** The From address (IDBRIDGE_MAIL_FROM). */
  from: string;
  /** smtp:// (STARTTLS required) or smtps:// (TLS); a secret when it carries a password. */
  smtpUrl: string | undefined;
  /** Plain SMTP without TLS is allowed: a loopback server outside production. */
  smtpAllowPlain: boolean;
  apiUrl: string | undefined;
  apiKey: string | undefined;
  /** Template override directory (config file `mail.templates`). */
  templatesDir: string | undefined;
  smtp: MailDocumentConfig['smtp'];
  http: MailDocumentConfig['http'];
}

export interface BridgeConfig {
  /** Identity service PostBack URL (step 4). */
  postbackUrl: string;
  /** Identity service Return URL (step 6). */
  returnUrl: string;
  /** API key the bridge presents in the postback; undefined = provisioned by the co-located identity service. */
  apiKey: string | undefined;
  /** Realms whose postbacks carry `no_prompt=true` (exact match). */
  trustedRealms: string[];
  /** Lifetime of a pending request at the bridge, in seconds. */
  requestTtlSeconds: number;
  /** Lifetime of a bridge sign-in session, in seconds. */
  sessionTtlSeconds: number;
  postback: PostbackRetryConfig;
  /** How many times the user may press "try again" after a failed postback. */
  manualRetries: number;
  throttle: ThrottleConfig;
}

/** Email verification policy: what an unverified address may do at sign-in. */
export type VerificationPolicy = 'allow' | 'assert' | 'require';

/** Sign-up, verification and reset (env `IDBRIDGE_REGISTRATION*`, docs/registration.md). */
export interface RegistrationConfig {
  /** Offer sign-up on the login page (only where the directory can take new accounts). */
  enabled: boolean;
  /**
   * `allow`: unverified addresses sign in and `email_verified` is not released while false;
   * `assert`: they sign in and `email_verified=false` is asserted; `require`: they must confirm
   * the link first.
   */
  verification: VerificationPolicy;
  /** Lifetime of an email-verification link, in seconds. */
  verificationTtlSeconds: number;
  /** Lifetime of a password-reset link, in seconds. */
  resetTtlSeconds: number;
  /** Minimum password length for new passwords (sign-up, reset). */
  passwordMinLength: number;
  /** Seconds before another verification mail may be sent to one address. */
  resendCooldownSeconds: number;
  /** Sign-ups per client network per hour. */
  signupsPerIpPerHour: number;
  /** Reset requests, and sign-ups, per address per hour (each a mail to that address). */
  resetsPerAddressPerHour: number;
  /** Reset requests per client network per hour. */
  resetsPerIpPerHour: number;
  /** The site's own reset page, for a site directory in federated (read-only) mode. */
  siteResetUrl: string | undefined;
}

/** The identity-service half. */
export interface IdentityConfig {
  /** The bridge's Verify URL the browser is sent to (step 2). */
  verifyUrl: string;
  /** Lifetime of a pending sign-in request at the identity service, in seconds. */
  requestTtlSeconds: number;
  /** Lifetime of OpenID 2.0 shared associations, in seconds. */
  associationTtlSeconds: number;
  /** Serve the demo relying party at /demo (never in production). */
  demo: boolean;
  oidc: OidcConfig;
  /** Bearer token for the admin JSON API; undefined disables the API. */
  adminToken: string | undefined;
  /** The bridge's logout URL (RP-initiated logout ends the bridge session there too). */
  bridgeLogoutUrl: string;
  /**
   * Accept postbacks without idbridge's `return_token` (a stock Janrain authenticating website).
   * Undefined: the stored setting decides (`idbridge aw janrain-compat on|off`, default off).
   */
  janrainCompatible: boolean | undefined;
}

export interface OidcConfig {
  codeTtlSeconds: number;
  idTokenTtlSeconds: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Lifetime of the identity-service session (sid, logout). */
  sessionTtlSeconds: number;
}

export interface PostbackRetryConfig {
  maxAttempts: number;
  deadlineMs: number;
  attemptTimeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ThrottleConfig {
  /** Failures per account identifier before delays start. */
  accountFreeFailures: number;
  /** Failures per client IP before delays start. */
  ipFreeFailures: number;
  /** First lockout, in seconds; doubles with each further failure. */
  baseLockSeconds: number;
  /** Longest lockout, in seconds. */
  maxLockSeconds: number;
  /** Failures older than this are forgotten, in seconds. */
  windowSeconds: number;
  /** Password checks one client network may have running at once. */
  ipConcurrency: number;
  /** Further password checks from one client network that wait for a slot (beyond: 429). */
  ipQueue: number;
  /** Longest wait for a slot, in milliseconds (then 429). */
  queueWaitMs: number;
  /** Delay before each password check from an unknown device on a locked client network, in ms. */
  lockedIpDelayMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Defaults that differ by role, so that the identity service and the bridge of a split deployment
 * can run side by side on one machine (development, a small server) with no port or database
 * setting: all-in-one and the identity service on 3000, the bridge on 3001, each its own file.
 */
export const ROLE_DEFAULTS: Record<Role, { port: number; databasePath: string }> = {
  all: { port: 3000, databasePath: './data/idbridge.sqlite' },
  identity: { port: 3000, databasePath: './data/identity.sqlite' },
  bridge: { port: 3001, databasePath: './data/bridge.sqlite' },
};

/** The database file for `env` before validation (the Node entry keeps its development secret next to it). */
export function defaultDatabasePath(env: Env): string {
  const role = env.IDBRIDGE_ROLE?.trim();
  return env.IDBRIDGE_DATABASE?.trim() || ROLE_DEFAULTS[role === 'bridge' || role === 'identity' ? role : 'all'].databasePath;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for hosts that never leave this machine (plain http is tolerated only to these). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname.endsWith('.localhost');
}

/**
 * Why: the postback carries the API key and the user's profile; it must never travel in clear over
 * a network. https is required; http is allowed only to loopback, for development and tests.
 */
export function checkOutgoingUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'must use https (plain http is allowed only to localhost / 127.0.0.1 / ::1)';
}

// Plain decimal integers only: no hex, exponents, signs or blanks sneaking through Number(). One
// message says what is allowed, whatever was wrong ("abc", "-5", "1.5" or out of range).
const intIn = (min: number, max: number) => {
  const allowed = `must be a whole number from ${min} to ${max}`;
  return z
    .string({ error: allowed })
    .regex(/^\d+$/, allowed)
    .transform(Number)
    .refine((n) => n >= min && n <= max, allowed);
};
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });
const bool = oneOf(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const absoluteUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL');

const envSchema = z.object({
  NODE_ENV: oneOf(['development', 'production', 'test']).optional(),
  IDBRIDGE_ENV: oneOf(['development', 'production', 'test']).optional(),
  IDBRIDGE_ROLE: oneOf(['all', 'bridge', 'identity']).default('all'),
  PORT: intIn(0, 65535).optional(), // default by role: ROLE_DEFAULTS
  HOST: z.string().min(1).default('127.0.0.1'),
  IDBRIDGE_PUBLIC_URL: absoluteUrl.optional(),
  IDBRIDGE_TENANT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 lowercase letters, digits, "_" or "-"')
    .default('default'),
  IDBRIDGE_DATABASE: z.string().min(1).optional(), // default by role: ROLE_DEFAULTS
  IDBRIDGE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  IDBRIDGE_SECRET_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
  IDBRIDGE_TRUST_PROXY: bool.default(false),
  IDBRIDGE_POSTBACK_URL: absoluteUrl.optional(),
  IDBRIDGE_RETURN_URL: absoluteUrl.optional(),
  IDBRIDGE_VERIFY_URL: absoluteUrl.optional(),
  IDBRIDGE_AUTH_REQUEST_TTL: intIn(60, 3600).default(900),
  IDBRIDGE_ASSOCIATION_TTL: intIn(60, 14 * 24 * 3600).default(24 * 3600),
  IDBRIDGE_DEMO: bool.optional(),
  IDBRIDGE_CODE_TTL: intIn(10, 600).default(60),
  IDBRIDGE_ID_TOKEN_TTL: intIn(60, 86_400).default(3600),
  IDBRIDGE_ACCESS_TOKEN_TTL: intIn(60, 86_400).default(3600),
  IDBRIDGE_REFRESH_TOKEN_TTL: intIn(300, 365 * 86_400).default(30 * 86_400),
  IDBRIDGE_BRIDGE_LOGOUT_URL: absoluteUrl.optional(),
  IDBRIDGE_ADMIN_TOKEN: z.string().min(32, 'must be 32 to 512 characters').max(512, 'must be 32 to 512 characters').optional(),
  IDBRIDGE_AW_JANRAIN_COMPATIBLE: bool.optional(),
  IDBRIDGE_API_KEY: z.string().min(32, 'must be 32 to 256 characters').max(256, 'must be 32 to 256 characters').optional(),
  IDBRIDGE_TRUSTED_REALMS: z.string().default(''),
  IDBRIDGE_REQUEST_TTL: intIn(30, 3600).default(600),
  IDBRIDGE_SESSION_TTL: intIn(60, 30 * 24 * 3600).default(12 * 3600),
  IDBRIDGE_POSTBACK_ATTEMPTS: intIn(1, 10).default(4),
  IDBRIDGE_POSTBACK_DEADLINE_MS: intIn(100, 120_000).default(10_000),
  IDBRIDGE_POSTBACK_TIMEOUT_MS: intIn(100, 60_000).default(5_000),
  IDBRIDGE_POSTBACK_BASE_DELAY_MS: intIn(0, 10_000).default(250),
  IDBRIDGE_POSTBACK_MAX_DELAY_MS: intIn(0, 60_000).default(4_000),
  IDBRIDGE_MANUAL_RETRIES: intIn(0, 10).default(3),
  IDBRIDGE_THROTTLE_ACCOUNT_FAILURES: intIn(1, 1000).default(5),
  IDBRIDGE_THROTTLE_IP_FAILURES: intIn(1, 10_000).default(20),
  IDBRIDGE_THROTTLE_BASE_SECONDS: intIn(1, 3600).default(30),
  IDBRIDGE_THROTTLE_MAX_SECONDS: intIn(1, 86_400).default(900),
  IDBRIDGE_THROTTLE_WINDOW_SECONDS: intIn(60, 86_400 * 7).default(3600),
  IDBRIDGE_THROTTLE_LOCKED_IP_DELAY_MS: intIn(0, 60_000).default(3000),
  IDBRIDGE_LOGIN_CONCURRENCY_PER_IP: intIn(1, 1024).default(8),
  IDBRIDGE_LOGIN_QUEUE_PER_IP: intIn(0, 100_000).default(64),
  IDBRIDGE_LOGIN_QUEUE_WAIT_MS: intIn(100, 120_000).default(10_000),
  // OWASP Password Storage Cheat Sheet minimum for scrypt: N=2^17, r=8, p=1 (see scryptBelowFloor).
  IDBRIDGE_SCRYPT_LN: intIn(1, 22).default(17),
  IDBRIDGE_SCRYPT_R: intIn(1, 32).default(8),
  IDBRIDGE_SCRYPT_P: intIn(1, 16).default(1),
  IDBRIDGE_REGISTRATION: bool.default(true),
  IDBRIDGE_EMAIL_VERIFICATION: oneOf(['allow', 'assert', 'require']).default('assert'),
  IDBRIDGE_VERIFICATION_TTL: intIn(300, 30 * 86_400).default(86_400),
  IDBRIDGE_RESET_TTL: intIn(300, 86_400).default(3600),
  IDBRIDGE_PASSWORD_MIN_LENGTH: intIn(8, 128).default(8),
  IDBRIDGE_RESEND_COOLDOWN_SECONDS: intIn(0, 3600).default(60),
  IDBRIDGE_SIGNUPS_PER_IP: intIn(1, 100_000).default(10),
  IDBRIDGE_RESETS_PER_ADDRESS: intIn(1, 1000).default(3),
  IDBRIDGE_RESETS_PER_IP: intIn(1, 100_000).default(20),
  IDBRIDGE_SITE_RESET_URL: absoluteUrl.optional(),
  IDBRIDGE_SITE_NAME: z.string().max(80, 'must be at most 80 characters').default('idbridge'),
  IDBRIDGE_SHUTDOWN_GRACE_SECONDS: intIn(0, 3600).default(10),
  IDBRIDGE_LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error']).default('info'),
  IDBRIDGE_SMTP_URL: z.string().refine((v) => /^smtps?:\/\/[^/\s]+/.test(v), 'must be smtp://[user:pass@]host[:port] (STARTTLS) or smtps://… (TLS)').optional(),
  // An address, optionally with a display name: `Acme <no-reply@acme.example>`. No line breaks (header injection).
  IDBRIDGE_MAIL_FROM: z
    .string()
    .max(320, 'must be at most 320 characters')
    .regex(/^(?:[^<>\r\n]{0,200} ?<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/, 'must be an address like no-reply@example.com or "Name <no-reply@example.com>"')
    .optional(),
  IDBRIDGE_MAIL_API_URL: absoluteUrl.optional(),
  IDBRIDGE_MAIL_API_KEY: z.string().min(16, 'must be 16 to 512 characters').max(512, 'must be 16 to 512 characters').optional(),
});

export type Env = Record<string, string | undefined>;

/** Variables whose values are never repeated in an error message. */
const SECRET_VARIABLES = new Set(['IDBRIDGE_SECRET', 'IDBRIDGE_SECRET_PREVIOUS', 'IDBRIDGE_ADMIN_TOKEN', 'IDBRIDGE_API_KEY', 'IDBRIDGE_SMTP_URL', 'IDBRIDGE_MAIL_API_KEY']);

export interface LoadOptions {
  /** A secret the entry point generated or loaded (development). */
  secret?: string;
  /** Variables that came from an env file rather than the process environment (named in errors). */
  fromFile?: { path: string; keys: ReadonlySet<string> };
  /** The config file (`idbridge.config.yaml` / `IDBRIDGE_CONFIG`), when there is one. */
  document?: DocumentSource;
}

/**
 * OWASP's scrypt floor (Password Storage Cheat Sheet): N=2^17 r=8 p=1, or the equivalents trading
 * memory for parallelism 2^16/8/2, 2^15/8/3, 2^14/8/5, 2^13/8/10. Memory is 128·N·r bytes, so a
 * larger r counts like a larger N. Returns a description of the floor when `params` fall below it.
 */
export function scryptBelowFloor({ ln, r, p }: ScryptParams): string | undefined {
  const memoryLn = ln + Math.log2(r / 8); // log2(N) at r=8 with the same memory
  const floor: Array<[number, number]> = [[17, 1], [16, 2], [15, 3], [14, 5], [13, 10]];
  const needed = floor.find(([minLn]) => memoryLn + 1e-9 >= minLn)?.[1];
  if (needed !== undefined && p >= needed) return undefined;
  return 'N=2^17 r=8 p=1, or N=2^16 p=2, N=2^15 p=3, N=2^14 p=5, N=2^13 p=10 (r=8)';
}

/**
 * Validate `env` into a {@link Config}. Throws {@link ConfigError} listing every bad value: each
 * names the variable, what is allowed, the value given (unless secret) and whether it came from
 * the env file.
 */
export function loadConfig(env: Env, overrides: LoadOptions = {}): Config {
  // Empty or blank strings mean "unset", as in most twelve-factor tools.
  const cleaned: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') cleaned[k] = v.trim();

  /** `(got "abc" from .env)`: where a bad value came from, so the operator finds it. */
  const got = (key: string): string => {
    const value = cleaned[key];
    if (value === undefined) return '';
    const file = overrides.fromFile?.keys.has(key) ? ` from ${overrides.fromFile.path}` : '';
    if (SECRET_VARIABLES.has(key)) return file ? ` (set in ${overrides.fromFile!.path})` : '';
    return ` (got ${JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)}${file})`;
  };
  const problems: string[] = [];
  const problem = (key: string, message: string) => problems.push(`${key}: ${message}${got(key)}`);

  // Each variable on its own, so that every bad value is reported, not only the first; a bad
  // value falls back to its default so the cross-field checks below still run.
  const values: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(envSchema.shape)) {
    const result = (schema as z.ZodType).safeParse(cleaned[key]);
    if (result.success) values[key] = result.data;
    else {
      // One message per variable: the first says what is allowed.
      problem(key, result.error.issues[0]!.message);
      values[key] = (schema as z.ZodType).safeParse(undefined).data;
    }
  }
  const e = values as z.output<typeof envSchema>;
  const environment = e.IDBRIDGE_ENV ?? e.NODE_ENV ?? 'development';
  const warnings: string[] = [];
  if (environment === 'production' && !e.IDBRIDGE_PUBLIC_URL) {
    problems.push('IDBRIDGE_PUBLIC_URL: required in production (the https URL users reach this server at)');
  }
  const port = e.PORT ?? ROLE_DEFAULTS[e.IDBRIDGE_ROLE].port;
  const publicUrl = (e.IDBRIDGE_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const publicHost = new URL(publicUrl).hostname;
  if (environment === 'production' && new URL(publicUrl).protocol !== 'https:' && !isLoopbackHost(publicHost)) {
    problem('IDBRIDGE_PUBLIC_URL', 'must use https in production');
  }

  const secret = e.IDBRIDGE_SECRET ?? overrides.secret;
  if (!secret && cleaned['IDBRIDGE_SECRET'] === undefined) {
    problems.push(
      environment === 'production'
        ? 'IDBRIDGE_SECRET: required in production (at least 32 random characters, e.g. `openssl rand -base64 48`)'
        : 'IDBRIDGE_SECRET: missing (the Node entry generates one in development)',
    );
  }
  if (e.IDBRIDGE_SECRET_PREVIOUS && e.IDBRIDGE_SECRET_PREVIOUS === secret) {
    problem('IDBRIDGE_SECRET_PREVIOUS', 'must differ from IDBRIDGE_SECRET (it is the secret being rotated away from)');
  }

  const postbackUrl = e.IDBRIDGE_POSTBACK_URL ?? `${publicUrl}/ows_auth`;
  const returnUrl = e.IDBRIDGE_RETURN_URL ?? `${publicUrl}/ows_return`;
  const postbackProblem = checkOutgoingUrl(postbackUrl);
  if (postbackProblem) problem('IDBRIDGE_POSTBACK_URL', postbackProblem);
  if (e.IDBRIDGE_ROLE === 'bridge') {
    if (!e.IDBRIDGE_POSTBACK_URL) problems.push('IDBRIDGE_POSTBACK_URL: required when IDBRIDGE_ROLE=bridge');
    if (!e.IDBRIDGE_RETURN_URL) problems.push('IDBRIDGE_RETURN_URL: required when IDBRIDGE_ROLE=bridge');
    if (!e.IDBRIDGE_API_KEY) problems.push('IDBRIDGE_API_KEY: required when IDBRIDGE_ROLE=bridge');
  }

  const verifyUrl = e.IDBRIDGE_VERIFY_URL ?? `${publicUrl}/verify`;
  if (e.IDBRIDGE_ROLE === 'identity' && !e.IDBRIDGE_VERIFY_URL) {
    problems.push("IDBRIDGE_VERIFY_URL: required when IDBRIDGE_ROLE=identity (the bridge's Verify URL)");
  }
  if (environment === 'production' && new URL(verifyUrl).protocol !== 'https:' && !isLoopbackHost(new URL(verifyUrl).hostname)) {
    problem('IDBRIDGE_VERIFY_URL', 'must use https in production');
  }
  const demo = e.IDBRIDGE_DEMO ?? environment === 'development';
  if (demo && environment === 'production') problem('IDBRIDGE_DEMO', 'the demo relying party cannot run in production');

  const trustedRealms: string[] = [];
  for (const realm of e.IDBRIDGE_TRUSTED_REALMS.split(/[\s,]+/).filter(Boolean)) {
    if (!absoluteUrl.safeParse(realm.replace('://*.', '://wildcard.')).success) {
      const file = overrides.fromFile?.keys.has('IDBRIDGE_TRUSTED_REALMS') ? ` (from ${overrides.fromFile.path})` : '';
      problems.push(`IDBRIDGE_TRUSTED_REALMS: "${realm}" is not an http(s) realm URL${file}`);
    } else trustedRealms.push(realm);
  }
  if (e.IDBRIDGE_THROTTLE_MAX_SECONDS < e.IDBRIDGE_THROTTLE_BASE_SECONDS) {
    problem('IDBRIDGE_THROTTLE_MAX_SECONDS', `must not be smaller than IDBRIDGE_THROTTLE_BASE_SECONDS, which is ${e.IDBRIDGE_THROTTLE_BASE_SECONDS}`);
  }
  if (e.IDBRIDGE_SCRYPT_R * e.IDBRIDGE_SCRYPT_P >= 1 << 30) {
    problem('IDBRIDGE_SCRYPT_R', 'r * p must be below 2^30');
  }
  const passwordHash = { ln: e.IDBRIDGE_SCRYPT_LN, r: e.IDBRIDGE_SCRYPT_R, p: e.IDBRIDGE_SCRYPT_P };
  const floor = scryptBelowFloor(passwordHash);
  if (floor) {
    // Why: a cheap hash turns a stolen users table into cracked passwords. Development and tests
    // may trade that for speed; production may not.
    const given = `N=2^${passwordHash.ln} r=${passwordHash.r} p=${passwordHash.p}`;
    const where = (['IDBRIDGE_SCRYPT_LN', 'IDBRIDGE_SCRYPT_R', 'IDBRIDGE_SCRYPT_P'] as const)
      .filter((k) => cleaned[k] !== undefined)
      .map((k) => `${k}=${cleaned[k]}${overrides.fromFile?.keys.has(k) ? ` from ${overrides.fromFile.path}` : ''}`)
      .join(', ');
    const message = `scrypt ${given}${where ? ` (${where})` : ''} is below the OWASP minimum ${floor}`;
    if (environment === 'production') problems.push(`IDBRIDGE_SCRYPT_LN: ${message}; production refuses it`);
    else warnings.push(`IDBRIDGE_SCRYPT_LN: ${message}; accepted only because IDBRIDGE_ENV=${environment}`);
  }
  const { document, problems: documentProblems } = parseConfigDocument(overrides.document, env);
  problems.push(...documentProblems);
  if (document.directory.kind === 'http') {
    // The HTTP directory's requests carry passwords: the same rule as the PostBack URL.
    const directoryUrlProblem = checkOutgoingUrl(document.directory.url);
    if (directoryUrlProblem) problems.push(`directory.url: ${JSON.stringify(document.directory.url)}: ${directoryUrlProblem}`);
  }
  const mail = mailConfig(e, environment, document.mail, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    environment,
    role: e.IDBRIDGE_ROLE,
    port,
    host: e.HOST,
    publicUrl,
    tenant: e.IDBRIDGE_TENANT,
    databasePath: e.IDBRIDGE_DATABASE ?? ROLE_DEFAULTS[e.IDBRIDGE_ROLE].databasePath,
    secret: secret!,
    previousSecret: e.IDBRIDGE_SECRET_PREVIOUS,
    secureCookies: new URL(publicUrl).protocol === 'https:',
    trustProxy: e.IDBRIDGE_TRUST_PROXY,
    bridge: {
      postbackUrl,
      returnUrl,
      apiKey: e.IDBRIDGE_API_KEY,
      trustedRealms,
      requestTtlSeconds: e.IDBRIDGE_REQUEST_TTL,
      sessionTtlSeconds: e.IDBRIDGE_SESSION_TTL,
      postback: {
        maxAttempts: e.IDBRIDGE_POSTBACK_ATTEMPTS,
        deadlineMs: e.IDBRIDGE_POSTBACK_DEADLINE_MS,
        attemptTimeoutMs: e.IDBRIDGE_POSTBACK_TIMEOUT_MS,
        baseDelayMs: e.IDBRIDGE_POSTBACK_BASE_DELAY_MS,
        maxDelayMs: e.IDBRIDGE_POSTBACK_MAX_DELAY_MS,
      },
      manualRetries: e.IDBRIDGE_MANUAL_RETRIES,
      throttle: {
        accountFreeFailures: e.IDBRIDGE_THROTTLE_ACCOUNT_FAILURES,
        ipFreeFailures: e.IDBRIDGE_THROTTLE_IP_FAILURES,
        baseLockSeconds: e.IDBRIDGE_THROTTLE_BASE_SECONDS,
        maxLockSeconds: e.IDBRIDGE_THROTTLE_MAX_SECONDS,
        windowSeconds: e.IDBRIDGE_THROTTLE_WINDOW_SECONDS,
        ipConcurrency: e.IDBRIDGE_LOGIN_CONCURRENCY_PER_IP,
        ipQueue: e.IDBRIDGE_LOGIN_QUEUE_PER_IP,
        queueWaitMs: e.IDBRIDGE_LOGIN_QUEUE_WAIT_MS,
        lockedIpDelayMs: e.IDBRIDGE_THROTTLE_LOCKED_IP_DELAY_MS,
      },
    },
    identity: {
      verifyUrl,
      requestTtlSeconds: e.IDBRIDGE_AUTH_REQUEST_TTL,
      associationTtlSeconds: e.IDBRIDGE_ASSOCIATION_TTL,
      demo,
      oidc: {
        codeTtlSeconds: e.IDBRIDGE_CODE_TTL,
        idTokenTtlSeconds: e.IDBRIDGE_ID_TOKEN_TTL,
        accessTokenTtlSeconds: e.IDBRIDGE_ACCESS_TOKEN_TTL,
        refreshTokenTtlSeconds: e.IDBRIDGE_REFRESH_TOKEN_TTL,
        sessionTtlSeconds: e.IDBRIDGE_SESSION_TTL,
      },
      adminToken: e.IDBRIDGE_ADMIN_TOKEN,
      bridgeLogoutUrl: e.IDBRIDGE_BRIDGE_LOGOUT_URL ?? new URL('/signout', verifyUrl).toString(),
      janrainCompatible: e.IDBRIDGE_AW_JANRAIN_COMPATIBLE,
    },
    passwordHash,
    logLevel: e.IDBRIDGE_LOG_LEVEL,
    siteName: e.IDBRIDGE_SITE_NAME,
    directory: document.directory,
    profile: document.profile,
    registration: {
      enabled: e.IDBRIDGE_REGISTRATION,
      verification: e.IDBRIDGE_EMAIL_VERIFICATION,
      verificationTtlSeconds: e.IDBRIDGE_VERIFICATION_TTL,
      resetTtlSeconds: e.IDBRIDGE_RESET_TTL,
      passwordMinLength: e.IDBRIDGE_PASSWORD_MIN_LENGTH,
      resendCooldownSeconds: e.IDBRIDGE_RESEND_COOLDOWN_SECONDS,
      signupsPerIpPerHour: e.IDBRIDGE_SIGNUPS_PER_IP,
      resetsPerAddressPerHour: e.IDBRIDGE_RESETS_PER_ADDRESS,
      resetsPerIpPerHour: e.IDBRIDGE_RESETS_PER_IP,
      siteResetUrl: e.IDBRIDGE_SITE_RESET_URL,
    },
    connectors: document.connectors,
    shutdownGraceSeconds: e.IDBRIDGE_SHUTDOWN_GRACE_SECONDS,
    warnings,
    theme: document.theme,
    languages: document.languages,
    mail,
  };
}

/**
 * The mail transport from the env vars: SMTP when IDBRIDGE_SMTP_URL is set, else the HTTP mail API
 * when IDBRIDGE_MAIL_API_URL is, else the development outbox (never in production).
 */
function mailConfig(e: z.output<typeof envSchema>, environment: Config['environment'], doc: MailDocumentConfig, problems: string[]): MailConfig {
  if (e.IDBRIDGE_SMTP_URL && e.IDBRIDGE_MAIL_API_URL) problems.push('IDBRIDGE_MAIL_API_URL: set either IDBRIDGE_SMTP_URL or IDBRIDGE_MAIL_API_URL, not both');
  const transport = e.IDBRIDGE_SMTP_URL ? 'smtp' : e.IDBRIDGE_MAIL_API_URL ? 'http' : environment === 'production' ? 'none' : 'outbox';
  if ((transport === 'smtp' || transport === 'http') && !e.IDBRIDGE_MAIL_FROM) {
    problems.push(`IDBRIDGE_MAIL_FROM: required when ${transport === 'smtp' ? 'IDBRIDGE_SMTP_URL' : 'IDBRIDGE_MAIL_API_URL'} is set (the From address, e.g. "Acme <no-reply@acme.example>")`);
  }
  let smtpAllowPlain = false;
  if (e.IDBRIDGE_SMTP_URL) {
    const host = hostOf(e.IDBRIDGE_SMTP_URL);
    // Why: the mails carry sign-in links (bearer secrets). Plain SMTP only to this machine, and
    // only outside production; everywhere else STARTTLS is required and the certificate verified.
    smtpAllowPlain = environment !== 'production' && host !== undefined && isLoopbackHost(host);
  }
  if (transport === 'http') {
    const apiProblem = checkOutgoingUrl(e.IDBRIDGE_MAIL_API_URL!);
    if (apiProblem) problems.push(`IDBRIDGE_MAIL_API_URL: ${apiProblem}`);
    if (!e.IDBRIDGE_MAIL_API_KEY) problems.push('IDBRIDGE_MAIL_API_KEY: required when IDBRIDGE_MAIL_API_URL is set (the bearer key of the mail API)');
  }
  return {
    transport,
    from: e.IDBRIDGE_MAIL_FROM ?? 'idbridge <idbridge@localhost>',
    smtpUrl: e.IDBRIDGE_SMTP_URL,
    smtpAllowPlain,
    apiUrl: e.IDBRIDGE_MAIL_API_URL,
    apiKey: e.IDBRIDGE_MAIL_API_KEY,
    templatesDir: doc.templates,
    smtp: doc.smtp,
    http: doc.http,
  };
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url.replace(/^smtps?:/, 'http:')).hostname;
  } catch {
    return undefined;
  }
}

import { z } from 'zod';
import { applyPreset } from '../users/presets/index.js';
import { CONNECTOR_SECRET_PATH, connectorsSchema } from './connectors.js';
import { EXTENDED_FIELDS, SREG_FIELDS } from '../users/profile.js';
import { profileSectionSchema } from './profile-section.js';

const ATTRIBUTE_NAMES = [...SREG_FIELDS, ...EXTENDED_FIELDS] as const;

/**
 * The structured configuration document (`idbridge.config.yaml` / `.json`, or `IDBRIDGE_CONFIG`):
 * the nested settings that do not fit environment variables. One zod schema validates it; every
 * problem is reported once with its path (`directory.columns.email: required`).
 *
 * Secrets stay out of the file: any string may say `${ENV_NAME}` (see {@link substituteEnv}), and
 * the settings that are secrets refuse a literal value.
 */

/** A SQL identifier an operator may map: `table`, `schema.table`, `column`. Quoted when used. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;
const identifier = z
  .string({ error: (i) => (i.input === undefined ? 'required' : 'must be a string') })
  .regex(IDENTIFIER, 'must be a SQL identifier (letters, digits, "_", "$"; "schema.table" allowed)');

const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const positiveInt = (min: number, max: number, fallback: number) => wholeNumber(min, max).default(fallback);

/** Columns of the site's user table (or view). Only `id` and `passwordHash` are always needed. */
const columnsSchema = z.strictObject({
  /** The site's immutable, never-reused key for a user (a primary key, not the email). */
  id: identifier,
  email: identifier.optional(),
  username: identifier.optional(),
  passwordHash: identifier,
  /** Truthy (non-zero, true, 'yes', non-empty, a timestamp that is set) means the user may not sign in. */
  blocked: identifier.optional(),
  /** The inverse flag: falsy (0, false, NULL) means blocked (Django's `is_active`). */
  active: identifier.optional(),
  emailVerified: identifier.optional(),
  /** Profile attributes released to relying parties: attribute name → column. */
  attributes: z.partialRecord(z.enum(ATTRIBUTE_NAMES), identifier).default({}),
});

/** Named parameters a lookup query must use; user input only ever travels bound, never spliced. */
const query = (params: string[]) =>
  z
    .string()
    .min(1, 'required')
    .max(4000, 'must be at most 4000 characters')
    .superRefine((sql, ctx) => {
      const used = new Set([...sql.matchAll(/(?<![:\w]):([A-Za-z_]\w*)/g)].map((m) => m[1]!));
      for (const name of used) {
        if (!params.includes(name)) ctx.addIssue({ code: 'custom', message: `unknown parameter :${name} (allowed: ${params.map((p) => `:${p}`).join(', ')})` });
      }
      for (const name of params) if (!used.has(name)) ctx.addIssue({ code: 'custom', message: `must use the parameter :${name}` });
      if (/;\s*\S/.test(sql)) ctx.addIssue({ code: 'custom', message: 'must be a single statement' });
    });

const modeSchema = z.enum(['federated', 'migrate']).default('federated');

/**
 * The directory's stable name in idbridge's identity links (`directory_links`): the user ids
 * relying parties see are tied to (name, the site's key), so changing it gives everyone a new id.
 */
const nameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be 1-32 lower-case letters, digits, "_" or "-", starting with a letter')
  .default('site');

const sqlDirectorySchema = z
  .strictObject({
    kind: z.literal('sql'),
    name: nameSchema,
    /** A layout idbridge knows (table, columns, hash formats); any key below still overrides it. */
    preset: z.enum(['wordpress', 'django', 'laravel', 'devise']).optional(),
    /** `postgres://…`, `mysql://…` / `mariadb://…`, or `sqlite:/path/to/file.sqlite`. */
    url: z
      .string()
      .min(1, 'required')
      .refine((v) => /^(postgres|postgresql|mysql|mariadb):\/\/|^sqlite:/.test(v), 'must start with postgres://, mysql://, mariadb:// or sqlite:'),
    /** federated: the site's database stays the source of truth; migrate: users move on first sign-in. */
    mode: modeSchema,
    /** Allow rewriting a hash in the site's own format (a cost bump) in federated mode. */
    writeBack: z.boolean().default(false),
    table: identifier.optional(),
    columns: columnsSchema.optional(),
    /** How the site compares logins: most compare case-insensitively. */
    loginCase: z.enum(['insensitive', 'sensitive']).default('insensitive'),
    /**
     * Lookups written by the operator, for schemas a column map cannot describe. Each returns one
     * row with columns named like the `columns` keys (`id`, `email`, `password_hash`, …).
     */
    queries: z
      .strictObject({
        byLogin: query(['login']),
        byId: query(['id']),
        byEmail: query(['email']).optional(),
      })
      .optional(),
    pool: z
      .strictObject({
        max: positiveInt(1, 100, 5),
        connectTimeoutMs: positiveInt(100, 60_000, 5_000),
        queryTimeoutMs: positiveInt(100, 60_000, 5_000),
      })
      .default({ max: 5, connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 }),
    /**
     * Devise's `config.pepper` (appended to the password before bcrypt); a secret, so it must come
     * from the environment (`${NAME}`). See docs/password-hashes.md.
     */
    pepper: z.string().min(1, 'must not be empty').optional(),
    /** Raise site hashes below these costs on write-back (no default: see docs/password-hashes.md). */
    upgrade: z
      .strictObject({ bcryptCost: wholeNumber(4, 15).optional(), pbkdf2Iterations: wholeNumber(1_000, 10_000_000).optional() })
      .optional(),
    /** Salted MD5/SHA hashes (weak, legacy): how salt and password were joined, e.g. `{salt}{password}`. */
    saltedHash: z
      .strictObject({
        algorithm: z.enum(['md5', 'sha1', 'sha256']),
        template: z.string().refine((t) => t.includes('{password}'), 'must contain {password}'),
        saltColumn: identifier.optional(),
        encoding: z.enum(['hex', 'base64']).default('hex'),
      })
      .optional(),
  })
  .superRefine((d, ctx) => {
    // A preset was merged in before validation (see applyPreset), so these hold for it too.
    if (!d.queries) {
      if (!d.table) ctx.addIssue({ code: 'custom', path: ['table'], message: 'required (or give queries, or a preset)' });
      if (!d.columns) ctx.addIssue({ code: 'custom', path: ['columns'], message: 'required (or give queries, or a preset)' });
      else if (!d.columns.email && !d.columns.username) {
        ctx.addIssue({ code: 'custom', path: ['columns', 'email'], message: 'required (a login column: email and/or username)' });
      }
    }
    if (d.writeBack) {
      // migrate rehashes into idbridge's own table; the site's is never written then.
      if (d.mode === 'migrate') ctx.addIssue({ code: 'custom', path: ['writeBack'], message: 'true is only allowed with mode: federated (mode: migrate moves hashes into idbridge, not back into the site)' });
      // Without targets nothing is ever below them: write-back would silently do nothing.
      if (!d.upgrade?.bcryptCost && !d.upgrade?.pbkdf2Iterations) ctx.addIssue({ code: 'custom', path: ['writeBack'], message: 'true needs directory.upgrade (bcryptCost and/or pbkdf2Iterations): nothing would ever be upgraded' });
      // The UPDATE is built from the column map; an operator query cannot say which column to write.
      if (d.queries) ctx.addIssue({ code: 'custom', path: ['writeBack'], message: 'true needs a column map (table + columns), not directory.queries: idbridge cannot derive the UPDATE from a query' });
    }
  });

const httpDirectorySchema = z.strictObject({
  kind: z.literal('http'),
  name: nameSchema,
  /** Base URL of the site's implementation of the directory contract (docs/directory-http.md). */
  url: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }),
  /** Shared HMAC secret; a secret, so it must come from the environment (`${NAME}`). */
  secret: z.string().min(32, 'must be at least 32 characters'),
  mode: modeSchema,
  timeoutMs: positiveInt(100, 60_000, 3_000),
  /** Retries of idempotent lookups (never of a credential check). */
  retries: positiveInt(0, 5, 2),
  /** Get-by-id cache (it runs on every session reuse). */
  cacheSeconds: positiveInt(0, 3_600, 30),
  breaker: z
    .strictObject({ failures: positiveInt(1, 1_000, 5), resetSeconds: positiveInt(1, 3_600, 30) })
    .default({ failures: 5, resetSeconds: 30 }),
});

export const directorySchema = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('builtin') }), sqlDirectorySchema, httpDirectorySchema], {
  error: () => 'kind: must be builtin, sql or http',
});

/** A colour the theme may set: hex only, so that nothing but a colour reaches the stylesheet. */
const colour = z.string().regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour (#1f4e8c or #fff)');

/**
 * An image or stylesheet the pages link to: an https URL (added to the CSP's allowed sources), or
 * a path on this server (`/static/acme.svg`). Plain http only to loopback (development).
 */
const assetReference = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => {
    if (/^\/(?!\/)[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(v)) return true;
    try {
      const u = new URL(v);
      return u.protocol === 'https:' || (u.protocol === 'http:' && /^(localhost|127\.0\.0\.1|\[::1\])$/.test(u.hostname));
    } catch {
      return false;
    }
  }, 'must be an https URL or a path on this server starting with / (e.g. /static/logo.svg)');

/** The page colours (CSS custom properties in /theme.css); defaults meet WCAG 2.2 AA contrast. */
export const THEME_COLOURS = ['brand', 'brandDark', 'onBrand', 'background', 'surface', 'text', 'muted', 'border', 'focus', 'danger', 'dangerBackground'] as const;

/** `theme:` brand and look of every page (docs/theme.md). */
export const themeSchema = z
  .strictObject({
    /** The name on pages and in mails (default: IDBRIDGE_SITE_NAME). */
    productName: z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters').optional(),
    logo: assetReference.optional(),
    /** Alternative text of the logo (default: "<productName> logo"). */
    logoAlt: z.string().max(120, 'must be at most 120 characters').optional(),
    favicon: assetReference.optional(),
    colors: z.partialRecord(z.enum(THEME_COLOURS), colour).default({}),
    /**
     * Extra stylesheet: an https URL or a /path (linked), or a file (read at start on Node and
     * served as /theme.css). CSS cannot run scripts; the CSP still forbids scripts and foreign images.
     */
    customCss: z
      .union([assetReference, z.strictObject({ file: z.string().min(1, 'required') })], { error: 'must be an https URL, a /path, or { file: path }' })
      .optional(),
  })
  .default({ colors: {} });

/** A language tag (BCP 47, as used in ui_locales and Accept-Language). */
const languageTag = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag (en, de, pt-BR)');

/** `languages:` which language pages and mails use (docs/languages.md). */
export const languagesSchema = z
  .strictObject({
    /** When neither ui_locales nor Accept-Language names an available language. */
    default: languageTag.default('en'),
    /** Directory of operator message files (`fr.json`, or `de.json` overriding built-in messages). Node only. */
    directory: z.string().min(1, 'must not be empty').optional(),
  })
  .default({ default: 'en' });

/** `mail:` the nested mail settings; the simple ones are env vars (IDBRIDGE_SMTP_URL, IDBRIDGE_MAIL_FROM, …). */
export const mailSchema = z
  .strictObject({
    /** Directory of template overrides (`reset-password.de.html`, `reset-password.de.txt`). Node only. */
    templates: z.string().min(1, 'must not be empty').optional(),
    smtp: z
      .strictObject({
        /** Pooled connections kept open to the SMTP server. */
        maxConnections: positiveInt(1, 50, 3),
        connectionTimeoutMs: positiveInt(100, 120_000, 10_000),
        greetingTimeoutMs: positiveInt(100, 120_000, 10_000),
        socketTimeoutMs: positiveInt(100, 600_000, 30_000),
      })
      .default({ maxConnections: 3, connectionTimeoutMs: 10_000, greetingTimeoutMs: 10_000, socketTimeoutMs: 30_000 }),
    http: z.strictObject({ timeoutMs: positiveInt(100, 120_000, 10_000) }).default({ timeoutMs: 10_000 }),
  })
  .default({
    smtp: { maxConnections: 3, connectionTimeoutMs: 10_000, greetingTimeoutMs: 10_000, socketTimeoutMs: 30_000 },
    http: { timeoutMs: 10_000 },
  });

export const configDocumentSchema = z.strictObject({
  directory: directorySchema.default({ kind: 'builtin' }),
  /** Profile fields, validation, completion and release of custom fields (config/profile-section.ts). */
  profile: profileSectionSchema.optional(),
  theme: themeSchema,
  languages: languagesSchema,
  mail: mailSchema,
  connectors: connectorsSchema.default([]),
});

export type ConfigDocument = z.output<typeof configDocumentSchema>;
export type DirectoryConfig = ConfigDocument['directory'];
export type SqlDirectoryConfig = Extract<DirectoryConfig, { kind: 'sql' }>;
export type HttpDirectoryConfig = Extract<DirectoryConfig, { kind: 'http' }>;
export type ThemeConfig = ConfigDocument['theme'];
export type LanguagesConfig = ConfigDocument['languages'];
export type MailDocumentConfig = ConfigDocument['mail'];

/** Settings that are secrets: a literal value in the file is refused. */
const SECRET_PATHS: Array<{ path: string; test?: (value: string) => boolean; why: string }> = [
  { path: 'directory.secret', why: 'a secret' },
  { path: 'directory.pepper', why: 'a secret' },
  // A connection URL is secret only when it carries a password.
  { path: 'directory.url', test: (v) => /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(v), why: 'a URL with a password' },
];
const isSecretPath = (path: string) => SECRET_PATHS.some((s) => s.path === path) || CONNECTOR_SECRET_PATH.test(path);

export interface DocumentSource {
  /** Where the document came from, for messages (`idbridge.config.yaml`, `IDBRIDGE_CONFIG binding`). */
  name: string;
  /** The parsed document (YAML or JSON), before `${…}` substitution. */
  data: unknown;
}

/**
 * Validate a parsed configuration document: `${NAME}` substitution from `env`, secrets refused as
 * literals, then the schema. Returns the document, or one problem per bad value, each with its
 * path (`directory.columns.email: required`).
 */
export function parseConfigDocument(source: DocumentSource | undefined, env: Record<string, string | undefined>): { document: ConfigDocument; problems: string[] } {
  const problems: string[] = [];
  const fallback = configDocumentSchema.parse({});
  if (!source) return { document: fallback, problems };
  if (source.data === null || source.data === undefined) return { document: fallback, problems }; // an empty file
  if (typeof source.data !== 'object' || Array.isArray(source.data)) {
    return { document: fallback, problems: [`${source.name}: must be a mapping of settings (directory: …)`] };
  }
  const literalSecrets = new Set<string>();
  const substituted = withPreset(substituteEnv(source.data, env, [], problems, literalSecrets));
  for (const secret of SECRET_PATHS) {
    const value = literalSecrets.has(secret.path) ? valueAt(substituted, secret.path) : undefined;
    if (typeof value === 'string' && (!secret.test || secret.test(value))) {
      problems.push(`${secret.path}: is ${secret.why}; do not write it in ${source.name}, write \${NAME} and set the environment variable NAME`);
    }
  }
  for (const path of literalSecrets) {
    if (CONNECTOR_SECRET_PATH.test(path)) problems.push(`${path}: is a secret; do not write it in ${source.name}, write \${NAME} and set the environment variable NAME`);
  }
  const result = configDocumentSchema.safeParse(substituted, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(describeIssue(issue));
  }
  return { document: result.success && problems.length === 0 ? result.data : fallback, problems };
}

/** The document with `directory.preset` filled in under the operator's own keys (before validation). */
function withPreset(document: unknown): unknown {
  if (!document || typeof document !== 'object' || !Object.hasOwn(document, 'directory')) return document;
  const d = document as Record<string, unknown>;
  return Object.assign(Object.create(null), d, { directory: applyPreset(d['directory']) });
}

/** `path: what is wrong`, with the bad value quoted unless the setting is a secret. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${path ? `${path}.` : ''}${k}: unknown setting`).join('\n');
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${path}: required`;
  const message =
    issue.code === 'invalid_value'
      ? `must be one of ${issue.values.map(String).join(', ')}`
      : issue.code === 'invalid_type' && !/^must /.test(issue.message)
        ? `must be a ${issue.expected}`
        : issue.message;
  const secret = isSecretPath(path);
  const shown = secret || issue.input === undefined || typeof issue.input === 'object' ? '' : `${JSON.stringify(issue.input).slice(0, 80)}: `;
  return `${path || '(document)'}: ${shown}${message}`;
}

/**
 * Replace `${NAME}` in every string with `env[NAME]` (`$${` writes a literal `${`). An unset or
 * empty variable is a problem naming it. Records which paths held only literal text, so secret
 * settings can insist on coming from the environment.
 */
export function substituteEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  path: string[],
  problems: string[],
  literal: Set<string>,
): unknown {
  if (typeof value === 'string') {
    let fromEnv = false;
    const out = value.replace(/\$\$\{|\$\{([^}]*)\}/g, (match, name: string | undefined) => {
      if (match === '$${') return '${';
      fromEnv = true;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name ?? '')) {
        problems.push(`${path.join('.')}: \${${name}} is not a valid environment variable name`);
        return '';
      }
      const v = env[name!];
      if (v === undefined || v === '') problems.push(`${path.join('.')}: the environment variable ${name} is not set`);
      return v ?? '';
    });
    if (!fromEnv) literal.add(path.join('.'));
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, String(i)], problems, literal));
  if (value && typeof value === 'object') {
    // A null-prototype copy: keys come from an operator's file, and `__proto__` must stay a key.
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, [...path, k], problems, literal);
    return out;
  }
  return value;
}

function valueAt(data: unknown, path: string): unknown {
  let at: unknown = data;
  for (const key of path.split('.')) {
    if (!at || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * Which folder of src/ may import which (docs: ../shared/architecture.md, "Layers"), checked by
 * test/architecture.test.ts on every import.
 *
 * Arrows point inward: entry → app → http / demo → views, bridge, provider → protocol; storage
 * implements the ports that bridge, provider and users declare (a port belongs to the layer that
 * uses it); protocol is pure (its own modules, the portable byte helpers in util/ and the one
 * error family, errors.ts); only entry/ imports runtime-specific packages, so everything else also
 * runs on Cloudflare Workers.
 */
import { builtinModules } from 'node:module';
import type { LayerRules } from './layers.js';

/** A layer's ports file(s), the only part of it storage may see: `bridge/ports`, `provider/oidc/ports`. */
const ports = (layer: string) => new RegExp(`^${layer}/(.+/)?ports$`);

/** The root modules every layer may use: configuration, time, logging, the error family. */
const KERNEL = ['config', 'clock', 'log', 'errors'];

/** Who may import whom: importing layer → allowed layers (or module patterns) and packages. */
export const LAYERS: LayerRules = {
  rules: {
    // Composition roots.
    entry: 'any',
    app: { layers: ['app', 'http', 'api', 'demo', 'views', 'bridge', 'provider', 'protocol', 'storage', 'users', 'identity', 'connectors', 'import', 'mail', 'i18n', 'util', ...KERNEL], packages: ['hono'] },
    // Outer ring: HTTP and pages.
    http: { layers: ['http', 'views', 'bridge', 'provider', 'protocol', 'users', 'identity', 'connectors', 'mail', 'i18n', 'util', ...KERNEL], packages: ['hono', 'iron-session', 'zod'] },
    // Round 2 (../shared/architecture.md): the Users REST API, SCIM, API tokens and webhooks. Its
    // routes are OpenAPI definitions, so this layer may use Hono like http/.
    api: { layers: ['api', 'http', 'users', 'identity', 'import', 'mail', 'i18n', 'util', ...KERNEL], packages: ['hono', '@hono/zod-openapi', 'zod', 'libphonenumber-js'] },
    // Sign-up, verification, reset, profile completion, account: flows over ports (mailer, tokens).
    identity: { layers: ['identity', 'users', 'mail', 'i18n', 'protocol', 'util', ...KERNEL], packages: ['zod'] },
    // Upstream OIDC / OAuth 2.0 at the bridge, and the linking policies.
    connectors: { layers: ['connectors', 'identity', 'users', 'mail', 'i18n', 'protocol', 'util', ...KERNEL], packages: ['zod', 'openid-client', 'oauth4webapi', 'jose'] },
    // Streaming CSV/JSONL import and export, shared by the CLI and API jobs.
    import: { layers: ['import', 'users', 'util', ...KERNEL], packages: ['zod'] },
    // The mail ports and templates; transports that need runtime packages (nodemailer) live in entry/.
    mail: { layers: ['mail', 'i18n', 'util', ...KERNEL], packages: ['zod'] },
    // Message catalogues and locale negotiation.
    i18n: { layers: ['i18n', 'util', 'config', 'errors'], packages: [] },
    demo: { layers: ['demo', 'http', 'views', 'bridge', 'provider', 'protocol', 'users', 'util', ...KERNEL], packages: ['hono'] },
    views: { layers: ['views', 'bridge', 'provider', 'protocol', 'users', 'identity', 'connectors', 'i18n', 'util', 'config', 'errors'], packages: ['hono'] },
    // The two halves of a sign-in, which never import each other (they may run in different deployments).
    // …and identity's profile completion (the bridge's sign-in asks for missing fields before the postback).
    bridge: { layers: ['bridge', 'users', 'identity', 'i18n', 'util', ...KERNEL], packages: ['zod'] },
    provider: { layers: ['provider', 'protocol', 'users', 'util', ...KERNEL], packages: ['jose', 'zod'] },
    users: { layers: ['users', 'protocol', 'util', ...KERNEL], packages: ['zod'] },
    // Adapters: storage implements ports; it sees their declarations and the data they carry.
    storage: { layers: ['storage', ports('bridge'), ports('provider'), ports('mail'), /^mail\/mailer$/, ports('identity'), ports('api'), ports('connectors'), ports('import'), 'users', 'protocol', 'util', 'clock', 'errors'], packages: ['drizzle-orm'] },
    // The pure core.
    protocol: { layers: ['protocol', 'util', 'errors'], packages: ['jose', '@noble/hashes'] },
    util: { layers: ['util', 'clock'], packages: ['@noble/hashes'] },
    // The config document maps site columns to attribute names: it may read that vocabulary, nothing else.
    // …and the presets, which are configuration data (table and column names per application).
    config: { layers: ['config', /^users\/profile$/, /^users\/presets\//, /^users\/user-events$/, /^connectors\/presets\//], packages: ['zod'] },
    clock: { layers: [], packages: [] },
    log: { layers: [], packages: [] },
    errors: { layers: [], packages: [] },
  },
  runtime: [
    /^node:/,
    new RegExp(`^(${builtinModules.filter((m) => !m.startsWith('_')).join('|')})(/|$)`),
    /^better-sqlite3$/,
    // Database drivers of the SQL directory (the shared code sees only the SqlClient port).
    /^pg(\/|$)/,
    /^mysql2(\/|$)/,
    /^undici(\/|$)/,
    /^@hono\/node-server(\/|$)/,
    /^drizzle-orm\/(better-sqlite3|d1|node-postgres|libsql)(\/|$)/,
    /^hono\/(cloudflare-workers|cloudflare-pages|bun|deno|aws-lambda|lambda-edge|vercel|netlify|service-worker)(\/|$)/,
    /^@cloudflare\//,
  ],
  runtimeLayers: ['entry'],
};


/**
 * Cloudflare Workers entry: the same app factory as Node, on D1 (drizzle-orm/d1), the global
 * fetch, pure-JS scrypt and Workers Static Assets. Settings come from bindings (vars and secrets).
 * The cron trigger in wrangler.toml runs the housekeeping (`scheduled`).
 */
import type { D1Database, ExecutionContext, Fetcher, ScheduledController } from '@cloudflare/workers-types';
import { drizzle } from 'drizzle-orm/d1';
import type { Hono } from 'hono';
import { createApp, type AppServices } from '../../app.js';
import { ConfigError, loadConfig, type Config } from '../../config.js';
import type { SiteUserSource } from '../../users/site-source.js';
import { createHttpSiteSource } from '../../users/http/http-site-source.js';
import { systemClock } from '../../clock.js';
import { jsonLogger } from '../../log.js';
import type { DocumentSource } from '../../config/document.js';
import type { AppEnv } from '../../http/context.js';
import type { Database } from '../../storage/database.js';
import * as schema from '../../storage/schema.js';
import { rpFetchLimits } from '../../provider/rp-discovery.js';
import { checkDeploymentSecret, rewrapSealedValues } from '../secret-rotation.js';
import { SettingsRepository } from '../../storage/settings-repository.js';
import { boundedFetch } from '../../util/bounded-fetch.js';
import { randomToken } from '../../util/bytes.js';
import { workerScrypt } from './scrypt.js';
import { workerHashPrimitives } from './hash-primitives.js';

export interface WorkerEnv {
  DB: D1Database;
  ASSETS?: Fetcher;
  [name: string]: unknown;
}

let instance: Promise<{ app: Hono<AppEnv>; services: AppServices }> | undefined;

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    try {
      const { app } = await (instance ??= build(env));
      return await app.fetch(request, env, ctx);
    } catch (error) {
      instance = undefined; // retry the build on the next request (e.g. after fixing a secret)
      const message = error instanceof ConfigError ? error.message : 'idbridge failed to start';
      console.error(JSON.stringify({ level: 'error', event: 'worker_start_failed', error: message }));
      return new Response('Service unavailable: idbridge is not configured correctly.\n', { status: 503 });
    }
  },

  /** Cron trigger: purge expired rows and send due webhooks (each logs its counts as one JSON line). */
  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    try {
      const { services } = await (instance ??= build(env));
      if (controller.cron === '*/10 * * * *') ctx.waitUntil(services.housekeeping.run());
      else ctx.waitUntil(services.webhookDelivery.run());
    } catch (error) {
      instance = undefined;
      const message = error instanceof ConfigError ? error.message : 'idbridge failed to start';
      console.error(JSON.stringify({ level: 'error', event: 'worker_start_failed', error: message }));
      throw error; // the cron run is reported as failed
    }
  },
};

/**
 * The configuration document on Workers (there is no file system): the `IDBRIDGE_CONFIG` var, as
 * a table in wrangler.toml's `[vars]` (wrangler passes it as a JSON object) or as a JSON string.
 * `${NAME}` in it refers to other vars and secrets.
 */
function configDocument(binding: unknown): DocumentSource | undefined {
  if (binding === undefined) return undefined;
  const name = 'the IDBRIDGE_CONFIG binding';
  if (typeof binding !== 'string') return { name, data: binding };
  try {
    return { name, data: JSON.parse(binding) };
  } catch (error) {
    throw new ConfigError([`${name}: not valid JSON (${(error as Error).message})`]);
  }
}

/**
 * The site's user database on Workers: only the HTTP contract (a Worker opens no TCP connection
 * to PostgreSQL or MySQL, and has no SQLite file). `sql` is refused at start-up, naming the setting.
 */
function openWorkerSiteSource(config: Config): SiteUserSource | undefined {
  const d = config.directory;
  if (d.kind === 'builtin') return undefined;
  if (d.kind === 'sql') {
    throw new ConfigError(['directory.kind: sql is not available on Cloudflare Workers (no database drivers there); use kind: http (the site answers the directory contract), or run idbridge on Node']);
  }
  return createHttpSiteSource(d, { fetch: (input, init) => fetch(input, init), clock: systemClock, logger: jsonLogger((line) => console.log(line), config.logLevel), random: Math.random });
}

async function build(env: WorkerEnv): Promise<{ app: Hono<AppEnv>; services: AppServices }> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (typeof value === 'string') vars[key] = value;
  const db = drizzle(env.DB as never, { schema }) as unknown as Database;
  const environment = vars['IDBRIDGE_ENV'] ?? 'development';
  let secret: string | undefined;
  if (!vars['IDBRIDGE_SECRET'] && environment !== 'production') {
    // Development only, like the Node entry's ./data/.secret: generated once, kept in D1.
    secret = await new SettingsRepository(db, vars['IDBRIDGE_TENANT'] ?? 'default').putIfAbsent('dev_secret', randomToken(384), Date.now());
  }
  const config = loadConfig(vars, { secret, document: configDocument(env['IDBRIDGE_CONFIG']) });
  // Before anything touches D1: a directory this runtime cannot serve is a configuration error.
  const siteSource = openWorkerSiteSource(config);
  // As on Node: a changed IDBRIDGE_SECRET is a configuration error (503 and one log line), not a
  // 500 on every request that needs a sealed key.
  const log = (level: string, event: string, detail: string) => console.log(JSON.stringify({ level, event, detail }));
  if ((await checkDeploymentSecret(config, db, Date.now())) === 'previous') {
    // No CLI reaches D1: the Worker re-seals by itself (compare-and-swap per value, so isolates
    // starting at once do not conflict).
    const report = await rewrapSealedValues(config, db, Date.now());
    log(report.unreadable.length ? 'error' : 'info', 'secret_rewrapped', `${report.rewrapped} re-sealed, ${report.unreadable.length} unreadable`);
  }
  for (const warning of config.warnings) log('warn', 'config_warning', warning);
  // Workers have no SMTP sockets or file system: mail goes through the HTTP mail API, and
  // template/language directories and a CSS file cannot be read.
  const unsupported = [
    config.mail.transport === 'smtp' ? 'IDBRIDGE_SMTP_URL: SMTP is not available on Workers; use IDBRIDGE_MAIL_API_URL (docs/mail.md)' : undefined,
    config.mail.templatesDir ? 'mail.templates: template directories need the Node entry (no file system on Workers)' : undefined,
    config.languages.directory ? 'languages.directory: language directories need the Node entry (no file system on Workers)' : undefined,
    config.theme.customCss && typeof config.theme.customCss === 'object' ? 'theme.customCss.file: use an https URL or a /path on Workers (no file system)' : undefined,
  ].filter((p): p is string => p !== undefined);
  if (unsupported.length > 0) throw new ConfigError(unsupported);
  return createApp({
    config,
    db,
    fetch: (input, init) => fetch(input, init),
    // Relying-party discovery: Cloudflare's network already refuses subrequests to private and
    // loopback addresses, so the shared limits (timeout, size, redirects, https, IP literals)
    // suffice. Not in the background: a request's I/O ends with it on Workers.
    rpFetch: { fetch: boundedFetch((input, init) => fetch(input, init), rpFetchLimits(config.environment)), background: false },
    scrypt: workerScrypt,
    hashPrimitives: workerHashPrimitives,
    siteSource,
    // Set by Cloudflare's edge (and by wrangler dev): the client's address.
    remoteAddress: (c) => c.req.header('cf-connecting-ip'),
    assets: env.ASSETS
      ? async (c) => {
          const url = new URL(c.req.url);
          url.pathname = url.pathname.replace(/^\/static/, '');
          const res = (await (env.ASSETS as Fetcher).fetch(url.toString())) as unknown as Response;
          // Asset responses have immutable headers; copy so the security-header middleware can add its own.
          return new Response(res.body, res);
        }
      : undefined,
  });
}

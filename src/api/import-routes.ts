/**
 * Bulk import as an API job (docs/import.md): upload a CSV or JSONL file, then follow the job
 * and read its error report.
 *
 *   POST /api/v1/users/imports?match=email&on_conflict=fail&events=true   body: the file
 *   GET  /api/v1/users/imports/{id}
 *   GET  /api/v1/users/imports/{id}/errors?after_line=0&limit=1000
 *
 * Authentication is the caller's middleware (the admin token today; API-token scopes later).
 * Where no job runner exists (Cloudflare Workers: no file system, requests are time-bounded)
 * every route answers 501.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { IdbridgeError, invalidRequest } from '../errors.js';
import { bodyLimit } from '../http/body-limit.js';
import type { AppEnv } from '../http/context.js';
import type { ImportFormat, ImportJob, ImportJobs, ImportOptions } from '../import/ports.js';

export const IMPORT_UPLOAD_PATH = '/api/v1/users/imports';

/**
 * The largest upload (1 GiB: a million users with hashes is about 150 MiB). The one body limit
 * of the app stays for every other route; this route alone counts against this one.
 */
export const MAX_IMPORT_UPLOAD_BYTES = 1024 * 1024 * 1024;

/** Is this the upload request (which the app's 64 KiB body limit must leave to this router)? */
export function isImportUpload(method: string, path: string): boolean {
  return method === 'POST' && (path === IMPORT_UPLOAD_PATH || path === `${IMPORT_UPLOAD_PATH}/`);
}

const CONTENT_TYPES: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'application/jsonlines': 'jsonl',
};

/** The job as the API shows it (times RFC 3339). */
export function importJobView(job: ImportJob) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: job.id,
    state: job.state,
    format: job.format,
    options: { match: job.options.match, on_conflict: job.options.onConflict, events: job.options.events },
    total_bytes: job.totalBytes,
    done_bytes: job.offset,
    line: job.line,
    inserted: job.inserted,
    updated: job.updated,
    skipped: job.skipped,
    rejected: job.rejected,
    error: job.error,
    create_time: iso(job.createTime),
    update_time: iso(job.updateTime),
    finish_time: iso(job.finishTime),
  };
}

/** The import routes; `jobs` absent: 501 on every route (after authentication). */
export function importRoutes(jobs: ImportJobs | undefined, auth: MiddlewareHandler<AppEnv>) {
  const app = new Hono<AppEnv>();
  app.use(IMPORT_UPLOAD_PATH, json, auth);
  app.use(`${IMPORT_UPLOAD_PATH}/*`, json, auth);
  const runner = () => {
    if (!jobs) {
      throw new IdbridgeError('server_error', 'Bulk import jobs run only in the Node server (idbridge serve); here, use `idbridge users import` on a Node host.', { status: 501 });
    }
    return jobs;
  };

  app.post(IMPORT_UPLOAD_PATH, bodyLimit(MAX_IMPORT_UPLOAD_BYTES), async (c) => {
    const runnerJobs = runner();
    const query = (name: string) => c.req.query(name);
    const options: ImportOptions = {
      match: oneOf(query('match'), ['email', 'external_id'] as const, 'match') ?? 'email',
      onConflict: oneOf(query('on_conflict'), ['skip', 'update', 'fail'] as const, 'on_conflict') ?? 'fail',
      events: (oneOf(query('events'), ['true', 'false'] as const, 'events') ?? 'true') === 'true',
    };
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const format = oneOf(query('format'), ['csv', 'jsonl'] as const, 'format') ?? CONTENT_TYPES[type];
    const body = c.req.raw.body;
    if (!body) throw invalidRequest('the request body is the file to import (CSV or JSON Lines)');
    const job = await runnerJobs.start({ body, format, options });
    c.header('location', `${IMPORT_UPLOAD_PATH}/${job.id}`);
    return c.json(importJobView(job), 202);
  });

  app.get(`${IMPORT_UPLOAD_PATH}/:id`, async (c) => {
    const job = await runner().find(c.req.param('id'));
    if (!job) throw new IdbridgeError('not_found', 'No such import.');
    return c.json(importJobView(job));
  });

  app.get(`${IMPORT_UPLOAD_PATH}/:id/errors`, async (c) => {
    const runnerJobs = runner();
    const afterLine = wholeNumber(c.req.query('after_line'), 0, 'after_line', Number.MAX_SAFE_INTEGER);
    const limit = wholeNumber(c.req.query('limit'), 1000, 'limit', 10_000);
    if (limit < 1) throw invalidRequest('limit: must be a whole number from 1 to 10000');
    const job = await runnerJobs.find(c.req.param('id'));
    if (!job) throw new IdbridgeError('not_found', 'No such import.');
    const errors = await runnerJobs.errors(job.id, afterLine, limit + 1);
    let page = errors.slice(0, limit);
    const more = errors.length > limit;
    // Pages end at a whole line (a row may have several field errors): `after_line` continues.
    if (more && errors[limit]!.line === page.at(-1)!.line) {
      const whole = page.filter((e) => e.line !== page.at(-1)!.line);
      if (whole.length > 0) page = whole;
    }
    return c.json({ id: job.id, state: job.state, rejected: job.rejected, errors: page, next_after_line: more ? page.at(-1)!.line : null });
  });
  return app;
}

const json: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('errorFormat', 'json');
  await next();
};

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw invalidRequest(`${name}: must be ${allowed.join(', ')}`);
  return value as T;
}

function wholeNumber(value: string | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,16}$/.test(value) || Number(value) > max) throw invalidRequest(`${name}: must be a whole number from 0 to ${max}`);
  return Number(value);
}

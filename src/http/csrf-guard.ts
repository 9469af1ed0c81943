import type { Context } from 'hono';
import { IdbridgeError } from '../errors.js';
import type { AppEnv } from './context.js';

/**
 * Refuse a form post unless it carries this browser's CSRF token. When the browser sends an
 * Origin header it must be our own origin too (defence in depth; old browsers omit it).
 */
export async function assertCsrf(c: Context<AppEnv>, token: string | undefined): Promise<void> {
  const { csrf, config } = c.get('http');
  const origin = c.req.header('origin');
  const originOk = origin === undefined || origin === new URL(config.publicUrl).origin;
  if (!originOk || !(await csrf.verify(c.get('browser').id, token))) {
    throw new IdbridgeError(
      'csrf_failed',
      'The form was not accepted because it did not come from this page. Please go back to the site you came from and start again.',
    );
  }
}

import type { MiddlewareHandler } from 'hono';
import { IdbridgeError } from '../errors.js';
import { timingSafeEqualStrings } from '../util/bytes.js';
import type { AppEnv } from './context.js';

/**
 * The admin bearer token (`IDBRIDGE_ADMIN_TOKEN`) as middleware, compared in constant time; no
 * token configured: the routes behind it answer 404 (not enabled). JSON errors.
 */
export function adminTokenAuth(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('errorFormat', 'json');
    if (!adminToken) throw new IdbridgeError('not_found', 'The admin API is not enabled.');
    const m = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '');
    if (!m || !(await timingSafeEqualStrings(m[1]!, adminToken))) {
      c.header('www-authenticate', 'Bearer');
      throw new IdbridgeError('unauthorized', 'A valid admin bearer token is required.');
    }
    await next();
  };
}

import { Hono } from 'hono';
import { receiveRevocation, type IdentityRevocation } from '../provider/user-revocation.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { AppEnv } from './context.js';
import { formParams } from './params.js';

/**
 * `POST /ows_revoke` at the identity service: a split deployment's bridge ends a user's OP
 * sessions, grants and tokens here after a password reset (bridge/user-revocation.ts). Server to
 * server, text answers like the PostBack URL.
 */
export function revocationRoutes(deps: { apiKey: () => Promise<string | null>; revocation: IdentityRevocation; clock: Clock; logger: Logger }) {
  const app = new Hono<AppEnv>();
  app.post(
    '/ows_revoke',
    async (c, next) => {
      c.set('errorFormat', 'text');
      await next();
    },
    async (c) => {
      await receiveRevocation(await formParams(c), deps);
      return c.text('OK', 200);
    },
  );
  return app;
}

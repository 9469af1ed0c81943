import { Hono } from 'hono';
import type { Logger } from '../log.js';
import type { AppEnv } from './context.js';

/**
 * Probes for process managers and load balancers. `/healthz` (liveness): the process answers
 * HTTP, nothing else is touched, so a slow database never gets a healthy process restarted.
 * `/readyz` (readiness): `probe` reads the database; 503 when it cannot, so traffic goes elsewhere.
 * Neither says why in the response (the log does): they are public.
 */
export function healthRoutes(probe: () => Promise<unknown>, logger: Logger) {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => {
    c.header('cache-control', 'no-store');
    return c.json({ status: 'ok' });
  });
  app.get('/readyz', async (c) => {
    c.header('cache-control', 'no-store');
    try {
      await probe();
      return c.json({ status: 'ready' });
    } catch (error) {
      logger.log('error', 'readiness_failed', { error: error instanceof Error ? error.message : String(error) });
      return c.json({ status: 'unavailable' }, 503);
    }
  });
  return app;
}

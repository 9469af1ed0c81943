/**
 * The baseline: a bare Hono "hello" route on @hono/node-server, served like idbridge (same Node,
 * same adapter, same core). Discovery and JWKS are compared against this. Environment: PORT.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/hello', (c) => c.text('Hello Hono!'));
const port = Number(process.env.PORT ?? 3200);
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => process.stdout.write(`hono hello on http://127.0.0.1:${port}\n`));
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

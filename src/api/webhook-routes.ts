import { Hono } from 'hono';
import { IdbridgeError, invalidRequest } from '../errors.js';
import { jsonBody } from '../http/params.js';
import { bearerAuth, requireScope, type ApiEnv } from './api-auth.js';
import type { ApiTokens } from './api-tokens.js';
import type { DeliveryView, WebhookEndpoint } from './webhooks/ports.js';
import type { WebhookAdmin } from './webhooks/webhook-admin.js';

const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The wire form of an endpoint (never the secret, which only the creation answer carries). */
export function endpointView(endpoint: WebhookEndpoint) {
  return { id: endpoint.id, url: endpoint.url, events: endpoint.events, create_time: time(endpoint.createdAt) };
}

export function deliveryView(d: DeliveryView) {
  return {
    event_id: d.eventId,
    type: d.type,
    user_id: d.userId,
    sequence: d.sequence,
    status: d.status,
    attempts: d.attempts,
    next_attempt_time: time(d.nextAttemptAt),
    last_status: d.lastStatus,
    last_error: d.lastError,
    create_time: time(d.createdAt),
    finish_time: time(d.finishedAt),
  };
}

/**
 * Webhook endpoint management, mounted at `/api/v1/webhooks`, behind the Users API's bearer
 * tokens: an API token with the scope `webhooks:admin`, or the admin token (every scope).
 */
export function webhookRoutes(admin: WebhookAdmin, auth: { tokens: ApiTokens; adminToken: string | undefined }) {
  const app = new Hono<ApiEnv>();
  app.use('*', async (c, next) => {
    c.set('errorFormat', 'json');
    c.header('cache-control', 'no-store');
    await next();
  });
  app.use('*', bearerAuth(auth), requireScope('webhooks:admin'));
  app.get('/', async (c) => c.json({ endpoints: (await admin.list()).map(endpointView) }));
  app.post('/', async (c) => {
    const body = await jsonBody(c);
    const unknown = Object.keys(body).filter((key) => key !== 'url' && key !== 'events');
    if (unknown.length > 0) throw invalidRequest(`${unknown.join(', ').slice(0, 200)}: unknown field (only url, events)`);
    const { endpoint, secret } = await admin.add({ url: body['url'], events: body['events'] });
    return c.json({ ...endpointView(endpoint), secret }, 201);
  });
  app.get('/:id', async (c) => c.json(endpointView(await admin.get(c.req.param('id')))));
  app.delete('/:id', async (c) => {
    await admin.remove(c.req.param('id'));
    return c.body(null, 204);
  });
  app.get('/:id/deliveries', async (c) => {
    const raw = c.req.query('limit');
    if (raw !== undefined && !/^\d{1,4}$/.test(raw)) throw invalidRequest('limit: a whole number from 1 to 1000');
    const deliveries = await admin.deliveries(c.req.param('id'), raw === undefined ? 50 : Number(raw));
    return c.json({ deliveries: deliveries.map(deliveryView) });
  });
  app.all('*', () => {
    throw new IdbridgeError('not_found', 'No such webhook route.');
  });
  return app;
}

import type { Clock } from '../../clock.js';
import { isLoopbackHost } from '../../config.js';
import { IdbridgeError, invalidRequest } from '../../errors.js';
import { USER_EVENT_TYPES, isUserEventType, type UserEventType } from '../../users/user-events.js';
import { randomToken } from '../../util/bytes.js';
import type { DeliveryView, WebhookEndpoint, WebhookStore } from './ports.js';

/**
 * Managing webhook endpoints (the CLI and `/api/v1/webhooks` share it): validation, the signing
 * secret (generated, sealed at rest, shown once), the delivery log.
 */
export class WebhookAdmin {
  constructor(
    private readonly deps: {
      store: WebhookStore;
      seal: (secret: string) => Promise<string>;
      clock: Clock;
      /** http is accepted only to loopback, and only outside production. */
      environment: 'development' | 'production' | 'test';
    },
  ) {}

  /** Add an endpoint; the returned `secret` is shown this once (only its sealed form is stored). */
  async add(input: { url: unknown; events: unknown }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const url = checkEndpointUrl(input.url, this.deps.environment);
    const events = parseEvents(input.events);
    const secret = `whsec_${randomToken(256)}`;
    const endpoint: WebhookEndpoint = { id: `wh_${randomToken(96)}`, url, events, createdAt: this.deps.clock.now() };
    await this.deps.store.addEndpoint({ ...endpoint, sealedSecret: await this.deps.seal(secret) });
    return { endpoint, secret };
  }

  list(): Promise<WebhookEndpoint[]> {
    return this.deps.store.listEndpoints();
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.deps.store.findEndpoint(id);
    if (!endpoint) throw new IdbridgeError('not_found', 'No such webhook endpoint.');
    return endpoint;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.deps.store.removeEndpoint(id))) throw new IdbridgeError('not_found', 'No such webhook endpoint.');
  }

  /** The latest deliveries of an endpoint, newest first. */
  async deliveries(id: string, limit = 50): Promise<DeliveryView[]> {
    await this.get(id);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidRequest('limit: a whole number from 1 to 1000');
    return this.deps.store.deliveries(id, limit);
  }
}

/**
 * An endpoint URL: https; plain http only to a loopback host outside production (local
 * development). No credentials in the URL (they would end up in logs), no fragment.
 */
export function checkEndpointUrl(value: unknown, environment: 'development' | 'production' | 'test'): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidRequest('url: required, an https URL');
  if (value.length > 2048) throw invalidRequest('url: at most 2048 characters');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest('url: not a valid URL');
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:') {
    if (!loopback || environment === 'production') throw invalidRequest('url: must be https (http only to localhost, and not in production)');
  } else if (url.protocol !== 'https:') {
    throw invalidRequest('url: must be https');
  }
  if (url.username || url.password) throw invalidRequest('url: must not contain a user name or password');
  if (url.hash) throw invalidRequest('url: must not contain a fragment (#…)');
  return url.toString();
}

/** `user.created,user.updated` or an array of them; `*` means every type. */
export function parseEvents(value: unknown): UserEventType[] {
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (!list || list.length === 0) throw invalidRequest(`events: required, some of ${USER_EVENT_TYPES.join(', ')} (or *)`);
  const names = list.map((item) => (typeof item === 'string' ? item.trim() : ''));
  if (names.includes('*')) return [...USER_EVENT_TYPES];
  const unknown = names.filter((name) => !isUserEventType(name));
  if (unknown.length > 0 || names.length === 0) {
    throw invalidRequest(`events: unknown event type ${JSON.stringify(String(unknown[0] ?? '').slice(0, 40))}; allowed: ${USER_EVENT_TYPES.join(', ')} (or *)`);
  }
  return [...new Set(names as UserEventType[])];
}

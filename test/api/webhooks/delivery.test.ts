/**
 * Webhook delivery against a real loopback HTTP receiver that fails (500), hangs past the
 * timeout, refuses connections, then comes back; time between retries is an injected clock.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type AppServices } from '../../../src/app.js';
import { verifySignature } from '../../../src/api/webhooks/signature.js';
import { openDatabase, type NodeDatabase } from '../../../src/entry/node/database.js';
import { nodeFetch } from '../../../src/entry/node/fetch.js';
import { nodeScrypt } from '../../../src/entry/node/scrypt.js';
import { WebhookRepository } from '../../../src/storage/webhook-repository.js';
import { memoryLogger } from '../../../src/log.js';
import { TestClock } from '../../helpers/clock.js';
import { testConfig } from '../../helpers/config.js';
import { newUser } from '../../helpers/users.js';

type Mode = 'ok' | 'fail' | 'hang' | 'redirect';
interface Received {
  eventId: string;
  type: string;
  attempt: number;
  signed: boolean;
  body: { id: string; type: string; sequence: number; data: { user: Record<string, unknown> } };
}

/** A receiver on a loopback port that can be switched between behaviours, stopped and restarted on the same port. */
class Receiver {
  mode: Mode = 'ok';
  received: Received[] = [];
  secret = '';
  port = 0;
  private server: Server | undefined;
  constructor(private readonly clock: TestClock) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }
  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (this.mode === 'hang') return; // never answers: the sender's timeout decides
    if (this.mode === 'fail') return void res.writeHead(500).end('database down');
    if (this.mode === 'redirect') return void res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    const signed = await verifySignature(this.secret, req.headers['idbridge-signature'] as string, raw, this.clock.now());
    this.received.push({
      eventId: req.headers['idbridge-event-id'] as string,
      type: req.headers['idbridge-event-type'] as string,
      attempt: Number(req.headers['idbridge-delivery-attempt']),
      signed,
      body: JSON.parse(raw),
    });
    res.writeHead(204).end();
  }
}

describe('webhook delivery', () => {
  let database: NodeDatabase;
  let services: AppServices;
  let clock: TestClock;
  let receiver: Receiver;
  const MIN = 60_000;

  beforeEach(async () => {
    database = openDatabase(':memory:');
    clock = new TestClock();
    receiver = new Receiver(clock);
    await receiver.start();
    services = createServices({
      config: testConfig(),
      db: database.db,
      clock,
      logger: memoryLogger(),
      scrypt: nodeScrypt,
      fetch: nodeFetch(),
      random: () => 0.5,
      // Long enough for a loaded machine to answer; the hanging receiver still runs into it.
      webhookPolicy: { timeoutMs: 1500 },
    });
  });
  afterEach(async () => {
    await receiver.stop();
    database.close();
  });

  const deliveries = async (id: string) => services.webhooks.deliveries(id);

  it('a receiver down for an hour (500, timeouts, refused connections) loses nothing; order, signatures and ids hold', async () => {
    const { endpoint, secret } = await services.webhooks.add({ url: receiver.url, events: '*' });
    receiver.secret = secret;
    const store = services.userStore;
    const t0 = clock.now();
    await store.insert(newUser('alice', { createTime: t0 }));
    await store.insert(newUser('bob', { createTime: t0 }));

    // Outage phase 1: the receiver answers 500.
    receiver.mode = 'fail';
    expect(await services.webhookDelivery.run()).toMatchObject({ fanned_out: 2, delivered: 0, retrying: 2 });
    await store.recordLogin('alice', clock.now()); // queued behind alice's user.created
    // Phase 2: it hangs (each attempt is cut off by the timeout).
    receiver.mode = 'hang';
    clock.advance(2 * MIN);
    const hung = await services.webhookDelivery.run();
    expect(hung).toMatchObject({ fanned_out: 1, retrying: 2, delivered: 0 });
    // Phase 3: nothing listens (connection refused), for the rest of the hour.
    await receiver.stop();
    for (let minute = 0; minute < 60; minute += 5) {
      clock.advance(5 * MIN);
      const counts = await services.webhookDelivery.run();
      expect(counts.delivered).toBe(0);
      expect(counts.failed).toBe(0);
    }
    await store.recordLogin('bob', clock.now());
    // Back on the same port: everything arrives on the next due retries.
    receiver.mode = 'ok';
    await receiver.start();
    for (let i = 0; i < 5 && new Set(receiver.received.map((r) => r.eventId)).size < 4; i++) {
      clock.advance(60 * MIN);
      await services.webhookDelivery.run();
    }

    // At least once: a receiver deduplicates by event id (a slow answer may bring a repeat).
    expect(receiver.received.length).toBeGreaterThanOrEqual(4);
    const got = [...new Map(receiver.received.map((r) => [r.eventId, r])).values()];
    expect(got).toHaveLength(4);
    expect(got.map((r) => `${r.body.data.user['id']}:${r.type}`).sort()).toEqual(['alice:user.created', 'alice:user.login', 'bob:user.created', 'bob:user.login']);
    expect(got.every((r) => r.signed)).toBe(true);
    // Per user, in sequence order.
    for (const user of ['alice', 'bob']) {
      const mine = got.filter((r) => r.body.data.user['id'] === user);
      expect(mine.map((r) => [r.type, r.body.sequence])).toEqual([
        ['user.created', 1],
        ['user.login', 2],
      ]);
    }
    // Retried: the first events took several attempts; the header id is the body id.
    const created = got.find((r) => r.body.data.user['id'] === 'alice' && r.type === 'user.created')!;
    expect(created.attempt).toBeGreaterThan(3);
    expect(got.every((r) => r.eventId === r.body.id)).toBe(true);
    // The User resource (seed-002 shape) without secrets.
    expect(created.body.data.user).toMatchObject({ tenant: 'default', id: 'alice', customer: 'cust-alice', email: 'alice@example.com', email_verified: false, blocked: false, logins_count: '0' });
    expect(JSON.stringify(got)).not.toContain('secret-hash');

    // The delivery log: each attempt with its outcome, the same event id throughout, no secret.
    const log = await deliveries(endpoint.id);
    expect(log.every((d) => d.status === 'delivered')).toBe(true);
    const repo = new WebhookRepository(database.db, 'default');
    const history = await repo.attempts(endpoint.id, created.eventId);
    expect(history.length).toBe(created.attempt);
    expect(history[0]).toMatchObject({ status: 500, error: 'http_status', response: 'database down' });
    expect(history.some((a) => a.error === 'timeout')).toBe(true);
    expect(history.some((a) => a.error?.startsWith('connection_failed'))).toBe(true);
    expect(history.at(-1)).toMatchObject({ status: 204, error: null });
    expect(JSON.stringify(history)).not.toContain(secret);

    // Nothing is sent again once delivered.
    const before = receiver.received.length;
    clock.advance(100 * MIN);
    await services.webhookDelivery.run();
    expect(receiver.received).toHaveLength(before);
  }, 30_000);

  it('gives up after the retry window (failed, in the log) and then lets the user\'s next event through', async () => {
    const { endpoint, secret } = await services.webhooks.add({ url: receiver.url, events: ['user.created', 'user.login'] });
    receiver.secret = secret;
    await services.userStore.insert(newUser('carol', { createTime: clock.now() }));
    receiver.mode = 'redirect'; // not followed: a failed attempt
    for (let hour = 0; hour < 80; hour++) {
      // Queued behind user.created, which fails at 72 h (the window counts from each delivery's creation).
      if (hour === 70) await services.userStore.recordLogin('carol', clock.now());
      await services.webhookDelivery.run();
      clock.advance(60 * MIN);
    }
    const log = await deliveries(endpoint.id);
    const first = log.find((d) => d.sequence === 1)!;
    expect(first).toMatchObject({ status: 'failed', lastStatus: 302, lastError: 'redirect_not_followed' });
    expect(first.attempts).toBeGreaterThan(60);
    expect(first.attempts).toBeLessThan(90);
    expect(log.find((d) => d.sequence === 2)).toMatchObject({ status: 'pending' });
    receiver.mode = 'ok';
    clock.advance(60 * MIN);
    await services.webhookDelivery.run();
    expect(receiver.received.map((r) => r.type)).toEqual(['user.login']);
  }, 30_000);

  it('two workers never send the same attempt: a held lease is skipped', async () => {
    const { secret } = await services.webhooks.add({ url: receiver.url, events: '*' });
    receiver.secret = secret;
    await services.userStore.insert(newUser('dan', { createTime: clock.now() }));
    await services.userStore.insert(newUser('eve', { createTime: clock.now() }));
    const repo = new WebhookRepository(database.db, 'default');
    await repo.fanOut(clock.now(), 100);
    const a = await repo.claim({ now: clock.now(), owner: 'A', leaseUntil: clock.now() + 30_000, limit: 10 });
    const b = await repo.claim({ now: clock.now(), owner: 'B', leaseUntil: clock.now() + 30_000, limit: 10 });
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(0);
    // While A holds the leases, a full worker run sends nothing.
    expect(await services.webhookDelivery.run()).toMatchObject({ delivered: 0 });
    // A crashed: after the lease runs out, the next run delivers (at least once).
    clock.advance(31_000);
    expect(await services.webhookDelivery.run()).toMatchObject({ delivered: 2 });
    // A's late report cannot overwrite the state: its lease is gone.
    expect(await repo.finish(a[0]!, 'A', { startedAt: 0, durationMs: 1, status: 500, error: 'http_status', response: null }, { status: 'pending', nextAttemptAt: 0 })).toBe(false);
    expect(receiver.received).toHaveLength(2);
  });

  it('only subscribed types reach an endpoint, and only events after its creation', async () => {
    await services.userStore.insert(newUser('early', { createTime: clock.now() - 1000 }));
    clock.advance(1);
    const { secret } = await services.webhooks.add({ url: receiver.url, events: 'user.login' });
    receiver.secret = secret;
    await services.userStore.insert(newUser('frank', { createTime: clock.now() }));
    await services.userStore.recordLogin('frank', clock.now());
    await services.webhookDelivery.run();
    expect(receiver.received.map((r) => `${r.body.data.user['id']}:${r.type}`)).toEqual(['frank:user.login']);
    expect(receiver.received[0]!.body.data.user['logins_count']).toBe('1');
  });
});

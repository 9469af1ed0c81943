import { and, desc, eq, sql } from 'drizzle-orm';
import type { AttemptRecord, ClaimedDelivery, DeliveryView, WebhookEndpoint, WebhookStore } from '../api/webhooks/ports.js';
import { isUserEventType } from '../users/user-events.js';
import { atomicWrite } from './atomic-write.js';
import type { Database } from './database.js';
import { webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents } from './schema.js';

/** {@link WebhookStore} on the webhook tables. Every multi-statement change is one {@link atomicWrite}. */
export class WebhookRepository implements WebhookStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async addEndpoint(endpoint: WebhookEndpoint & { sealedSecret: string }): Promise<void> {
    await this.db.insert(webhookEndpoints).values({
      tenant: this.tenant,
      id: endpoint.id,
      url: endpoint.url,
      events: endpoint.events.join(','),
      secret: endpoint.sealedSecret,
      createdAt: endpoint.createdAt,
    });
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    const rows = await this.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.tenant, this.tenant)).orderBy(webhookEndpoints.createdAt, webhookEndpoints.id);
    return rows.map(toEndpoint);
  }

  async findEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const rows = await this.db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.tenant, this.tenant), eq(webhookEndpoints.id, id))).limit(1);
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async removeEndpoint(id: string): Promise<boolean> {
    const [, , removed] = await atomicWrite(this.db, [
      this.db.delete(webhookAttempts).where(and(eq(webhookAttempts.tenant, this.tenant), eq(webhookAttempts.endpointId, id))),
      this.db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.tenant, this.tenant), eq(webhookDeliveries.endpointId, id))),
      this.db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.tenant, this.tenant), eq(webhookEndpoints.id, id))),
    ]);
    return removed === 1;
  }

  async fanOut(now: number, limit: number): Promise<number> {
    // One transaction: the deliveries of the oldest unfanned events, then those events marked.
    // Endpoints added after an event do not receive it. Idempotent (primary key, `or ignore`), so
    // two workers fanning out at once create each delivery once.
    const batch = sql`select id from webhook_events where tenant = ${this.tenant} and fanned_out_at is null order by occurred_at, id limit ${limit}`;
    const [, marked] = await atomicWrite(this.db, [
      this.db
        .insert(webhookDeliveries)
        .select(
          sql`select e.tenant, ep.id, e.id, e.user_id, e.sequence, 'pending', 0, ${now}, null, null, null, null, ${now}, null
            from webhook_events e join webhook_endpoints ep on ep.tenant = e.tenant
            where e.tenant = ${this.tenant} and e.id in (${batch})
              and instr(',' || ep.events || ',', ',' || e.type || ',') > 0 and ep.created_at <= e.occurred_at`,
        )
        .onConflictDoNothing(),
      this.db
        .update(webhookEvents)
        .set({ fannedOutAt: now })
        .where(and(eq(webhookEvents.tenant, this.tenant), sql`${webhookEvents.id} in (${batch})`)),
    ]);
    return marked ?? 0;
  }

  async claim(options: { now: number; owner: string; leaseUntil: number; limit: number }): Promise<ClaimedDelivery[]> {
    const { now, owner, leaseUntil, limit } = options;
    // The single conditional UPDATE that makes a lease: a row is taken only while it is pending,
    // due, not leased (or its lease ran out), and the earliest pending one of its user for its
    // endpoint, so a later event waits until the earlier one is delivered or failed. SQLite runs
    // one statement at a time, so two workers can never both take the same row.
    const claimed = (await this.db.all(sql`
      update webhook_deliveries set lease_owner = ${owner}, lease_until = ${leaseUntil}, attempts = attempts + 1
      where rowid in (
        select d.rowid from webhook_deliveries d
        where d.tenant = ${this.tenant} and d.status = 'pending' and d.next_attempt_at <= ${now}
          and (d.lease_until is null or d.lease_until <= ${now})
          and not exists (
            select 1 from webhook_deliveries p
            where p.tenant = d.tenant and p.endpoint_id = d.endpoint_id and p.user_id = d.user_id
              and p.status = 'pending' and p.sequence < d.sequence)
        order by d.next_attempt_at, d.sequence
        limit ${limit})
      returning endpoint_id, event_id, attempts`)) as Array<{ endpoint_id: string; event_id: string; attempts: number }>;
    if (claimed.length === 0) return [];
    const rows = (await this.db.all(sql`
      select d.endpoint_id, ep.url, ep.secret, d.event_id, e.type, d.user_id, d.sequence, e.occurred_at, e.data, d.attempts, d.created_at
      from webhook_deliveries d
      join webhook_events e on e.tenant = d.tenant and e.id = d.event_id
      join webhook_endpoints ep on ep.tenant = d.tenant and ep.id = d.endpoint_id
      where d.tenant = ${this.tenant} and d.lease_owner = ${owner} and d.status = 'pending'`)) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      endpointId: String(r['endpoint_id']),
      url: String(r['url']),
      sealedSecret: String(r['secret']),
      eventId: String(r['event_id']),
      type: String(r['type']),
      userId: String(r['user_id']),
      sequence: Number(r['sequence']),
      occurredAt: Number(r['occurred_at']),
      data: String(r['data']),
      attempt: Number(r['attempts']),
      createdAt: Number(r['created_at']),
    }));
  }

  async finish(
    delivery: ClaimedDelivery,
    owner: string,
    attempt: AttemptRecord,
    next: { status: 'delivered' | 'failed'; at: number } | { status: 'pending'; nextAttemptAt: number },
  ): Promise<boolean> {
    const key = and(eq(webhookDeliveries.tenant, this.tenant), eq(webhookDeliveries.endpointId, delivery.endpointId), eq(webhookDeliveries.eventId, delivery.eventId));
    const [updated] = await atomicWrite(this.db, [
      this.db
        .update(webhookDeliveries)
        .set({
          status: next.status,
          leaseOwner: null,
          leaseUntil: null,
          lastStatus: attempt.status,
          lastError: attempt.error,
          ...(next.status === 'pending' ? { nextAttemptAt: next.nextAttemptAt } : { finishedAt: next.at }),
        })
        .where(and(key, eq(webhookDeliveries.leaseOwner, owner))),
      // The attempt happened whoever holds the lease now: it is logged either way.
      this.db
        .insert(webhookAttempts)
        .values({ tenant: this.tenant, endpointId: delivery.endpointId, eventId: delivery.eventId, attempt: delivery.attempt, ...attempt })
        .onConflictDoNothing(),
    ]);
    return updated === 1;
  }

  async deliveries(endpointId: string, limit: number): Promise<DeliveryView[]> {
    const rows = await this.db
      .select({ d: webhookDeliveries, type: webhookEvents.type })
      .from(webhookDeliveries)
      .leftJoin(webhookEvents, and(eq(webhookEvents.tenant, webhookDeliveries.tenant), eq(webhookEvents.id, webhookDeliveries.eventId)))
      .where(and(eq(webhookDeliveries.tenant, this.tenant), eq(webhookDeliveries.endpointId, endpointId)))
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.sequence))
      .limit(limit);
    return rows.map(({ d, type }) => ({
      eventId: d.eventId,
      type: type ?? 'unknown',
      userId: d.userId,
      sequence: d.sequence,
      status: d.status as DeliveryView['status'],
      attempts: d.attempts,
      nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      createdAt: d.createdAt,
      finishedAt: d.finishedAt,
    }));
  }

  async attempts(endpointId: string, eventId: string): Promise<Array<AttemptRecord & { attempt: number }>> {
    const rows = await this.db
      .select()
      .from(webhookAttempts)
      .where(and(eq(webhookAttempts.tenant, this.tenant), eq(webhookAttempts.endpointId, endpointId), eq(webhookAttempts.eventId, eventId)))
      .orderBy(webhookAttempts.attempt);
    return rows.map((r) => ({ attempt: r.attempt, startedAt: r.startedAt, durationMs: r.durationMs, status: r.status, error: r.error, response: r.response }));
  }

  async purge(before: number): Promise<number> {
    const t = this.tenant;
    const counts = await atomicWrite(this.db, [
      this.db.delete(webhookAttempts).where(
        and(
          eq(webhookAttempts.tenant, t),
          sql`exists (select 1 from webhook_deliveries d where d.tenant = ${webhookAttempts.tenant} and d.endpoint_id = ${webhookAttempts.endpointId}
            and d.event_id = ${webhookAttempts.eventId} and d.status <> 'pending' and d.finished_at < ${before})`,
        ),
      ),
      this.db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.tenant, t), sql`${webhookDeliveries.status} <> 'pending'`, sql`${webhookDeliveries.finishedAt} < ${before}`)),
      // Events nobody waits for any more. Each user's latest event stays (the next one's sequence
      // counts on from it), except after user.deleted: that user has no next event, and the
      // snapshot of a deleted account must not outlive the retention.
      this.db.delete(webhookEvents).where(
        and(
          eq(webhookEvents.tenant, t),
          sql`${webhookEvents.fannedOutAt} is not null`,
          sql`${webhookEvents.occurredAt} < ${before}`,
          sql`not exists (select 1 from webhook_deliveries d where d.tenant = ${webhookEvents.tenant} and d.event_id = ${webhookEvents.id})`,
          sql`(${webhookEvents.type} = 'user.deleted' or ${webhookEvents.sequence} < (select max(l.sequence) from webhook_events l where l.tenant = ${webhookEvents.tenant} and l.user_id = ${webhookEvents.userId}))`,
        ),
      ),
    ]);
    return counts.reduce((a, b) => a + b, 0);
  }
}

function toEndpoint(row: typeof webhookEndpoints.$inferSelect): WebhookEndpoint {
  return { id: row.id, url: row.url, events: row.events.split(',').filter(isUserEventType), createdAt: row.createdAt };
}

import { and, eq, inArray, isNotNull, lt, or, sql } from 'drizzle-orm';
import type { BridgeRequest, BridgeRequestStore, NewBridgeRequest } from '../bridge/ports.js';
import { isAttributeName } from '../users/profile.js';
import { once, type Database } from './database.js';
import { bridgeRequests } from './schema.js';

type Row = typeof bridgeRequests.$inferSelect;

/** {@link BridgeRequestStore} on `bridge_requests`; each transition is one conditional UPDATE … RETURNING. */
export class BridgeRequestRepository implements BridgeRequestStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  private readonly byId = once(() =>
    this.db
      .select()
      .from(bridgeRequests)
      .where(and(eq(bridgeRequests.tenant, this.tenant), eq(bridgeRequests.requestId, sql.placeholder('id'))))
      .limit(1)
      .prepare(),
  );

  private key(requestId: string) {
    return and(eq(bridgeRequests.tenant, this.tenant), eq(bridgeRequests.requestId, requestId));
  }

  async createOrGet(request: NewBridgeRequest): Promise<{ created: boolean; request: BridgeRequest }> {
    const inserted = await this.db
      .insert(bridgeRequests)
      .values({
        tenant: this.tenant,
        requestId: request.requestId,
        realm: request.realm,
        requestedAttributes: request.requestedAttributes.join(','),
        browserHash: request.browserHash,
        loginHint: request.loginHint,
        clientName: request.clientName,
        uiLocales: request.uiLocales,
        state: 'pending',
        createdAt: request.createdAt,
        updatedAt: request.createdAt,
        expiresAt: request.expiresAt,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted[0]) return { created: true, request: toRequest(inserted[0]) };
    return { created: false, request: (await this.get(request.requestId))! };
  }

  async get(requestId: string): Promise<BridgeRequest | null> {
    const rows = await this.byId().all({ id: requestId });
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async authenticate(requestId: string, userId: string, authTime: number, amr: string[], now: number): Promise<boolean> {
    const rows = await this.db
      .update(bridgeRequests)
      .set({ state: 'authenticated', userId, authTime, amr: amr.join(' '), updatedAt: now })
      .where(and(this.key(requestId), eq(bridgeRequests.state, 'pending'), sql`${bridgeRequests.expiresAt} > ${now}`))
      .returning({ id: bridgeRequests.requestId });
    return rows.length === 1;
  }

  async claimForPostback(requestId: string, now: number, leaseUntil: number): Promise<BridgeRequest | null> {
    const rows = await this.db
      .update(bridgeRequests)
      .set({ state: 'posting', leaseUntil, updatedAt: now })
      .where(
        and(
          this.key(requestId),
          sql`${bridgeRequests.expiresAt} > ${now}`,
          or(
            inArray(bridgeRequests.state, ['authenticated', 'failed']),
            and(eq(bridgeRequests.state, 'posting'), isNotNull(bridgeRequests.leaseUntil), lt(bridgeRequests.leaseUntil, now)),
          ),
        ),
      )
      .returning();
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async settlePostback(
    requestId: string,
    outcome: 'posted' | 'failed' | 'rejected',
    attempts: number,
    lastStatus: number | null,
    now: number,
  ): Promise<boolean> {
    const rows = await this.db
      .update(bridgeRequests)
      .set({ state: outcome, postbackAttempts: attempts, lastStatus, leaseUntil: null, updatedAt: now })
      .where(and(this.key(requestId), eq(bridgeRequests.state, 'posting')))
      .returning({ id: bridgeRequests.requestId });
    return rows.length === 1;
  }

  async useManualRetry(requestId: string, max: number, now: number): Promise<boolean> {
    const rows = await this.db
      .update(bridgeRequests)
      .set({ manualRetries: sql`${bridgeRequests.manualRetries} + 1`, updatedAt: now })
      .where(
        and(
          this.key(requestId),
          eq(bridgeRequests.state, 'failed'),
          lt(bridgeRequests.manualRetries, max),
          sql`${bridgeRequests.expiresAt} > ${now}`,
        ),
      )
      .returning({ id: bridgeRequests.requestId });
    return rows.length === 1;
  }

  async returnUnauthenticated(requestId: string, now: number): Promise<boolean> {
    const rows = await this.db
      .update(bridgeRequests)
      .set({ state: 'returned', updatedAt: now })
      .where(and(this.key(requestId), eq(bridgeRequests.state, 'pending')))
      .returning({ id: bridgeRequests.requestId });
    return rows.length === 1;
  }

  async finish(requestId: string, now: number): Promise<boolean> {
    const rows = await this.db
      .update(bridgeRequests)
      .set({ state: 'returned', updatedAt: now })
      .where(and(this.key(requestId), eq(bridgeRequests.state, 'posted')))
      .returning({ id: bridgeRequests.requestId });
    return rows.length === 1;
  }
}

function toRequest(row: Row): BridgeRequest {
  return {
    requestId: row.requestId,
    realm: row.realm,
    requestedAttributes: row.requestedAttributes.split(',').filter(isAttributeName),
    browserHash: row.browserHash,
    state: row.state,
    userId: row.userId,
    authTime: row.authTime,
    amr: row.amr ? row.amr.split(' ').filter(Boolean) : null,
    loginHint: row.loginHint,
    clientName: row.clientName,
    uiLocales: row.uiLocales,
    postbackAttempts: row.postbackAttempts,
    manualRetries: row.manualRetries,
    leaseUntil: row.leaseUntil,
    lastStatus: row.lastStatus,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

import { and, eq, gt, inArray, isNotNull, lt, or, sql } from 'drizzle-orm';
import type { BridgeRequest, BridgeRequestStore, NewBridgeRequest } from '../bridge/ports.js';
import { isAttributeName } from '../users/profile.js';
import { once, setPlaceholder, type Database } from './database.js';
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

  /** The row of `:id` (placeholder), for the prepared statements of the sign-in path. */
  private readonly byPlaceholder = () => and(eq(bridgeRequests.tenant, this.tenant), eq(bridgeRequests.requestId, sql.placeholder('id')));

  // The sign-in path's statements, built once (see `once`): the transitions are the same single
  // conditional UPDATEs as before, with their values bound as parameters.
  private readonly insertPending = once(() =>
    this.db
      .insert(bridgeRequests)
      .values({
        tenant: this.tenant,
        requestId: sql.placeholder('id'),
        realm: sql.placeholder('realm'),
        requestedAttributes: sql.placeholder('attributes'),
        browserHash: sql.placeholder('browserHash'),
        loginHint: sql.placeholder('loginHint'),
        clientName: sql.placeholder('clientName'),
        uiLocales: sql.placeholder('uiLocales'),
        state: 'pending',
        createdAt: sql.placeholder('now'),
        updatedAt: sql.placeholder('now'),
        expiresAt: sql.placeholder('expiresAt'),
      })
      .onConflictDoNothing()
      .returning()
      .prepare(),
  );
  private readonly toAuthenticated = once(() =>
    this.db
      .update(bridgeRequests)
      .set({ state: 'authenticated', userId: setPlaceholder('userId'), authTime: setPlaceholder('authTime'), amr: setPlaceholder('amr'), acr: setPlaceholder('acr'), updatedAt: setPlaceholder('now') })
      .where(and(this.byPlaceholder(), eq(bridgeRequests.state, 'pending'), gt(bridgeRequests.expiresAt, sql.placeholder('now'))))
      .returning({ id: bridgeRequests.requestId })
      .prepare(),
  );
  private readonly pendingToPosting = once(() =>
    this.db
      .update(bridgeRequests)
      .set({
        state: 'posting',
        userId: setPlaceholder('userId'),
        authTime: setPlaceholder('authTime'),
        amr: setPlaceholder('amr'),
        acr: setPlaceholder('acr'),
        leaseUntil: setPlaceholder('leaseUntil'),
        updatedAt: setPlaceholder('now'),
      })
      .where(and(this.byPlaceholder(), eq(bridgeRequests.state, 'pending'), gt(bridgeRequests.expiresAt, sql.placeholder('now'))))
      .returning()
      .prepare(),
  );
  private readonly toPosting = once(() =>
    this.db
      .update(bridgeRequests)
      .set({ state: 'posting', leaseUntil: setPlaceholder('leaseUntil'), updatedAt: setPlaceholder('now') })
      .where(
        and(
          this.byPlaceholder(),
          gt(bridgeRequests.expiresAt, sql.placeholder('now')),
          or(
            inArray(bridgeRequests.state, ['authenticated', 'failed']),
            and(eq(bridgeRequests.state, 'posting'), isNotNull(bridgeRequests.leaseUntil), lt(bridgeRequests.leaseUntil, sql.placeholder('now'))),
          ),
        ),
      )
      .returning()
      .prepare(),
  );
  private readonly settle = once(() =>
    this.db
      .update(bridgeRequests)
      .set({
        state: setPlaceholder('outcome'),
        postbackAttempts: setPlaceholder('attempts'),
        lastStatus: setPlaceholder('lastStatus'),
        leaseUntil: null,
        updatedAt: setPlaceholder('now'),
      })
      .where(and(this.byPlaceholder(), eq(bridgeRequests.state, 'posting')))
      .returning({ id: bridgeRequests.requestId })
      .prepare(),
  );
  private readonly toReturned = once(() =>
    this.db
      .update(bridgeRequests)
      .set({ state: 'returned', updatedAt: setPlaceholder('now') })
      .where(and(this.byPlaceholder(), eq(bridgeRequests.state, sql.placeholder('from'))))
      .returning({ id: bridgeRequests.requestId })
      .prepare(),
  );

  async createOrGet(request: NewBridgeRequest): Promise<{ created: boolean; request: BridgeRequest }> {
    const inserted = await this.insertPending().all({
      id: request.requestId,
      realm: request.realm,
      attributes: request.requestedAttributes.join(','),
      browserHash: request.browserHash,
      loginHint: request.loginHint,
      clientName: request.clientName,
      uiLocales: request.uiLocales,
      now: request.createdAt,
      expiresAt: request.expiresAt,
    });
    if (inserted[0]) return { created: true, request: toRequest(inserted[0]) };
    return { created: false, request: (await this.get(request.requestId))! };
  }

  async get(requestId: string): Promise<BridgeRequest | null> {
    const rows = await this.byId().all({ id: requestId });
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async authenticate(requestId: string, userId: string, authTime: number, amr: string[], now: number, acr: string | null = null): Promise<boolean> {
    const rows = await this.toAuthenticated().all({ id: requestId, userId, authTime, amr: amr.join(' '), acr, now });
    return rows.length === 1;
  }

  async authenticateAndClaim(requestId: string, userId: string, authTime: number, amr: string[], now: number, leaseUntil: number, acr: string | null = null): Promise<BridgeRequest | null> {
    const rows = await this.pendingToPosting().all({ id: requestId, userId, authTime, amr: amr.join(' '), acr, now, leaseUntil });
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async claimForPostback(requestId: string, now: number, leaseUntil: number): Promise<BridgeRequest | null> {
    const rows = await this.toPosting().all({ id: requestId, now, leaseUntil });
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async settlePostback(
    requestId: string,
    outcome: 'posted' | 'returned' | 'failed' | 'rejected',
    attempts: number,
    lastStatus: number | null,
    now: number,
  ): Promise<boolean> {
    const rows = await this.settle().all({ id: requestId, outcome, attempts, lastStatus, now });
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
    const rows = await this.toReturned().all({ id: requestId, from: 'pending', now });
    return rows.length === 1;
  }

  async finish(requestId: string, now: number): Promise<boolean> {
    const rows = await this.toReturned().all({ id: requestId, from: 'posted', now });
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
    acr: row.acr,
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

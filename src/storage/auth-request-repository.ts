import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { AuthRequest, AuthRequestStore, NewAuthRequest, PostbackData } from '../provider/ports.js';
import { isAttributeName } from '../users/profile.js';
import { once, type Database } from './database.js';
import { authRequests } from './schema.js';

type Row = typeof authRequests.$inferSelect;

/** {@link AuthRequestStore} on `auth_requests`. */
export class AuthRequestRepository implements AuthRequestStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  private readonly byId = once(() =>
    this.db
      .select()
      .from(authRequests)
      .where(and(eq(authRequests.tenant, this.tenant), eq(authRequests.requestId, sql.placeholder('id'))))
      .limit(1)
      .prepare(),
  );

  private key(requestId: string) {
    return and(eq(authRequests.tenant, this.tenant), eq(authRequests.requestId, requestId));
  }

  async create(request: NewAuthRequest): Promise<void> {
    await this.db.insert(authRequests).values({
      tenant: this.tenant,
      requestId: request.requestId,
      protocol: request.protocol,
      browserHash: request.browserHash,
      state: 'created',
      realm: request.realm,
      requestedAttributes: request.requestedAttributes.join(','),
      immediate: request.immediate,
      payload: JSON.stringify(request.payload),
      createdAt: request.createdAt,
      expiresAt: request.expiresAt,
    });
  }

  async get(requestId: string): Promise<AuthRequest | null> {
    const rows = await this.byId().all({ id: requestId });
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async recordPostback(requestId: string, data: PostbackData, now: number): Promise<boolean> {
    const rows = await this.db
      .update(authRequests)
      .set({
        state: 'posted_back',
        username: data.username,
        attributes: JSON.stringify(data.attributes),
        noPrompt: data.noPrompt,
        authTime: data.authTime,
        amr: data.amr?.join(' ') ?? null,
        returnTokenHash: data.returnTokenHash,
        postedAt: now,
      })
      .where(and(this.key(requestId), eq(authRequests.state, 'created'), gt(authRequests.expiresAt, now)))
      .returning({ id: authRequests.requestId });
    return rows.length === 1;
  }

  async complete(
    requestId: string,
    from: 'created' | 'posted_back',
    outcome: 'completed' | 'cancelled',
    now: number,
  ): Promise<AuthRequest | null> {
    const rows = await this.db
      .update(authRequests)
      .set({ state: outcome, completedAt: now })
      .where(and(this.key(requestId), eq(authRequests.state, from), gt(authRequests.expiresAt, now)))
      .returning();
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async purgeExpired(before: number): Promise<number> {
    const rows = await this.db
      .delete(authRequests)
      .where(and(eq(authRequests.tenant, this.tenant), lt(authRequests.expiresAt, before)))
      .returning({ id: authRequests.requestId });
    return rows.length;
  }
}

function toRequest(row: Row): AuthRequest {
  return {
    requestId: row.requestId,
    protocol: row.protocol,
    browserHash: row.browserHash,
    state: row.state,
    realm: row.realm,
    requestedAttributes: row.requestedAttributes.split(',').filter(isAttributeName),
    immediate: row.immediate,
    payload: JSON.parse(row.payload),
    username: row.username,
    attributes: row.attributes ? JSON.parse(row.attributes) : null,
    noPrompt: row.noPrompt,
    authTime: row.authTime,
    amr: row.amr ? row.amr.split(' ').filter(Boolean) : null,
    returnTokenHash: row.returnTokenHash,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

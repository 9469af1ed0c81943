import { and, desc, eq, gt, ne, sql } from 'drizzle-orm';
import type { BridgeSession, BridgeSessionStore, StoredBridgeSession } from '../bridge/ports.js';
import type { Database } from './database.js';
import { bridgeSessions } from './schema.js';

/** {@link BridgeSessionStore} on `bridge_sessions`. */
export class BridgeSessionRepository implements BridgeSessionStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async create(idHash: string, session: BridgeSession, now: number): Promise<void> {
    await this.db.insert(bridgeSessions).values({
      tenant: this.tenant,
      idHash,
      userId: session.userId,
      authTime: session.authTime,
      amr: session.amr.join(' '),
      createdAt: now,
      expiresAt: session.expiresAt,
      device: session.device ?? null,
    });
  }

  async find(idHash: string, now: number): Promise<BridgeSession | null> {
    const rows = await this.db
      .select()
      .from(bridgeSessions)
      .where(and(eq(bridgeSessions.tenant, this.tenant), eq(bridgeSessions.idHash, idHash), gt(bridgeSessions.expiresAt, now)))
      .limit(1);
    const row = rows[0];
    return row ? toSession(row) : null;
  }

  async listForUser(userId: string, now: number): Promise<StoredBridgeSession[]> {
    const rows = await this.db
      .select()
      .from(bridgeSessions)
      .where(and(eq(bridgeSessions.tenant, this.tenant), eq(bridgeSessions.userId, userId), gt(bridgeSessions.expiresAt, now)))
      .orderBy(desc(bridgeSessions.createdAt))
      .limit(100);
    return rows.map((row) => ({ ...toSession(row), idHash: row.idHash, createdAt: row.createdAt }));
  }

  async deleteOne(userId: string, idHash: string): Promise<boolean> {
    const rows = await this.db
      .delete(bridgeSessions)
      .where(and(eq(bridgeSessions.tenant, this.tenant), eq(bridgeSessions.userId, userId), eq(bridgeSessions.idHash, idHash)))
      .returning({ idHash: bridgeSessions.idHash });
    return rows.length > 0;
  }

  async touch(idHash: string, now: number, device?: string): Promise<void> {
    await this.db
      .update(bridgeSessions)
      .set({ lastUsedAt: now, ...(device === undefined ? {} : { device: sql`coalesce(${bridgeSessions.device}, ${device})` }) })
      .where(and(eq(bridgeSessions.tenant, this.tenant), eq(bridgeSessions.idHash, idHash)));
  }

  async delete(idHash: string): Promise<void> {
    await this.db.delete(bridgeSessions).where(and(eq(bridgeSessions.tenant, this.tenant), eq(bridgeSessions.idHash, idHash)));
  }

  async deleteForUser(userId: string, exceptIdHash?: string): Promise<void> {
    await this.db
      .delete(bridgeSessions)
      .where(
        and(
          eq(bridgeSessions.tenant, this.tenant),
          eq(bridgeSessions.userId, userId),
          exceptIdHash === undefined ? undefined : ne(bridgeSessions.idHash, exceptIdHash),
        ),
      );
  }
}

function toSession(row: typeof bridgeSessions.$inferSelect): BridgeSession {
  return {
    userId: row.userId,
    authTime: row.authTime,
    amr: row.amr.split(' ').filter(Boolean),
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    device: row.device,
  };
}

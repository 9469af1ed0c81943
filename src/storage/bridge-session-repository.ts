import { and, desc, eq, gt, ne, sql } from 'drizzle-orm';
import type { BridgeSession, BridgeSessionStore, StoredBridgeSession } from '../bridge/ports.js';
import { once, type Database } from './database.js';
import { bridgeSessions } from './schema.js';

/** {@link BridgeSessionStore} on `bridge_sessions`. */
export class BridgeSessionRepository implements BridgeSessionStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  // The sign-in path's statements, built once (see `once`).
  private readonly insertSession = once(() =>
    this.db
      .insert(bridgeSessions)
      .values({
        tenant: this.tenant,
        idHash: sql.placeholder('idHash'),
        userId: sql.placeholder('userId'),
        authTime: sql.placeholder('authTime'),
        amr: sql.placeholder('amr'),
        createdAt: sql.placeholder('now'),
        expiresAt: sql.placeholder('expiresAt'),
        device: sql.placeholder('device'),
      })
      .prepare(),
  );
  private readonly liveByHash = once(() =>
    this.db
      .select()
      .from(bridgeSessions)
      .where(and(eq(bridgeSessions.tenant, this.tenant), eq(bridgeSessions.idHash, sql.placeholder('idHash')), gt(bridgeSessions.expiresAt, sql.placeholder('now'))))
      .limit(1)
      .prepare(),
  );

  async create(idHash: string, session: BridgeSession, now: number): Promise<void> {
    await this.insertSession().run({ idHash, userId: session.userId, authTime: session.authTime, amr: session.amr.join(' '), now, expiresAt: session.expiresAt, device: session.device ?? null });
  }

  async find(idHash: string, now: number): Promise<BridgeSession | null> {
    const rows = await this.liveByHash().all({ idHash, now });
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

import { and, eq, gt, ne } from 'drizzle-orm';
import type { BridgeSession, BridgeSessionStore } from '../bridge/ports.js';
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
    });
  }

  async find(idHash: string, now: number): Promise<BridgeSession | null> {
    const rows = await this.db
      .select()
      .from(bridgeSessions)
      .where(and(eq(bridgeSessions.tenant, this.tenant), eq(bridgeSessions.idHash, idHash), gt(bridgeSessions.expiresAt, now)))
      .limit(1);
    const row = rows[0];
    return row ? { userId: row.userId, authTime: row.authTime, amr: row.amr.split(' ').filter(Boolean), expiresAt: row.expiresAt } : null;
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

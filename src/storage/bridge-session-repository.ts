import { and, eq, gt, ne, sql } from 'drizzle-orm';
import type { BridgeSession, BridgeSessionStore } from '../bridge/ports.js';
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
    await this.insertSession().run({ idHash, userId: session.userId, authTime: session.authTime, amr: session.amr.join(' '), now, expiresAt: session.expiresAt });
  }

  async find(idHash: string, now: number): Promise<BridgeSession | null> {
    const rows = await this.liveByHash().all({ idHash, now });
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

import { and, eq, gt } from 'drizzle-orm';
import type { OpSession, OpSessionStore } from '../provider/oidc/ports.js';
import type { Database } from './database.js';
import { opSessions } from './schema.js';

/** {@link OpSessionStore} on `op_sessions`. */
export class OpSessionRepository implements OpSessionStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async create(idHash: string, session: OpSession, now: number): Promise<void> {
    await this.db.insert(opSessions).values({ tenant: this.tenant, idHash, ...session, createdAt: now });
  }

  async find(idHash: string, now: number): Promise<OpSession | null> {
    const rows = await this.db
      .select()
      .from(opSessions)
      .where(and(eq(opSessions.tenant, this.tenant), eq(opSessions.idHash, idHash), gt(opSessions.expiresAt, now)))
      .limit(1);
    const row = rows[0];
    return row ? { sid: row.sid, username: row.username, authTime: row.authTime, expiresAt: row.expiresAt } : null;
  }

  async deleteForUser(username: string): Promise<void> {
    await this.db.delete(opSessions).where(and(eq(opSessions.tenant, this.tenant), eq(opSessions.username, username)));
  }

  async deleteBySid(sid: string): Promise<void> {
    await this.db.delete(opSessions).where(and(eq(opSessions.tenant, this.tenant), eq(opSessions.sid, sid)));
  }

  async delete(idHash: string): Promise<OpSession | null> {
    const rows = await this.db
      .delete(opSessions)
      .where(and(eq(opSessions.tenant, this.tenant), eq(opSessions.idHash, idHash)))
      .returning();
    const row = rows[0];
    return row ? { sid: row.sid, username: row.username, authTime: row.authTime, expiresAt: row.expiresAt } : null;
  }
}

import { and, eq, gt, sql } from 'drizzle-orm';
import type { OpSession, OpSessionStore } from '../provider/oidc/ports.js';
import { once, type Database } from './database.js';
import { opSessions } from './schema.js';

/** {@link OpSessionStore} on `op_sessions`. */
export class OpSessionRepository implements OpSessionStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  // The sign-in path's statements, built once (see `once`).
  private readonly insertSession = once(() =>
    this.db
      .insert(opSessions)
      .values({
        tenant: this.tenant,
        idHash: sql.placeholder('idHash'),
        sid: sql.placeholder('sid'),
        username: sql.placeholder('username'),
        authTime: sql.placeholder('authTime'),
        createdAt: sql.placeholder('now'),
        expiresAt: sql.placeholder('expiresAt'),
      })
      .prepare(),
  );
  private readonly liveByHash = once(() =>
    this.db
      .select()
      .from(opSessions)
      .where(and(eq(opSessions.tenant, this.tenant), eq(opSessions.idHash, sql.placeholder('idHash')), gt(opSessions.expiresAt, sql.placeholder('now'))))
      .limit(1)
      .prepare(),
  );

  async create(idHash: string, session: OpSession, now: number): Promise<void> {
    await this.insertSession().run({ idHash, sid: session.sid, username: session.username, authTime: session.authTime, expiresAt: session.expiresAt, now });
  }

  async find(idHash: string, now: number): Promise<OpSession | null> {
    const rows = await this.liveByHash().all({ idHash, now });
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

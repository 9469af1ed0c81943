import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { ConnectorFlow, ConnectorFlowStore, ConnectorLink, ConnectorLinkStore, ConnectorUserStore } from '../connectors/ports.js';
import type { NewUser, StoredUser, UserStore } from '../users/user-store.js';
import { sqlErrorMessage, type Database } from './database.js';
import { connectorFlows, connectorLinks, users } from './schema.js';

/** {@link ConnectorFlowStore} on `connector_flows`: single use by DELETE … RETURNING. */
export class ConnectorFlowRepository implements ConnectorFlowStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async create(idHash: string, flow: ConnectorFlow): Promise<void> {
    await this.db.insert(connectorFlows).values({ tenant: this.tenant, idHash, ...flow });
  }

  async take(idHash: string, now: number): Promise<ConnectorFlow | null> {
    const rows = await this.db
      .delete(connectorFlows)
      .where(and(this.key(idHash), gt(connectorFlows.expiresAt, now)))
      .returning();
    return rows[0] ? toFlow(rows[0]) : null;
  }

  async peek(idHash: string, now: number): Promise<ConnectorFlow | null> {
    const rows = await this.db.select().from(connectorFlows).where(and(this.key(idHash), gt(connectorFlows.expiresAt, now))).limit(1);
    return rows[0] ? toFlow(rows[0]) : null;
  }

  async countAttempt(idHash: string, max: number, now: number): Promise<boolean> {
    const rows = await this.db
      .update(connectorFlows)
      .set({ attempts: sql`${connectorFlows.attempts} + 1` })
      .where(and(this.key(idHash), gt(connectorFlows.expiresAt, now), lt(connectorFlows.attempts, max - 1)))
      .returning({ id: connectorFlows.idHash });
    return rows.length === 1;
  }

  private key(idHash: string) {
    return and(eq(connectorFlows.tenant, this.tenant), eq(connectorFlows.idHash, idHash));
  }
}

function toFlow(row: typeof connectorFlows.$inferSelect): ConnectorFlow {
  return {
    kind: row.kind,
    connectorId: row.connectorId,
    requestId: row.requestId,
    browserHash: row.browserHash,
    userId: row.userId,
    sealed: row.sealed,
    attempts: row.attempts,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

/** {@link ConnectorLinkStore} on `connector_links`. */
export class ConnectorLinkRepository implements ConnectorLinkStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async find(connectorId: string, subjectHash: string): Promise<string | null> {
    const rows = await this.db
      .select({ userId: connectorLinks.userId })
      .from(connectorLinks)
      .where(and(eq(connectorLinks.tenant, this.tenant), eq(connectorLinks.connectorId, connectorId), eq(connectorLinks.subjectHash, subjectHash)))
      .limit(1);
    return rows[0]?.userId ?? null;
  }

  async add(connectorId: string, subjectHash: string, userId: string, now: number): Promise<'added' | 'taken'> {
    try {
      await this.db.insert(connectorLinks).values({ tenant: this.tenant, connectorId, subjectHash, userId, createdAt: now, lastUsedAt: now });
      return 'added';
    } catch (error) {
      if (sqlErrorMessage(error).includes('UNIQUE constraint failed')) {
        // The same link again (a retried request) is no conflict.
        return (await this.find(connectorId, subjectHash)) === userId ? 'added' : 'taken';
      }
      throw error;
    }
  }

  async rekey(connectorId: string, oldHash: string, newHash: string): Promise<void> {
    await this.db
      .update(connectorLinks)
      .set({ subjectHash: newHash })
      .where(and(eq(connectorLinks.tenant, this.tenant), eq(connectorLinks.connectorId, connectorId), eq(connectorLinks.subjectHash, oldHash)));
  }

  async touch(connectorId: string, subjectHash: string, now: number): Promise<void> {
    await this.db
      .update(connectorLinks)
      .set({ lastUsedAt: now })
      .where(and(eq(connectorLinks.tenant, this.tenant), eq(connectorLinks.connectorId, connectorId), eq(connectorLinks.subjectHash, subjectHash)));
  }

  async listForUser(userId: string): Promise<ConnectorLink[]> {
    const rows = await this.db
      .select()
      .from(connectorLinks)
      .where(and(eq(connectorLinks.tenant, this.tenant), eq(connectorLinks.userId, userId)))
      .orderBy(connectorLinks.createdAt);
    return rows.map((r) => ({ connectorId: r.connectorId, userId: r.userId, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt }));
  }

  async remove(userId: string, connectorId: string): Promise<boolean> {
    const rows = await this.db
      .delete(connectorLinks)
      .where(and(eq(connectorLinks.tenant, this.tenant), eq(connectorLinks.userId, userId), eq(connectorLinks.connectorId, connectorId)))
      .returning({ id: connectorLinks.userId });
    return rows.length > 0;
  }

  async removeAllForUser(userId: string): Promise<number> {
    const rows = await this.db
      .delete(connectorLinks)
      .where(and(eq(connectorLinks.tenant, this.tenant), eq(connectorLinks.userId, userId)))
      .returning({ id: connectorLinks.userId });
    return rows.length;
  }
}

/** The built-in user table as the connector policies need it (attribute lookup for map-existing). */
export class ConnectorUserRepository implements ConnectorUserStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
    private readonly store: UserStore,
  ) {}

  findById(id: string): Promise<StoredUser | null> {
    return this.store.findById(id);
  }

  insert(user: NewUser): Promise<void> {
    return this.store.insert(user);
  }

  async findByAttribute(attribute: string, value: string): Promise<StoredUser | null> {
    // Standard columns by name; anything else is a custom profile field in the JSON column.
    const column = attribute === 'external_id' ? users.externalId : attribute === 'customer_id' ? users.customerId : null;
    const where = column
      ? and(eq(users.tenant, this.tenant), eq(column, value))
      : and(eq(users.tenant, this.tenant), sql`json_extract(${users.attributes}, ${`$.${attribute}`}) = ${value}`);
    // Two rows with the same value would be ambiguous: refuse to pick one.
    const rows = await this.db.select({ id: users.id }).from(users).where(where).limit(2);
    return rows.length === 1 ? this.store.findById(rows[0]!.id) : null;
  }
}

import { and, asc, eq, isNull } from 'drizzle-orm';
import type { ApiTokenRecord, ApiTokenStore } from '../api/ports.js';
import type { Database } from './database.js';
import { apiTokens } from './schema.js';

/** {@link ApiTokenStore} on `api_tokens`. */
export class ApiTokenRepository implements ApiTokenStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async insert(token: Omit<ApiTokenRecord, 'lastUsedAt' | 'revokedAt'>): Promise<void> {
    await this.db.insert(apiTokens).values({ tenant: this.tenant, ...token, scopes: token.scopes.join(' ') });
  }

  async find(id: string): Promise<ApiTokenRecord | null> {
    const rows = await this.db.select().from(apiTokens).where(and(eq(apiTokens.tenant, this.tenant), eq(apiTokens.id, id))).limit(1);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(): Promise<ApiTokenRecord[]> {
    const rows = await this.db.select().from(apiTokens).where(eq(apiTokens.tenant, this.tenant)).orderBy(asc(apiTokens.createdAt), asc(apiTokens.id));
    return rows.map(toRecord);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const rows = await this.db
      .update(apiTokens)
      .set({ revokedAt: at })
      .where(and(eq(apiTokens.tenant, this.tenant), eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    return rows.length > 0;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db.update(apiTokens).set({ lastUsedAt: at }).where(and(eq(apiTokens.tenant, this.tenant), eq(apiTokens.id, id)));
  }
}

function toRecord(row: typeof apiTokens.$inferSelect): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.tokenHash,
    scopes: row.scopes.split(' ').filter(Boolean),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

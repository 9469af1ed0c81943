import { and, desc, eq } from 'drizzle-orm';
import type { ConsentStore } from '../provider/ports.js';
import type { Database } from './database.js';
import { consents } from './schema.js';

/** {@link ConsentStore} on `consents`. */
export class ConsentRepository implements ConsentStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  private key(username: string, audience: string) {
    return and(eq(consents.tenant, this.tenant), eq(consents.username, username), eq(consents.audience, audience));
  }

  async find(username: string, audience: string): Promise<string[] | null> {
    const rows = await this.db.select({ grants: consents.grants }).from(consents).where(this.key(username, audience)).limit(1);
    return rows[0] ? rows[0].grants.split(',').filter(Boolean) : null;
  }

  async remember(username: string, audience: string, grants: string[], now: number): Promise<void> {
    const value = [...new Set(grants)].sort().join(',');
    await this.db
      .insert(consents)
      .values({ tenant: this.tenant, username, audience, grants: value, createdAt: now })
      .onConflictDoUpdate({ target: [consents.tenant, consents.username, consents.audience], set: { grants: value, createdAt: now } });
  }

  async list(username: string): Promise<Array<{ audience: string; grants: string[]; createdAt: number }>> {
    const rows = await this.db
      .select()
      .from(consents)
      .where(and(eq(consents.tenant, this.tenant), eq(consents.username, username)))
      .orderBy(desc(consents.createdAt));
    return rows.map((r) => ({ audience: r.audience, grants: r.grants.split(',').filter(Boolean), createdAt: r.createdAt }));
  }

  async revokeAllFor(username: string): Promise<void> {
    await this.db.delete(consents).where(and(eq(consents.tenant, this.tenant), eq(consents.username, username)));
  }

  async revoke(username: string, audience: string): Promise<boolean> {
    const rows = await this.db.delete(consents).where(this.key(username, audience)).returning({ u: consents.username });
    return rows.length > 0;
  }
}

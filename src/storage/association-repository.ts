import { and, eq } from 'drizzle-orm';
import type { Association, AssociationStore } from '../protocol/openid2/association.js';
import { fromBase64Url, toBase64Url } from '../util/bytes.js';
import type { SecretBox } from '../util/secret-box.js';
import type { Database } from './database.js';
import { associations } from './schema.js';

type Row = typeof associations.$inferSelect;

/**
 * OpenID 2.0 {@link AssociationStore} on `associations`. MAC keys are sealed with the deployment
 * secret: a copy of the database alone cannot forge assertions. `consume` is one DELETE …
 * RETURNING, so a private association confirms at most one assertion.
 */
export class AssociationRepository implements AssociationStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
    private readonly box: SecretBox,
    private readonly now: () => number,
  ) {}

  private key(handle: string) {
    return and(eq(associations.tenant, this.tenant), eq(associations.handle, handle));
  }

  async save(association: Association): Promise<void> {
    await this.db.insert(associations).values({
      tenant: this.tenant,
      handle: association.handle,
      type: association.type,
      secret: await this.box.seal(toBase64Url(association.secret)),
      private: association.private,
      createdAt: this.now(),
      expiresAt: association.expiresAt,
    });
  }

  async find(handle: string): Promise<Association | null> {
    const rows = await this.db.select().from(associations).where(this.key(handle)).limit(1);
    return rows[0] ? this.toAssociation(rows[0]) : null;
  }

  async consume(handle: string): Promise<Association | null> {
    const rows = await this.db.delete(associations).where(this.key(handle)).returning();
    return rows[0] ? this.toAssociation(rows[0]) : null;
  }

  private async toAssociation(row: Row): Promise<Association> {
    return {
      handle: row.handle,
      type: row.type,
      secret: fromBase64Url(await this.box.open(row.secret)),
      expiresAt: row.expiresAt,
      private: row.private,
    };
  }
}

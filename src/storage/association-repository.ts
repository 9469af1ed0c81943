import { and, eq, sql } from 'drizzle-orm';
import type { Association, AssociationStore } from '../protocol/openid2/association.js';
import { fromBase64Url, toBase64Url } from '../util/bytes.js';
import type { SecretBox } from '../util/secret-box.js';
import { once, type Database } from './database.js';
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

  // Built once (see `once`): every OpenID 2.0 assertion saves, finds and consumes one.
  private readonly insertOne = once(() =>
    this.db
      .insert(associations)
      .values({
        tenant: this.tenant,
        handle: sql.placeholder('handle'),
        type: sql.placeholder('type'),
        secret: sql.placeholder('secret'),
        private: sql.placeholder('private'),
        createdAt: sql.placeholder('now'),
        expiresAt: sql.placeholder('expiresAt'),
      })
      .prepare(),
  );
  private readonly byHandle = once(() =>
    this.db
      .select()
      .from(associations)
      .where(and(eq(associations.tenant, this.tenant), eq(associations.handle, sql.placeholder('handle'))))
      .limit(1)
      .prepare(),
  );
  private readonly deleteOne = once(() =>
    this.db
      .delete(associations)
      .where(and(eq(associations.tenant, this.tenant), eq(associations.handle, sql.placeholder('handle'))))
      .returning({ handle: associations.handle })
      .prepare(),
  );

  async save(association: Association): Promise<void> {
    await this.insertOne().run({
      handle: association.handle,
      type: association.type,
      secret: await this.box.seal(toBase64Url(association.secret)),
      private: association.private,
      now: this.now(),
      expiresAt: association.expiresAt,
    });
  }

  async find(handle: string): Promise<Association | null> {
    const rows = await this.byHandle().all({ handle });
    return rows[0] ? this.toAssociation(rows[0]) : null;
  }

  async consume(handle: string): Promise<boolean> {
    return (await this.deleteOne().all({ handle })).length === 1;
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

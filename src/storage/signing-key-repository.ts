import { and, eq, gt, isNull, ne, or } from 'drizzle-orm';
import type { SigningKeyStore, StoredSigningKey } from '../provider/oidc/ports.js';
import type { Database } from './database.js';
import { signingKeys } from './schema.js';

/** {@link SigningKeyStore} on `signing_keys`. */
export class SigningKeyRepository implements SigningKeyStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async published(now: number): Promise<StoredSigningKey[]> {
    const rows = await this.db
      .select()
      .from(signingKeys)
      .where(and(eq(signingKeys.tenant, this.tenant), or(isNull(signingKeys.retiredAt), gt(signingKeys.publishUntil, now))));
    return rows.map((row) => ({
      kid: row.kid,
      alg: row.alg,
      publicJwk: JSON.parse(row.publicJwk),
      privateJwk: row.privateJwk,
      createdAt: row.createdAt,
      retiredAt: row.retiredAt,
      publishUntil: row.publishUntil,
    }));
  }

  async insert(key: StoredSigningKey): Promise<void> {
    await this.db.insert(signingKeys).values({
      tenant: this.tenant,
      kid: key.kid,
      alg: key.alg,
      publicJwk: JSON.stringify(key.publicJwk),
      privateJwk: key.privateJwk,
      createdAt: key.createdAt,
      retiredAt: key.retiredAt,
      publishUntil: key.publishUntil,
    });
  }

  async retire(alg: StoredSigningKey['alg'], keepKid: string, at: number, publishUntil: number): Promise<void> {
    await this.db
      .update(signingKeys)
      .set({ retiredAt: at, publishUntil })
      .where(and(eq(signingKeys.tenant, this.tenant), eq(signingKeys.alg, alg), isNull(signingKeys.retiredAt), ne(signingKeys.kid, keepKid)));
  }
}

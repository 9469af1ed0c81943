import { and, eq } from 'drizzle-orm';
import { SEAL_PURPOSE } from '../util/secret-box.js';
import type { Database } from './database.js';
import { associations, settings, signingKeys, webhookEndpoints } from './schema.js';

/** The settings key of the check value: a known plaintext sealed under the deployment secret. */
export const SECRET_CHECK_SETTING = 'secret_check';

/** One stored value sealed under the deployment secret. */
export interface SealedValue {
  /** Where it lives, for messages (`settings/aw_api_key`, `signing_keys/es256-…`). */
  name: string;
  sealed: string;
}

/** A column holding sealed values, all under one {@link SEAL_PURPOSE}. */
export interface SealedColumn {
  purpose: string;
  /** Up to `limit` values (all when omitted). */
  list(limit?: number): Promise<SealedValue[]>;
  /** Compare-and-swap: replace `value` only if it is still stored as sealed; false when it changed meanwhile. */
  replace(value: SealedValue, sealed: string): Promise<boolean>;
}

/**
 * Every place idbridge stores a value sealed under the deployment secret (see SecretBox), so the
 * start-up check and `idbridge secret rewrap` cover them all. A new sealed column must be added here.
 */
export function sealedColumns(db: Database, tenant: string): SealedColumn[] {
  const setting = (key: string, purpose: string): SealedColumn => ({
    purpose,
    async list() {
      const rows = await db
        .select({ value: settings.value })
        .from(settings)
        .where(and(eq(settings.tenant, tenant), eq(settings.key, key)));
      return rows.map((r) => ({ name: `settings/${key}`, sealed: r.value }));
    },
    async replace(value, sealed) {
      const rows = await db
        .update(settings)
        .set({ value: sealed })
        .where(and(eq(settings.tenant, tenant), eq(settings.key, key), eq(settings.value, value.sealed)))
        .returning({ key: settings.key });
      return rows.length === 1;
    },
  });
  return [
    setting('aw_api_key', SEAL_PURPOSE.apiKey),
    {
      purpose: SEAL_PURPOSE.signingKeys,
      async list(limit) {
        const query = db.select({ kid: signingKeys.kid, value: signingKeys.privateJwk }).from(signingKeys).where(eq(signingKeys.tenant, tenant));
        const rows = await (limit === undefined ? query : query.limit(limit));
        return rows.map((r) => ({ name: `signing_keys/${r.kid}`, sealed: r.value }));
      },
      async replace(value, sealed) {
        const kid = value.name.slice('signing_keys/'.length);
        const rows = await db
          .update(signingKeys)
          .set({ privateJwk: sealed })
          .where(and(eq(signingKeys.tenant, tenant), eq(signingKeys.kid, kid), eq(signingKeys.privateJwk, value.sealed)))
          .returning({ kid: signingKeys.kid });
        return rows.length === 1;
      },
    },
    {
      purpose: SEAL_PURPOSE.associations,
      async list(limit) {
        const query = db.select({ handle: associations.handle, value: associations.secret }).from(associations).where(eq(associations.tenant, tenant));
        const rows = await (limit === undefined ? query : query.limit(limit));
        return rows.map((r) => ({ name: `associations/${r.handle}`, sealed: r.value }));
      },
      async replace(value, sealed) {
        const handle = value.name.slice('associations/'.length);
        const rows = await db
          .update(associations)
          .set({ secret: sealed })
          .where(and(eq(associations.tenant, tenant), eq(associations.handle, handle), eq(associations.secret, value.sealed)))
          .returning({ handle: associations.handle });
        return rows.length === 1;
      },
    },
    {
      purpose: SEAL_PURPOSE.webhookSecrets,
      async list(limit) {
        const query = db.select({ id: webhookEndpoints.id, value: webhookEndpoints.secret }).from(webhookEndpoints).where(eq(webhookEndpoints.tenant, tenant));
        const rows = await (limit === undefined ? query : query.limit(limit));
        return rows.map((r) => ({ name: `webhook_endpoints/${r.id}`, sealed: r.value }));
      },
      async replace(value, sealed) {
        const id = value.name.slice('webhook_endpoints/'.length);
        const rows = await db
          .update(webhookEndpoints)
          .set({ secret: sealed })
          .where(and(eq(webhookEndpoints.tenant, tenant), eq(webhookEndpoints.id, id), eq(webhookEndpoints.secret, value.sealed)))
          .returning({ id: webhookEndpoints.id });
        return rows.length === 1;
      },
    },
  ];
}

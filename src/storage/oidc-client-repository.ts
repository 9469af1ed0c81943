import { and, asc, eq } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { OidcClient } from '../protocol/oidc/client.js';
import type { ClientPatch, ClientStore } from '../provider/oidc/ports.js';
import { TtlCache } from '../util/ttl-cache.js';
import type { Database } from './database.js';
import { oidcClients } from './schema.js';

type Row = typeof oidcClients.$inferSelect;

/** {@link ClientStore} on `oidc_clients`. */
export class OidcClientRepository implements ClientStore {
  /**
   * Clients are read at authorize and again at the token endpoint of every sign-in, and change
   * rarely: keep them for 30 s. A change by this process takes effect at once; one by another
   * process (the CLI) too when `dataVersion` is given, otherwise within 30 s.
   */
  readonly #cache: TtlCache<string, Promise<OidcClient | null>>;

  constructor(
    private readonly db: Database,
    private readonly tenant: string,
    clock: Clock,
    dataVersion?: () => number,
  ) {
    this.#cache = new TtlCache(clock, { ttlMs: 30_000, maxEntries: 1000, dataVersion });
  }

  find(clientId: string): Promise<OidcClient | null> {
    const hit = this.#cache.get(clientId);
    if (hit) return hit;
    const client = this.load(clientId);
    // Only known clients are cached (random client_ids must not churn the cache), oldest out first.
    client.then(
      (found) => {
        if (found) this.#cache.set(clientId, client);
      },
      () => undefined,
    );
    return client;
  }

  private async load(clientId: string): Promise<OidcClient | null> {
    const rows = await this.db
      .select()
      .from(oidcClients)
      .where(and(eq(oidcClients.tenant, this.tenant), eq(oidcClients.clientId, clientId)))
      .limit(1);
    return rows[0] ? toClient(rows[0]) : null;
  }

  async insert(client: OidcClient, now: number): Promise<void> {
    this.#cache.delete(client.clientId);
    await this.db.insert(oidcClients).values({
      tenant: this.tenant,
      clientId: client.clientId,
      name: client.name,
      redirectUris: JSON.stringify(client.redirectUris),
      postLogoutRedirectUris: JSON.stringify(client.postLogoutRedirectUris),
      public: client.public,
      trusted: client.trusted,
      scopes: client.scopes.join(' '),
      secretHash: client.secretHash,
      createdAt: now,
    });
  }

  async update(clientId: string, patch: ClientPatch): Promise<OidcClient | null> {
    this.#cache.delete(clientId);
    const set: Partial<Row> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.redirectUris !== undefined) set.redirectUris = JSON.stringify(patch.redirectUris);
    if (patch.postLogoutRedirectUris !== undefined) set.postLogoutRedirectUris = JSON.stringify(patch.postLogoutRedirectUris);
    if (patch.trusted !== undefined) set.trusted = patch.trusted;
    const rows = await this.db
      .update(oidcClients)
      .set(set)
      .where(and(eq(oidcClients.tenant, this.tenant), eq(oidcClients.clientId, clientId)))
      .returning();
    // A find that started before the write may have refilled the cache with the old row.
    this.#cache.delete(clientId);
    return rows[0] ? toClient(rows[0]) : null;
  }

  async list(): Promise<OidcClient[]> {
    const rows = await this.db.select().from(oidcClients).where(eq(oidcClients.tenant, this.tenant)).orderBy(asc(oidcClients.createdAt));
    return rows.map(toClient);
  }

  async remove(clientId: string): Promise<boolean> {
    this.#cache.delete(clientId);
    const rows = await this.db
      .delete(oidcClients)
      .where(and(eq(oidcClients.tenant, this.tenant), eq(oidcClients.clientId, clientId)))
      .returning({ id: oidcClients.clientId });
    this.#cache.delete(clientId); // as in update
    return rows.length > 0;
  }
}

function toClient(row: Row): OidcClient {
  return {
    clientId: row.clientId,
    name: row.name,
    redirectUris: JSON.parse(row.redirectUris),
    postLogoutRedirectUris: JSON.parse(row.postLogoutRedirectUris),
    public: row.public,
    trusted: row.trusted,
    scopes: row.scopes.split(' ').filter(Boolean),
    secretHash: row.secretHash,
  };
}

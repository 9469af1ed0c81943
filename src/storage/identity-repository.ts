import { and, eq, sql } from 'drizzle-orm';
import type { IdentityStore } from '../provider/ports.js';
import { randomToken } from '../util/bytes.js';
import { once, type Database } from './database.js';
import { identities } from './schema.js';

/** {@link IdentityStore} on `identities`: random 128-bit public ids, created once per username. */
export class IdentityRepository implements IdentityStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async publicIdFor(username: string, now: number): Promise<string> {
    const existing = await this.find(username);
    if (existing) return existing;
    // Concurrent first sign-ins: the first insert wins, everyone reads the winner.
    await this.insertIdentity().run({ username, publicId: randomToken(128), now });
    return (await this.find(username))!;
  }

  async usernameFor(publicId: string): Promise<string | null> {
    const rows = await this.db
      .select({ username: identities.username })
      .from(identities)
      .where(and(eq(identities.tenant, this.tenant), eq(identities.publicId, publicId)))
      .limit(1);
    return rows[0]?.username ?? null;
  }

  private readonly byUsername = once(() =>
    this.db
      .select({ publicId: identities.publicId })
      .from(identities)
      .where(and(eq(identities.tenant, this.tenant), eq(identities.username, sql.placeholder('username'))))
      .limit(1)
      .prepare(),
  );

  private readonly insertIdentity = once(() =>
    this.db
      .insert(identities)
      .values({ tenant: this.tenant, username: sql.placeholder('username'), publicId: sql.placeholder('publicId'), createdAt: sql.placeholder('now') })
      .onConflictDoNothing()
      .prepare(),
  );

  private async find(username: string): Promise<string | null> {
    const rows = await this.byUsername().all({ username });
    return rows[0]?.publicId ?? null;
  }
}

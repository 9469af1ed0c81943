import { and, count, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { DirectoryLink, DirectoryLinkStore } from '../users/directory-links.js';
import { once, type Database } from './database.js';
import { directoryLinks } from './schema.js';
import { parseAttributes } from './user-repository.js';

type LinkRow = typeof directoryLinks.$inferSelect;

/** {@link DirectoryLinkStore} on the `directory_links` table. */
export class DirectoryLinkRepository implements DirectoryLinkStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  private readonly byKey = once(() =>
    this.db
      .select()
      .from(directoryLinks)
      .where(
        and(
          eq(directoryLinks.tenant, this.tenant),
          eq(directoryLinks.directory, sql.placeholder('directory')),
          eq(directoryLinks.siteKey, sql.placeholder('key')),
        ),
      )
      .limit(1)
      .prepare(),
  );
  private readonly byUser = once(() =>
    this.db
      .select()
      .from(directoryLinks)
      .where(and(eq(directoryLinks.tenant, this.tenant), eq(directoryLinks.userId, sql.placeholder('id'))))
      .limit(1)
      .prepare(),
  );

  async link(directory: string, siteKey: string, newUserId: string, now: number): Promise<DirectoryLink> {
    const existing = await this.findByKey(directory, siteKey);
    if (existing) return existing;
    // Insert-or-ignore, then read: a racing first sign-in inserts nothing and reads the winner's id.
    await this.db
      .insert(directoryLinks)
      .values({ tenant: this.tenant, directory, siteKey, userId: newUserId, createdAt: now })
      .onConflictDoNothing({ target: [directoryLinks.tenant, directoryLinks.directory, directoryLinks.siteKey] });
    const link = await this.findByKey(directory, siteKey);
    if (!link) throw new Error(`directory link for ${directory} could not be created`);
    return link;
  }

  async findByKey(directory: string, siteKey: string): Promise<DirectoryLink | null> {
    const rows = await this.byKey().all({ directory, key: siteKey });
    return rows[0] ? toLink(rows[0]) : null;
  }

  async findByUserId(userId: string): Promise<DirectoryLink | null> {
    const rows = await this.byUser().all({ id: userId });
    return rows[0] ? toLink(rows[0]) : null;
  }

  async markMigrated(directory: string, siteKey: string, at: number): Promise<boolean> {
    const rows = await this.db
      .update(directoryLinks)
      .set({ migratedAt: at })
      .where(
        and(
          eq(directoryLinks.tenant, this.tenant),
          eq(directoryLinks.directory, directory),
          eq(directoryLinks.siteKey, siteKey),
          isNull(directoryLinks.migratedAt),
        ),
      )
      .returning({ key: directoryLinks.siteKey });
    return rows.length > 0;
  }

  async recordLogin(userId: string, at: number): Promise<void> {
    await this.db
      .update(directoryLinks)
      .set({ loginsCount: sql`${directoryLinks.loginsCount} + 1`, loginTime: at })
      .where(and(eq(directoryLinks.tenant, this.tenant), eq(directoryLinks.userId, userId)));
  }

  async counts(directory: string): Promise<{ linked: number; migrated: number }> {
    const scope = and(eq(directoryLinks.tenant, this.tenant), eq(directoryLinks.directory, directory));
    const [linked] = await this.db.select({ n: count() }).from(directoryLinks).where(scope);
    const [migrated] = await this.db.select({ n: count() }).from(directoryLinks).where(and(scope, isNotNull(directoryLinks.migratedAt)));
    return { linked: linked?.n ?? 0, migrated: migrated?.n ?? 0 };
  }

  async saveAttributes(userId: string, patch: Readonly<Record<string, string>>): Promise<boolean> {
    const rows = await this.db
      .update(directoryLinks)
      // json_patch merges into the stored object, so a value written meanwhile (another tab) is kept.
      .set({ attributes: sql`json_patch(${directoryLinks.attributes}, ${JSON.stringify(patch)})` })
      .where(and(eq(directoryLinks.tenant, this.tenant), eq(directoryLinks.userId, userId), isNull(directoryLinks.migratedAt)))
      .returning({ key: directoryLinks.siteKey });
    return rows.length > 0;
  }
}

function toLink(row: LinkRow): DirectoryLink {
  return {
    directory: row.directory,
    siteKey: row.siteKey,
    userId: row.userId,
    migratedAt: row.migratedAt,
    loginsCount: row.loginsCount,
    loginTime: row.loginTime,
    createdAt: row.createdAt,
    attributes: parseAttributes(row.attributes),
  };
}

import { and, eq, sql } from 'drizzle-orm';
import type { SettingsStore } from '../provider/ports.js';
import { once, type Database } from './database.js';
import { settings } from './schema.js';

/** {@link SettingsStore} on `settings`. */
export class SettingsRepository implements SettingsStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  private readonly byKey = once(() =>
    this.db
      .select({ value: settings.value })
      .from(settings)
      .where(and(eq(settings.tenant, this.tenant), eq(settings.key, sql.placeholder('key'))))
      .limit(1)
      .prepare(),
  );

  async get(key: string): Promise<string | null> {
    const rows = await this.byKey().all({ key });
    return rows[0]?.value ?? null;
  }

  async putIfAbsent(key: string, value: string, now: number): Promise<string> {
    await this.db.insert(settings).values({ tenant: this.tenant, key, value, updatedAt: now }).onConflictDoNothing();
    return (await this.get(key))!;
  }

  async put(key: string, value: string, now: number): Promise<void> {
    await this.db
      .insert(settings)
      .values({ tenant: this.tenant, key, value, updatedAt: now })
      .onConflictDoUpdate({ target: [settings.tenant, settings.key], set: { value, updatedAt: now } });
  }
}

import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ThrottleCounter, ThrottleStore } from '../bridge/ports.js';
import { once, type Database } from './database.js';
import { loginThrottle } from './schema.js';

/** {@link ThrottleStore} on `login_throttle`; the increment is a single atomic upsert. */
export class ThrottleRepository implements ThrottleStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  private readonly byKey = once(() =>
    this.db
      .select()
      .from(loginThrottle)
      .where(and(eq(loginThrottle.tenant, this.tenant), eq(loginThrottle.key, sql.placeholder('key'))))
      .limit(1)
      .prepare(),
  );

  /** One prepared statement per key count (the sign-in path reads two or three counters at once). */
  private readonly byKeys = [1, 2, 3].map((n) =>
    once(() =>
      this.db
        .select()
        .from(loginThrottle)
        .where(and(eq(loginThrottle.tenant, this.tenant), inArray(loginThrottle.key, Array.from({ length: n }, (_, i) => sql.placeholder(`k${i}`)))))
        .prepare(),
    ),
  );

  async getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | null>> {
    const statement = this.byKeys[keys.length - 1];
    if (!statement) throw new RangeError(`getMany reads 1 to ${this.byKeys.length} counters, not ${keys.length}.`);
    const rows = await statement().all(Object.fromEntries(keys.map((key, i) => [`k${i}`, key])));
    return keys.map((key) => {
      const row = rows.find((r) => r.key === key);
      return row ? { failures: row.failures, windowStart: row.windowStart, lockedUntil: row.lockedUntil } : null;
    });
  }

  async get(key: string): Promise<ThrottleCounter | null> {
    const rows = await this.byKey().all({ key });
    const row = rows[0];
    return row ? { failures: row.failures, windowStart: row.windowStart, lockedUntil: row.lockedUntil } : null;
  }

  async increment(key: string, now: number, windowStartsAfter: number): Promise<ThrottleCounter> {
    const rows = await this.db
      .insert(loginThrottle)
      .values({ tenant: this.tenant, key, failures: 1, windowStart: now, lockedUntil: 0 })
      .onConflictDoUpdate({
        target: [loginThrottle.tenant, loginThrottle.key],
        set: {
          // An old window is forgotten: its count restarts at 1 from now.
          failures: sql`CASE WHEN ${loginThrottle.windowStart} <= ${windowStartsAfter} THEN 1 ELSE ${loginThrottle.failures} + 1 END`,
          windowStart: sql`CASE WHEN ${loginThrottle.windowStart} <= ${windowStartsAfter} THEN ${now} ELSE ${loginThrottle.windowStart} END`,
        },
      })
      .returning();
    const row = rows[0]!;
    return { failures: row.failures, windowStart: row.windowStart, lockedUntil: row.lockedUntil };
  }

  async lockUntil(key: string, lockedUntil: number): Promise<void> {
    await this.db
      .update(loginThrottle)
      .set({ lockedUntil: sql`MAX(${loginThrottle.lockedUntil}, ${lockedUntil})` })
      .where(and(eq(loginThrottle.tenant, this.tenant), eq(loginThrottle.key, key)));
  }

  async reset(key: string): Promise<void> {
    await this.db.delete(loginThrottle).where(and(eq(loginThrottle.tenant, this.tenant), eq(loginThrottle.key, key)));
  }
}

import type { Database } from './database.js';

/**
 * One statement of an atomic write: a Drizzle INSERT/UPDATE/DELETE builder made on the database
 * but not yet run (not awaited). Raw SQL goes in as `db.insert(t).select(sql\`…\`)` or a `sql`
 * condition in a builder: Drizzle 0.45 cannot batch `db.run(sql)` with parameters on D1.
 */
export type WriteStep = { run(): unknown };

/**
 * Run `steps` in order as one transaction on either runtime: better-sqlite3 (a synchronous
 * `BEGIN IMMEDIATE … COMMIT`) or D1 (`db.batch`, which D1 runs as one transaction; D1 has no
 * interactive transactions, so every step must be built before anything runs). Either every step
 * takes effect or none does; the first failing step's error is thrown.
 *
 * Steps cannot read each other's results in JavaScript; they can in SQL: a step may use
 * `changes()` (rows changed by the step just before it) or select what an earlier step wrote.
 * Returns the number of rows each step changed.
 */
export async function atomicWrite(db: Database, steps: readonly WriteStep[]): Promise<number[]> {
  if (steps.length === 0) return [];
  const handle = db as unknown as SyncOrBatch;
  if (handle.resultKind === 'sync') {
    // better-sqlite3: the transaction function must be synchronous; `.run()` of a builder made on
    // `db` runs on the same connection, inside the transaction.
    return handle.transaction(
      () => steps.map((step) => changesOf(step.run())),
      { behavior: 'immediate' },
    );
  }
  if (typeof handle.batch === 'function') {
    const results = await handle.batch([...steps]);
    return results.map(changesOf);
  }
  throw new Error('atomicWrite: this database driver has neither synchronous transactions nor batches');
}

interface SyncOrBatch {
  resultKind?: 'sync' | 'async';
  transaction<T>(run: () => T, config?: { behavior?: 'deferred' | 'immediate' | 'exclusive' }): T;
  batch?(items: unknown[]): Promise<unknown[]>;
}

/** Rows changed, from better-sqlite3's RunResult (`changes`) or a D1 result (`meta.changes`). */
function changesOf(result: unknown): number {
  const r = result as { changes?: number; meta?: { changes?: number } } | undefined;
  return r?.changes ?? r?.meta?.changes ?? 0;
}

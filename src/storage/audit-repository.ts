import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { AuditEntry, AuditStore } from '../api/ports.js';
import type { WriteStep } from './atomic-write.js';
import type { Database } from './database.js';
import { auditLog } from './schema.js';

/** {@link AuditStore} on `audit_log` (append-only). */
export class AuditRepository implements AuditStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.db.insert(auditLog).values({ tenant: this.tenant, ...entry, fields: JSON.stringify(entry.fields) });
  }

  async list(options: { limit: number; before?: number; userId?: string }): Promise<Array<AuditEntry & { seq: number }>> {
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.tenant, this.tenant),
          options.before === undefined ? undefined : lt(auditLog.seq, options.before),
          options.userId === undefined ? undefined : eq(auditLog.userId, options.userId),
        ),
      )
      .orderBy(desc(auditLog.seq))
      .limit(options.limit);
    return rows.map((row) => ({ seq: row.seq, at: row.at, actor: row.actor, operation: row.operation, userId: row.userId, fields: parseFields(row.fields) }));
  }
}

/**
 * The entry as one step of an atomic write (`UserWrites`' `alongside`), inserted only where
 * `condition` holds, so an audit row exists exactly when the user change it records does.
 */
export function auditStep(db: Database, tenant: string, entry: AuditEntry, condition: SQL): WriteStep {
  // Columns in table order (seq, tenant, at, actor, operation, user_id, fields); a null seq is
  // assigned by SQLite (INTEGER PRIMARY KEY AUTOINCREMENT).
  return db
    .insert(auditLog)
    .select(sql`select null, ${tenant}, ${entry.at}, ${entry.actor}, ${entry.operation}, ${entry.userId}, ${JSON.stringify(entry.fields)} where ${condition}`);
}

function parseFields(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

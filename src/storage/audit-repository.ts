import { and, desc, eq, lt } from 'drizzle-orm';
import type { AuditEntry, AuditStore } from '../api/ports.js';
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

function parseFields(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

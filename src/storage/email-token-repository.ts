import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { EmailTokenPurpose, EmailTokenRecord, EmailTokenStore } from '../identity/ports.js';
import type { Database } from './database.js';
import { emailTokens } from './schema.js';

type Row = typeof emailTokens.$inferSelect;

/** {@link EmailTokenStore} on `email_tokens`. */
export class EmailTokenRepository implements EmailTokenStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async insert(tokenHash: string, record: EmailTokenRecord): Promise<void> {
    await this.db.insert(emailTokens).values({ tenant: this.tenant, tokenHash, ...record, usedAt: null });
  }

  async find(tokenHash: string, purpose: EmailTokenPurpose, now: number): Promise<EmailTokenRecord | null> {
    const rows = await this.db.select().from(emailTokens).where(this.usable(tokenHash, purpose, now)).limit(1);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async consume(tokenHash: string, purpose: EmailTokenPurpose, now: number): Promise<EmailTokenRecord | null> {
    const rows = await this.db.update(emailTokens).set({ usedAt: now }).where(this.usable(tokenHash, purpose, now)).returning();
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async consumeAllFor(userId: string, purpose: EmailTokenPurpose, now: number): Promise<void> {
    await this.db
      .update(emailTokens)
      .set({ usedAt: now })
      .where(and(eq(emailTokens.tenant, this.tenant), eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)));
  }

  async lastSentAt(email: string, purpose: EmailTokenPurpose): Promise<number | null> {
    const rows = await this.db
      .select({ at: emailTokens.createdAt })
      .from(emailTokens)
      .where(and(eq(emailTokens.tenant, this.tenant), eq(emailTokens.email, email), eq(emailTokens.purpose, purpose)))
      .orderBy(desc(emailTokens.createdAt))
      .limit(1);
    return rows[0]?.at ?? null;
  }

  async latestUsableFor(userId: string, purpose: EmailTokenPurpose, now: number): Promise<EmailTokenRecord | null> {
    const rows = await this.db
      .select()
      .from(emailTokens)
      .where(and(eq(emailTokens.tenant, this.tenant), eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
      .orderBy(desc(emailTokens.createdAt))
      .limit(1);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  private usable(tokenHash: string, purpose: EmailTokenPurpose, now: number) {
    return and(
      eq(emailTokens.tenant, this.tenant),
      eq(emailTokens.tokenHash, tokenHash),
      eq(emailTokens.purpose, purpose),
      isNull(emailTokens.usedAt),
      gt(emailTokens.expiresAt, now),
    );
  }
}

function toRecord(row: Row): EmailTokenRecord {
  return { purpose: row.purpose, userId: row.userId, email: row.email, requestId: row.requestId, createdAt: row.createdAt, expiresAt: row.expiresAt };
}

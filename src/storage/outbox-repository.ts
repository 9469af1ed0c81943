import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { MailTemplateId } from '../mail/mailer.js';
import type { OutboxEntry, OutboxStore } from '../mail/ports.js';
import type { Database } from './database.js';
import { mailOutbox } from './schema.js';

/** {@link OutboxStore} on `mail_outbox`. */
export class OutboxRepository implements OutboxStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  async add(entry: OutboxEntry, keep: number): Promise<void> {
    await this.db.insert(mailOutbox).values({
      tenant: this.tenant,
      id: entry.id,
      recipient: entry.to,
      subject: entry.subject,
      textBody: entry.text,
      htmlBody: entry.html,
      template: entry.template,
      locale: entry.locale,
      createdAt: entry.createdAt,
    });
    // Keep the newest `keep`: everything older than the keep-th newest row goes.
    const cutoff = await this.db
      .select({ createdAt: mailOutbox.createdAt })
      .from(mailOutbox)
      .where(eq(mailOutbox.tenant, this.tenant))
      .orderBy(desc(mailOutbox.createdAt))
      .limit(1)
      .offset(keep - 1);
    if (cutoff[0]) await this.db.delete(mailOutbox).where(and(eq(mailOutbox.tenant, this.tenant), lt(mailOutbox.createdAt, cutoff[0].createdAt)));
  }

  async list(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.tenant, this.tenant))
      .orderBy(desc(mailOutbox.createdAt), desc(sql`rowid`))
      .limit(limit);
    return rows.map((r) => ({
      id: r.id,
      to: r.recipient,
      subject: r.subject,
      text: r.textBody,
      html: r.htmlBody,
      template: r.template as MailTemplateId,
      locale: r.locale,
      createdAt: r.createdAt,
    }));
  }
}

import type { MailTemplateId } from './mailer.js';

/** A mail kept by the development outbox. */
export interface OutboxEntry {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  template: MailTemplateId;
  locale: string;
  createdAt: number;
}

/** Storage of the development outbox (`mail_outbox`; storage/outbox-repository.ts). */
export interface OutboxStore {
  /** Store one mail and drop all but the newest `keep` of this tenant. */
  add(entry: OutboxEntry, keep: number): Promise<void>;
  /** Newest first. */
  list(limit: number): Promise<OutboxEntry[]>;
}

import type { Clock } from '../clock.js';
import { randomToken } from '../util/bytes.js';
import type { Mailer, MailMessage } from './mailer.js';
import type { OutboxEntry, OutboxStore } from './ports.js';

/** How many mails the outbox keeps (newest); older ones are dropped on each send. */
export const OUTBOX_KEEP = 200;

/**
 * The development transport: mails are stored in the database and listed at `/dev/outbox`, so the
 * quick start works without a mail server. Never in production: the mails hold sign-in links, and
 * the page lists them to anyone who can reach it (see outbox-routes.tsx, mounted outside
 * production only). The constructor refuses production as a second line of defence.
 */
export class OutboxMailer implements Mailer {
  constructor(
    private readonly store: OutboxStore,
    private readonly clock: Clock,
    environment: 'development' | 'production' | 'test',
  ) {
    if (environment === 'production') throw new Error('the development outbox cannot be used in production');
  }

  async send(message: MailMessage): Promise<void> {
    await this.store.add(
      {
        id: randomToken(96),
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        template: message.template,
        locale: message.locale,
        createdAt: this.clock.now(),
      },
      OUTBOX_KEEP,
    );
  }

  list(limit = 50): Promise<OutboxEntry[]> {
    return this.store.list(limit);
  }
}

/** The http(s) links of a mail's text part, in order (what the outbox page shows). */
export function linksOf(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s<>"']+/g) ?? [])];
}

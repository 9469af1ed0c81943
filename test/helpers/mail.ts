import type { MailMessage, MailTemplateId, MailValues, OutgoingMail } from '../../src/mail/mailer.js';

const SUBJECTS: Record<MailTemplateId, string> = {
  'verify-email': 'Confirm your email address',
  'reset-password': 'Reset your password',
  'reset-password-no-password': 'How to sign in',
  'set-password': 'Choose your password',
  'link-account': 'Link your account',
};

/**
 * An in-process {@link OutgoingMail} for tests: renders each mail (subject, plain text, HTML with
 * the values, escaped) and keeps it in an outbox instead of handing it to a transport. Flows send
 * after their answer, so tests wait for a mail with {@link next}.
 */
export class TestOutbox implements OutgoingMail {
  readonly sent: MailMessage[] = [];
  private readonly waiters: Array<() => void> = [];

  async send(to: string, template: MailTemplateId, locale: string, values: MailValues): Promise<void> {
    const lines = [values.name ? `Hello ${values.name},` : 'Hello,', '', values.link, '', `The link works for ${values.expiresInMinutes} minutes.`];
    if (values.providers) lines.push(`Sign in with: ${values.providers.join(', ') || 'your password-less sign-in'}`);
    const text = lines.join('\n');
    const html = `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p><p><a href="${escapeHtml(values.link)}">Open</a></p>`;
    this.sent.push({ to, subject: SUBJECTS[template], text, html, template, locale });
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Mails to `to` (optionally of one template), oldest first. */
  to(to: string, template?: MailTemplateId): MailMessage[] {
    return this.sent.filter((m) => m.to === to && (template === undefined || m.template === template));
  }

  /** The `count`-th mail to `to` (1 = first), waiting up to `timeoutMs` for it to be sent. */
  async next(to: string, template?: MailTemplateId, count = 1, timeoutMs = 5000): Promise<MailMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.to(to, template);
      if (found.length >= count) return found[count - 1]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${template ?? 'mail'} #${count} to ${to} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Let every pending send settle (flows send after the response). */
  async settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The action link of a mail. */
export function linkIn(message: MailMessage): URL {
  const match = /https?:\/\/\S+/.exec(message.text);
  if (!match) throw new Error(`no link in ${message.template} mail`);
  return new URL(match[0]);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

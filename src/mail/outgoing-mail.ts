import type { Languages } from '../i18n/languages.js';
import type { Logger } from '../log.js';
import { MailDeliveryError, type Mailer, type MailTemplateId, type MailValues, type OutgoingMail } from './mailer.js';
import type { MailBrand, MailTemplates } from './templates.js';

export interface TemplateMailDeps {
  templates: MailTemplates;
  languages: Languages;
  transport: Mailer;
  brand: MailBrand;
  logger: Logger;
}

/** One address, no display name, no header-breaking characters (the flows pass a user's email). */
const ADDRESS = /^[^\s<>(),;:"@]{1,64}@[^\s<>(),;:"@]{1,255}$/;

/**
 * {@link OutgoingMail}: renders the template in the nearest available language and hands it to the
 * transport. A failure is logged as one JSON line — template, locale, the recipient's domain, the
 * transport's reason, whether a retry may help — never the link (a sign-in secret) nor the whole
 * address, and rethrown as {@link MailDeliveryError} for the flow to decide.
 */
export class TemplateMail implements OutgoingMail {
  constructor(private readonly deps: TemplateMailDeps) {}

  async send(to: string, template: MailTemplateId, locale: string, values: MailValues): Promise<void> {
    const { templates, languages, transport, brand, logger } = this.deps;
    if (!ADDRESS.test(to)) throw new MailDeliveryError('not a deliverable address', false);
    if (!/^https?:\/\//.test(values.link)) throw new MailDeliveryError('the link of a mail must be an absolute http(s) URL', false);
    if (!Number.isInteger(values.expiresInMinutes) || values.expiresInMinutes < 1) {
      throw new MailDeliveryError('expiresInMinutes must be a positive whole number', false);
    }
    const chosen = languages.resolve(locale);
    const rendered = templates.render(template, chosen, values, brand);
    try {
      await transport.send({ to, ...rendered, template, locale: chosen });
      logger.log('info', 'mail_sent', { template, locale: chosen, domain: domainOf(to) });
    } catch (error) {
      const failure = error instanceof MailDeliveryError ? error : new MailDeliveryError(error instanceof Error ? error.message : String(error), true);
      logger.log('error', 'mail_failed', {
        template,
        locale: chosen,
        domain: domainOf(to),
        transient: failure.transient,
        // A transport's message can quote what it was sent: URLs are cut out before logging.
        reason: redactLinks(failure.message).slice(0, 300),
      });
      throw failure;
    }
  }
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Replace every URL in a message with `[link]`. */
export function redactLinks(message: string): string {
  return message.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[link]');
}

/** The transport when none is configured (production without IDBRIDGE_SMTP_URL / IDBRIDGE_MAIL_API_URL). */
export const NO_MAILER: Mailer = {
  async send() {
    throw new MailDeliveryError('no mail transport is configured (set IDBRIDGE_SMTP_URL or IDBRIDGE_MAIL_API_URL)', false);
  },
};

/**
 * The mail ports. Flows (registration, verification, reset, the Users API, connectors) speak to
 * {@link OutgoingMail}: "send template X in language Y with these values". Its implementation
 * renders the operator-overridable templates (HTML and plain text, per language) and hands the
 * finished {@link MailMessage} to a {@link Mailer} transport: SMTP through nodemailer on Node, an
 * HTTP mail API on Workers, or the development outbox. One contract suite covers every transport.
 */

/** A rendered message, ready for a transport. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Which template produced it and in which language (logs and the development outbox). */
  template: MailTemplateId;
  locale: string;
}

/** A transport. Rejects with {@link MailDeliveryError} when the message was not accepted. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** The mails idbridge sends. */
export type MailTemplateId =
  /** Confirm an address: on registration, and on an email change (sent to the new address). */
  | 'verify-email'
  /** A password-reset link. */
  | 'reset-password'
  /** A reset was asked for an account without a password: names the providers to sign in with. */
  | 'reset-password-no-password'
  /** An invited account (Users API / import without a password): choose a password. */
  | 'set-password'
  /** Prove an upstream identity belongs to this account before linking it (connectors). */
  | 'link-account';

/** Values a template may use. Links are absolute URLs built by the flow; nothing here is secret but the link. */
export interface MailValues {
  /** The one action link of the mail. */
  link: string;
  /** How long the link works, in minutes. */
  expiresInMinutes: number;
  /** The user's display name, when known. */
  name?: string;
  /** reset-password-no-password: the providers (connector labels) the account signs in with. */
  providers?: string[];
  /** link-account: the upstream provider's label. */
  provider?: string;
}

/** What flows use: render a template in a language and send it. */
export interface OutgoingMail {
  send(to: string, template: MailTemplateId, locale: string, values: MailValues): Promise<void>;
}

/** A transport refused or failed to deliver; `transient` when a retry may succeed. */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { MailConfig } from '../../config.js';
import { MailDeliveryError, type Mailer, type MailMessage } from '../../mail/mailer.js';

export interface SmtpMailerOptions {
  url: string;
  from: string;
  /** Plain SMTP allowed (a loopback server outside production); otherwise TLS is required. */
  allowPlain: boolean;
  settings: MailConfig['smtp'];
  /** Extra CA certificates to trust (tests with a self-signed server). */
  ca?: string | Buffer;
}

/** System and protocol codes after which a later attempt may succeed. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

/**
 * SMTP through nodemailer, pooled: a few long-lived connections instead of a TCP + TLS handshake
 * per mail. `smtps://` speaks TLS from the start; `smtp://` must upgrade with STARTTLS
 * (`requireTLS`) unless plain SMTP is allowed (loopback, outside production). Certificates are
 * always verified. Every phase has a timeout, so a stuck server cannot hold a request forever.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;

  constructor(private readonly options: SmtpMailerOptions) {
    const url = new URL(options.url);
    const secure = url.protocol === 'smtps:';
    const { settings } = options;
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: settings.maxConnections,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : secure ? 465 : 587,
      secure,
      requireTLS: !secure && !options.allowPlain,
      // Plain SMTP (development against a loopback server) never upgrades: a local catcher with a
      // self-signed STARTTLS would otherwise fail verification.
      ignoreTLS: !secure && options.allowPlain,
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      tls: { rejectUnauthorized: true, servername: url.hostname, minVersion: 'TLSv1.2', ...(options.ca ? { ca: options.ca } : {}) },
      connectionTimeout: settings.connectionTimeoutMs,
      greetingTimeout: settings.greetingTimeoutMs,
      socketTimeout: settings.socketTimeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    } satisfies SMTPPool.Options);
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: { 'X-Idbridge-Template': message.template },
      });
    } catch (error) {
      throw smtpError(error);
    }
  }

  /** Close the pooled connections (server shutdown). */
  close(): void {
    this.transport.close();
  }
}

/**
 * A nodemailer error as {@link MailDeliveryError}. Transient: a 4xx reply, or the connection failed
 * or timed out. Permanent: a 5xx reply, refused credentials, a certificate that does not verify or
 * a server without the required TLS (configuration to fix, not worth a retry).
 */
function smtpError(error: unknown): MailDeliveryError {
  const e = (error ?? {}) as { code?: string; responseCode?: number; message?: string; command?: string };
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const tls = /certificate|self[- ]signed|STARTTLS|TLS/i.test(e.message ?? '') || e.code === 'ETLS';
  const transient = responseCode !== undefined ? responseCode >= 400 && responseCode < 500 : !tls && TRANSIENT_CODES.has(e.code ?? '');
  const detail = responseCode !== undefined ? `SMTP ${responseCode}${e.command ? ` after ${e.command}` : ''}` : (e.code ?? 'SMTP error');
  return new MailDeliveryError(`${detail}: ${(e.message ?? String(error)).slice(0, 200)}`, transient);
}

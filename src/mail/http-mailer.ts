import type { OutgoingFetch } from '../util/bounded-fetch.js';
import { MailDeliveryError, type Mailer, type MailMessage } from './mailer.js';

export interface HttpMailerOptions {
  /** The API endpoint (https; http only to loopback, checked by the config). */
  url: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  from: string;
  timeoutMs: number;
  fetch: OutgoingFetch;
}

/**
 * An HTTP mail API transport (works on Workers: only `fetch`). One request per mail:
 *
 * ```
 * POST <IDBRIDGE_MAIL_API_URL>
 * Authorization: Bearer <IDBRIDGE_MAIL_API_KEY>
 * Content-Type: application/json
 * {"from": "...", "to": "...", "subject": "...", "text": "...", "html": "..."}
 * ```
 *
 * the shape most transactional mail APIs accept directly or through a small relay (docs/mail.md).
 * Any 2xx is accepted. 408, 425, 429 and 5xx, timeouts and network failures are transient (a retry
 * may succeed); other statuses are permanent.
 */
export class HttpMailer implements Mailer {
  constructor(private readonly options: HttpMailerOptions) {}

  async send(message: MailMessage): Promise<void> {
    const { url, apiKey, from, timeoutMs, fetch } = this.options;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ from, to: message.to, subject: message.subject, text: message.text, html: message.html }),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timeout = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new MailDeliveryError(timeout ? `mail API did not answer within ${timeoutMs} ms` : 'mail API unreachable', true);
    }
    // The body is drained, not shown: an API's error text may quote the message (and its link).
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return;
    const transient = response.status >= 500 || [408, 425, 429].includes(response.status);
    throw new MailDeliveryError(`mail API answered HTTP ${response.status}`, transient);
  }
}

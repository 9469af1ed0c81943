/**
 * A real SMTP server in the test process (`smtp-server`, plain SMTP on loopback): what the
 * bridge's nodemailer transport delivers, parsed back into recipient, subject, text and HTML.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A delivered mail as the receiving end saw it. */
export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The bridge's `X-Idbridge-Template` header (which mail it is). */
  template: string;
}

export class SmtpInbox {
  readonly received: ReceivedMail[] = [];
  private readonly waiters: Array<() => void> = [];
  private constructor(
    private readonly server: SMTPServer,
    /** `smtp://127.0.0.1:PORT` for IDBRIDGE_SMTP_URL. */
    readonly url: string,
  ) {}

  /** Start listening on a free loopback port. */
  static async start(): Promise<SmtpInbox> {
    let inbox: SmtpInbox | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          inbox!.deliver(parseMime(Buffer.concat(chunks).toString('utf8')));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    inbox = new SmtpInbox(server, `smtp://127.0.0.1:${port}`);
    return inbox;
  }

  private deliver(mail: ReceivedMail): void {
    this.received.push(mail);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Mails to `to` (optionally of one template), oldest first. */
  to(to: string, template?: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.toLowerCase().includes(to.toLowerCase()) && (template === undefined || m.template === template));
  }

  /** The `count`-th mail to `to` of `template` (1 = first), waiting up to `timeoutMs`. */
  async next(to: string, template: string, count = 1, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.to(to, template);
      if (found.length >= count) return found[count - 1]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${template} mail #${count} to ${to} within ${timeoutMs} ms (got: ${this.received.map((m) => `${m.template} → ${m.to}`).join(', ') || 'nothing'})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The first link to `origin` in a mail's plain text part. */
export function mailLink(mail: ReceivedMail, origin: string): URL {
  const match = new RegExp(`${origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\S+`).exec(mail.text);
  if (!match) throw new Error(`no link to ${origin} in the ${mail.template} mail:\n${mail.text}`);
  return new URL(match[0]);
}

/**
 * A small MIME reader for what nodemailer sends: headers (RFC 2047 words), multipart/alternative
 * parts, base64 and quoted-printable bodies. Enough to read our own mails back; not a general parser.
 */
export function parseMime(raw: string): ReceivedMail {
  const header = (block: string, name: string) =>
    new RegExp(`^${name}:\\s*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(block)?.[1]?.replace(/\r?\n[ \t]/g, ' ').trim() ?? '';
  const [head] = raw.split(/\r?\n\r?\n/, 1);
  const decodeWords = (v: string) =>
    v.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(head!)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`).slice(1, -1) : [raw];
  const bodies: Record<string, string> = {};
  for (const part of parts) {
    const [partHead, ...rest] = part.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const body = rest.join('\n\n');
    const type = header(partHead!, 'Content-Type').split(';')[0]!.toLowerCase();
    const encoding = header(partHead!, 'Content-Transfer-Encoding').toLowerCase();
    const decoded =
      encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : encoding === 'quoted-printable'
          ? Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
          : body;
    bodies[type] = decoded.replace(/\r\n/g, '\n');
  }
  return {
    to: header(head!, 'To'),
    subject: decodeWords(header(head!, 'Subject')),
    text: bodies['text/plain'] ?? '',
    html: bodies['text/html'] ?? '',
    template: header(head!, 'X-Idbridge-Template'),
  };
}

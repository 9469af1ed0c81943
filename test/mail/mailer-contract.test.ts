import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/entry/node/database.js';
import { SmtpMailer } from '../../src/entry/node/smtp-mailer.js';
import { HttpMailer } from '../../src/mail/http-mailer.js';
import { MailDeliveryError, type Mailer, type MailMessage } from '../../src/mail/mailer.js';
import { OutboxMailer } from '../../src/mail/outbox.js';
import { OutboxRepository } from '../../src/storage/outbox-repository.js';
import { TestClock } from '../helpers/clock.js';
import { parseMime } from '../helpers/smtp-inbox.js';

/** What a transport delivered, as the receiving end saw it. */
interface Received {
  to: string;
  subject: string;
  text: string;
  html: string;
}

interface Harness {
  mailer: Mailer;
  /** The messages received so far. */
  received(): Promise<Received[]>;
  /** Make the receiver refuse the next message: temporarily (4xx / 503) or for good (5xx / 400). */
  refuseNext(kind: 'transient' | 'permanent'): void;
}

const message = (overrides: Partial<MailMessage> = {}): MailMessage => ({
  to: 'anna@example.org',
  subject: 'Zurücksetzen: Ihr Passwort',
  text: 'Hallo Anna,\n\nhttps://id.example/reset?t=abc\n',
  html: '<p>Hallo <b>Anna</b></p><a href="https://id.example/reset?t=abc">Link</a>',
  template: 'reset-password',
  locale: 'de',
  ...overrides,
});

/** The one Mailer contract, run against every transport. */
function mailerContract(name: string, open: () => Promise<Harness & { close(): Promise<void> }>) {
  describe(`Mailer contract: ${name}`, () => {
    let h: Harness & { close(): Promise<void> };
    beforeAll(async () => {
      h = await open();
    });
    afterAll(async () => h.close());

    it('delivers recipient, subject, text and HTML unchanged (UTF-8 included)', async () => {
      await h.mailer.send(message());
      const got = (await h.received()).at(-1)!;
      expect(got.to).toBe('anna@example.org');
      expect(got.subject).toBe('Zurücksetzen: Ihr Passwort');
      expect(got.text.trim()).toBe(message().text.trim());
      expect(got.html.trim()).toBe(message().html);
    });

    it('delivers several messages, each once', async () => {
      const before = (await h.received()).length;
      await Promise.all([1, 2, 3].map((i) => h.mailer.send(message({ to: `u${i}@example.org`, subject: `S${i}` }))));
      const got = (await h.received()).slice(before);
      expect(got.map((m) => m.subject).sort()).toEqual(['S1', 'S2', 'S3']);
    });

    it('rejects with a transient MailDeliveryError when the receiver asks to retry later', async () => {
      h.refuseNext('transient');
      const error = await h.mailer.send(message()).catch((e: unknown) => e);
      if (name === 'outbox') return expect(error).toBeUndefined(); // the database has no such answer
      expect(error).toBeInstanceOf(MailDeliveryError);
      expect((error as MailDeliveryError).transient).toBe(true);
    });

    it('rejects with a permanent MailDeliveryError when the receiver refuses the message', async () => {
      h.refuseNext('permanent');
      const error = await h.mailer.send(message()).catch((e: unknown) => e);
      if (name === 'outbox') return expect(error).toBeUndefined();
      expect(error).toBeInstanceOf(MailDeliveryError);
      expect((error as MailDeliveryError).transient).toBe(false);
    });
  });
}

mailerContract('SMTP (nodemailer → in-process smtp-server)', async () => {
  const received: Received[] = [];
  let refuse: 'transient' | 'permanent' | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        if (refuse) {
          const kind = refuse;
          refuse = undefined;
          const err = Object.assign(new Error(kind === 'transient' ? 'mailbox busy, try later' : 'no such user'), { responseCode: kind === 'transient' ? 451 : 550 });
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push(parseMime(raw));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const mailer = new SmtpMailer({
    url: `smtp://127.0.0.1:${port}`,
    from: 'Acme <no-reply@acme.example>',
    allowPlain: true,
    settings: { maxConnections: 2, connectionTimeoutMs: 5000, greetingTimeoutMs: 5000, socketTimeoutMs: 5000 },
  });
  return {
    mailer,
    received: async () => received,
    refuseNext: (kind) => void (refuse = kind),
    close: async () => {
      mailer.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
});

mailerContract('HTTP mail API (fetch → loopback receiver)', async () => {
  const received: Received[] = [];
  let refuse: 'transient' | 'permanent' | undefined;
  const seenAuth: string[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seenAuth.push(req.headers.authorization ?? '');
    if (refuse) {
      res.statusCode = refuse === 'transient' ? 503 : 400;
      refuse = undefined;
      return res.end('{"error":"nope"}');
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received & { from: string };
    expect(body.from).toBe('Acme <no-reply@acme.example>');
    received.push({ to: body.to, subject: body.subject, text: body.text, html: body.html });
    res.statusCode = 202;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  return {
    mailer: new HttpMailer({ url, apiKey: 'k'.repeat(32), from: 'Acme <no-reply@acme.example>', timeoutMs: 5000, fetch: (i, init) => fetch(i, init) }),
    received: async () => {
      expect(seenAuth.every((a) => a === `Bearer ${'k'.repeat(32)}`)).toBe(true);
      return received;
    },
    refuseNext: (kind) => void (refuse = kind),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

mailerContract('outbox', async () => {
  const database = openDatabase(':memory:');
  const clock = new TestClock();
  const outbox = new OutboxMailer(new OutboxRepository(database.db, 'default'), clock, 'test');
  return {
    mailer: { send: async (m) => (clock.advance(1), outbox.send(m)) },
    received: async () => (await outbox.list(100)).reverse().map((e) => ({ to: e.to, subject: e.subject, text: e.text, html: e.html })),
    refuseNext: () => undefined,
    close: async () => database.close(),
  };
});

describe('SMTP transport security', () => {
  it('requires TLS when plain SMTP is not allowed: a server without STARTTLS is refused, permanently', async () => {
    let delivered = 0;
    const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, onData: (s, _x, cb) => (s.resume(), s.on('end', () => (delivered++, cb()))) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const mailer = new SmtpMailer({
      url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
      from: 'no-reply@acme.example',
      allowPlain: false,
      settings: { maxConnections: 1, connectionTimeoutMs: 3000, greetingTimeoutMs: 3000, socketTimeoutMs: 3000 },
    });
    const error = await mailer.send(message()).catch((e: unknown) => e);
    mailer.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).transient).toBe(false);
    expect(delivered).toBe(0);
  });

  it('treats an unreachable server as transient', async () => {
    const mailer = new SmtpMailer({
      url: 'smtp://127.0.0.1:1',
      from: 'no-reply@acme.example',
      allowPlain: true,
      settings: { maxConnections: 1, connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 2000 },
    });
    const error = await mailer.send(message()).catch((e: unknown) => e);
    mailer.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).transient).toBe(true);
  });
});


import { createApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { openDatabase } from '../../src/entry/node/database.js';
import { nodeScrypt } from '../../src/entry/node/scrypt.js';
import { memoryLogger } from '../../src/log.js';
import type { Mailer, OutgoingMail } from '../../src/mail/mailer.js';
import { TestClock } from './clock.js';
import { testConfig } from './config.js';

/**
 * An app on a fresh in-memory database, for `app.request()` tests. Outgoing fetch fails unless
 * given. `mail` replaces the mail service (e.g. {@link TestOutbox}); `mailer` only the transport,
 * so mails are rendered from the real templates in their language.
 */
export async function testApp(options: { config?: Config; fetch?: typeof fetch; mail?: OutgoingMail; mailer?: Mailer } = {}) {
  const config = options.config ?? testConfig();
  const database = openDatabase(':memory:');
  const logger = memoryLogger();
  const clock = new TestClock();
  const { app, services } = await createApp({
    config,
    db: database.db,
    clock,
    logger,
    scrypt: nodeScrypt,
    fetch: options.fetch ?? (async () => Promise.reject(new Error('no network in this test'))),
    ...(options.mail ? { mail: options.mail } : {}),
    ...(options.mailer ? { mailer: options.mailer } : {}),
  });
  return { app, services, logger, clock, close: database.close };
}

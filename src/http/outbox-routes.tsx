import { Hono } from 'hono';
import { linksOf, type OutboxMailer } from '../mail/outbox.js';
import { Layout } from '../views/layout.js';
import type { AppEnv } from './context.js';

/**
 * `/dev/outbox`: the mails of the development outbox, newest first, with their links. Mounted by
 * the app only when the outbox is the transport, which the config allows only outside production.
 * The HTML part is not rendered here (it would need its own CSP); the text part carries the same link.
 */
export function outboxRoutes(outbox: OutboxMailer) {
  const app = new Hono<AppEnv>();
  app.get('/dev/outbox', async (c) => {
    const ui = c.get('ui');
    const { t } = ui;
    const mails = await outbox.list(50);
    return c.html(
      <Layout title={t('outbox.title')} ui={ui}>
        <h1>{t('outbox.title')}</h1>
        <p class="message">{t('outbox.intro')}</p>
        {mails.length === 0 ? <p>{t('outbox.empty')}</p> : null}
        {mails.map((m) => (
          <article class="mail" aria-labelledby={`mail-${m.id}`}>
            <h2 id={`mail-${m.id}`}>{m.subject}</h2>
            <dl class="identity">
              <dt>{t('outbox.to')}</dt>
              <dd>{m.to}</dd>
              <dt>{t('outbox.sent')}</dt>
              <dd>
                <time datetime={new Date(m.createdAt).toISOString()}>{new Date(m.createdAt).toISOString().replace('T', ' ').slice(0, 19)}</time> ({m.template}, {m.locale})
              </dd>
              <dt>{t('outbox.links')}</dt>
              <dd>
                {linksOf(m.text).map((link) => (
                  <a href={link} class="mail-link">
                    {link}
                  </a>
                ))}
              </dd>
            </dl>
            <pre class="mail-text">{m.text}</pre>
          </article>
        ))}
      </Layout>,
    );
  });
  return app;
}

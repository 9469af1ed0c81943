import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { Languages } from '../../src/i18n/languages.js';
import { MAIL_TEMPLATE_IDS, MailTemplates } from '../../src/mail/templates.js';
import { TemplateMail } from '../../src/mail/outgoing-mail.js';
import { MailDeliveryError, type MailMessage } from '../../src/mail/mailer.js';
import { memoryLogger } from '../../src/log.js';

const languages = new Languages({ defaultLocale: 'en' });
const brand = { productName: 'Acme <Shop>', brandColour: '#1f4e8c', onBrandColour: '#ffffff' };
const values = { link: 'https://id.example/reset?t=a&b=<x>', expiresInMinutes: 60, name: '<script>alert(1)</script>', providers: ['Google'], provider: 'GitHub' };

describe('mail templates', () => {
  it('renders every template in English and German: subject, greeting, the link, expiry, product name', () => {
    const templates = new MailTemplates(languages);
    for (const id of MAIL_TEMPLATE_IDS) {
      const en = templates.render(id, 'en', values, brand);
      const de = templates.render(id, 'de', values, brand);
      expect(en.subject).toContain('Acme <Shop>');
      expect(en.text).toContain(values.link);
      expect(en.text).toContain('Hello <script>alert(1)</script>,');
      expect(de.text).toContain('Hallo <script>alert(1)</script>,');
      expect(de.subject).not.toBe(en.subject);
      expect(en.html).toContain('lang="en"');
      expect(de.html).toContain('lang="de"');
      if (id !== 'reset-password-no-password') {
        expect(en.text).toContain('The link works for 60 minutes.');
        expect(de.text).toContain('Der Link ist 60 Minuten lang gültig.');
      }
    }
  });

  it('escapes every value in the HTML part', () => {
    const { html } = new MailTemplates(languages).render('reset-password', 'en', values, brand);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('href="https://id.example/reset?t=a&amp;b=&lt;x&gt;"');
    expect(html).toContain('Acme &lt;Shop&gt;');
  });

  it('uses hours for whole hours and the singular where it applies', () => {
    const t = new MailTemplates(languages);
    expect(t.render('verify-email', 'en', { ...values, expiresInMinutes: 1440 }, brand).text).toContain('24 hours');
    expect(t.render('verify-email', 'de', { ...values, expiresInMinutes: 1 }, brand).text).toContain('1 Minute lang');
  });

  it('replaces a template per language with the operator file, values escaped in HTML', () => {
    const t = new MailTemplates(languages, [
      { name: 'reset-password.de.txt', content: 'Subject: Neues Passwort für {{productName}}\n\n{{greeting}} Hier: {{link}} ({{expiry}})\n' },
      { name: 'reset-password.de.html', content: '<p>{{ name }}</p><a href="{{link}}">x</a>' },
    ]);
    const de = t.render('reset-password', 'de', values, brand);
    expect(de.subject).toBe('Neues Passwort für Acme <Shop>');
    expect(de.text).toBe(`Hallo <script>alert(1)</script>, Hier: ${values.link} (Der Link ist 60 Minuten lang gültig.)\n`);
    expect(de.html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><a href="https://id.example/reset?t=a&amp;b=&lt;x&gt;">x</a>');
    // English stays built in.
    expect(t.render('reset-password', 'en', values, brand).subject).toBe('Reset your Acme <Shop> password');
  });

  it('refuses bad override files at start, naming each file', () => {
    const attempt = () =>
      new MailTemplates(languages, [
        { name: 'welcome.en.html', content: '{{link}}' },
        { name: 'reset-password.xx.html', content: '{{link}}' },
        { name: 'reset-password.en.html', content: '<p>no link here {{token}}</p>' },
        { name: 'verify-email.en.txt', content: 'no subject line {{link}}' },
        { name: 'link-account.de.txt', content: 'Subject: x\n\n{{link}}' },
        { name: 'notes.md', content: '' },
      ]);
    expect(attempt).toThrow(ConfigError);
    const problems = (() => {
      try {
        attempt();
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toEqual([
      expect.stringMatching(/^mail\.templates: welcome\.en\.html: unknown template "welcome"/),
      expect.stringMatching(/^mail\.templates: reset-password\.xx\.html: unknown language "xx"/),
      expect.stringMatching(/^mail\.templates: reset-password\.en\.html: unknown placeholder \{\{token\}\}/),
      'mail.templates: reset-password.en.html: missing the placeholder {{link}}',
      expect.stringMatching(/^mail\.templates: verify-email\.en\.txt: must start with a "Subject: …" line/),
      'mail.templates: link-account.de.txt: missing the placeholder {{provider}}',
      expect.stringMatching(/^mail\.templates: notes\.md: the file name must be/),
    ]);
  });
});

describe('OutgoingMail', () => {
  const sent: MailMessage[] = [];
  const make = (fail?: Error) => {
    const logger = memoryLogger();
    const mail = new TemplateMail({
      templates: new MailTemplates(languages),
      languages,
      brand,
      logger,
      transport: { send: async (m) => (fail ? Promise.reject(fail) : void sent.push(m)) },
    });
    return { mail, logger };
  };

  it('sends in the nearest available language (de-AT → de, unknown → default)', async () => {
    const { mail } = make();
    await mail.send('anna@example.org', 'verify-email', 'de-AT', values);
    await mail.send('anna@example.org', 'verify-email', 'tlh', values);
    expect(sent.slice(-2).map((m) => [m.locale, m.template])).toEqual([['de', 'verify-email'], ['en', 'verify-email']]);
  });

  it('logs a failure as one JSON line without the link or the address, and rethrows it', async () => {
    const { mail, logger } = make(new MailDeliveryError('SMTP 451: try later https://id.example/reset?t=a', true));
    const error = await mail.send('anna@example.org', 'reset-password', 'en', values).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailDeliveryError);
    const line = JSON.stringify(logger.entries);
    expect(line).toContain('mail_failed');
    expect(line).not.toContain('id.example/reset');
    expect(line).not.toContain('anna@');
    expect(line).toContain('example.org');
  });

  it('refuses a header-breaking address and a non-http link', async () => {
    const { mail } = make();
    await expect(mail.send('a@b.c\r\nBcc: x@y.z', 'verify-email', 'en', values)).rejects.toThrow(MailDeliveryError);
    await expect(mail.send('a@b.c', 'verify-email', 'en', { ...values, link: 'javascript:alert(1)' })).rejects.toThrow(MailDeliveryError);
  });
});

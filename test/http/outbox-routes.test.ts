import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';

describe('the development outbox page', () => {
  it('lists sent mails with their links in tests and development', async () => {
    const { app, services, close } = await testApp();
    try {
      expect(services.config.mail.transport).toBe('outbox');
      await services.mail.send('anna@example.org', 'verify-email', 'de', { link: 'https://id.example/verify?t=tok', expiresInMinutes: 30 });
      const res = await app.request('/dev/outbox');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('anna@example.org');
      expect(html).toContain('href="https://id.example/verify?t=tok"');
      expect(html).toContain('Bestätigen Sie Ihre E-Mail-Adresse');
    } finally {
      close();
    }
  });

  it('does not exist in production', async () => {
    const config = testConfig({ IDBRIDGE_ENV: 'production', IDBRIDGE_PUBLIC_URL: 'https://id.example', IDBRIDGE_SCRYPT_LN: '17', IDBRIDGE_DEMO: 'false' });
    expect(config.mail.transport).toBe('none');
    const { app, services, close } = await testApp({ config });
    try {
      expect(services.outbox).toBeUndefined();
      expect((await app.request('/dev/outbox')).status).toBe(404);
      await expect(services.mail.send('a@example.org', 'verify-email', 'en', { link: 'https://id.example/v', expiresInMinutes: 5 })).rejects.toThrow(/no mail transport/);
    } finally {
      close();
    }
  });

  it('mail settings are validated, naming the variable', () => {
    expect(() => testConfig({ IDBRIDGE_SMTP_URL: 'smtp://mail.example:587' })).toThrow(/IDBRIDGE_MAIL_FROM: required when IDBRIDGE_SMTP_URL is set/);
    expect(() => testConfig({ IDBRIDGE_SMTP_URL: 'http://x', IDBRIDGE_MAIL_FROM: 'a@b.c' })).toThrow(/IDBRIDGE_SMTP_URL: must be smtp:/);
    expect(() => testConfig({ IDBRIDGE_MAIL_API_URL: 'http://mail.example/send', IDBRIDGE_MAIL_FROM: 'a@b.c', IDBRIDGE_MAIL_API_KEY: 'k'.repeat(20) })).toThrow(/IDBRIDGE_MAIL_API_URL: must use https/);
    expect(() => testConfig({ IDBRIDGE_MAIL_FROM: 'a@b.c\r\nBcc: x@y' })).toThrow(/IDBRIDGE_MAIL_FROM: must be an address/);
    expect(testConfig({ IDBRIDGE_SMTP_URL: 'smtp://127.0.0.1:2525', IDBRIDGE_MAIL_FROM: 'a@b.c' }).mail).toMatchObject({ transport: 'smtp', smtpAllowPlain: true });
    expect(testConfig({ IDBRIDGE_SMTP_URL: 'smtp://mail.example:587', IDBRIDGE_MAIL_FROM: 'a@b.c' }).mail.smtpAllowPlain).toBe(false);
  });
});

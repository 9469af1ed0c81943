/**
 * The sign-in and sign-up flow in German (issue 11 §9): chosen by Accept-Language, and by the
 * relying party's `ui_locales`, which overrides the browser and is kept for the whole flow (it is
 * stored with the bridge request: the login and sign-up POSTs carry no `ui_locales` of their own).
 * Pages, field messages and error pages are German; mails are rendered from the real templates in
 * German, and the pages behind their links stay German in a browser that asks for English.
 * Real app over `app.request()`, in-memory SQLite, a capturing mail transport.
 */
import { describe, expect, it } from 'vitest';
import type { MailMessage } from '../../src/mail/mailer.js';
import { testApp } from '../helpers/app.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';

const BASE = 'http://127.0.0.1:3000';
const REDIRECT = 'https://rp.example/cb';
const PASSWORD = 'violet kettle 42 marmalade';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

async function setup(env: Record<string, string> = {}) {
  const sent: MailMessage[] = [];
  const mailer = { send: async (message: MailMessage) => void sent.push(message) };
  const t = await testApp({ config: testConfig(env), mailer });
  const { client } = await t.services.clients.register({ name: 'Shop', redirectUris: [REDIRECT], public: true, trusted: true });
  /** A browser that sends `acceptLanguage` with every request, as a real one does. */
  const browser = (acceptLanguage: string) =>
    new TestBrowser(BASE, async (url, init) => t.app.request(url, { ...init, headers: { ...(init.headers as Record<string, string>), 'accept-language': acceptLanguage } }));

  async function start(b: TestBrowser, extra: Record<string, string> = {}) {
    const query = new URLSearchParams({
      client_id: client.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid email profile',
      state: 'st',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      ...extra,
    });
    const res = await b.get(`/authorize?${query}`);
    expect(res.status).toBe(302);
    const verify = res.headers.get('location')!;
    const login = await b.get(verify);
    return { html: await login.text(), res: login, requestId: new URL(verify).searchParams.get('request_id')!, verify };
  }

  async function mailTo(to: string, template: string): Promise<MailMessage> {
    for (let i = 0; i < 100; i++) {
      const found = sent.find((m) => m.to === to && m.template === template);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ${template} mail to ${to}`);
  }

  return { ...t, sent, browser, start, mailTo };
}

const text = (html: string) => page(html)('main').text().replace(/\s+/g, ' ');
const linkOf = (mail: MailMessage) => new URL(/https?:\/\/\S+/.exec(mail.text)![0]);

describe('pages in the language of the browser or the relying party', () => {
  it('Accept-Language: de — login page, refused sign-ins and the error page are German', async () => {
    const t = await setup();
    try {
      const b = t.browser('de-DE,de;q=0.9,en;q=0.5');
      const { html, res, requestId } = await t.start(b);
      expect(res.headers.get('content-language')).toBe('de');
      const $ = page(html);
      expect($('html').attr('lang')).toBe('de');
      expect($('h1').text()).toBe('Anmelden');
      expect($('label[for=identifier]').text()).toBe('E-Mail-Adresse oder Benutzername');
      expect($('a[href^="/forgot"]').text()).toBe('Passwort vergessen?');
      expect(text(html)).toContain('Neu hier? Konto erstellen');

      const wrong = await b.submit(html, { identifier: 'nobody@example.com', password: 'not the password' }, 'form[action="/login"]');
      expect(wrong.status).toBe(401);
      expect(page(await wrong.text())('[role=alert]').text()).toBe('E-Mail-Adresse/Benutzername oder Passwort ist falsch.');
      const empty = await b.submit(html, { identifier: '', password: '' }, 'form[action="/login"]');
      expect(empty.status).toBe(400);
      expect(page(await empty.text())('[role=alert]').text()).toBe('Bitte geben Sie Ihre E-Mail-Adresse oder Ihren Benutzernamen und Ihr Passwort ein.');

      // An error page: German title and message, and no English detail line under them.
      const foreign = await t.browser('de').get(`/verify/status?request_id=${requestId}`);
      const errorPage = await foreign.text();
      expect(foreign.status).toBe(403);
      expect(page(errorPage)('h1').text()).toBe('In einem anderen Browser begonnen');
      expect(errorPage).not.toMatch(/started in another browser/i);
      expect(page(errorPage)('.details')).toHaveLength(0);
      // The same error in English keeps its detail.
      const english = await (await t.browser('en').get(`/verify/status?request_id=${requestId}`)).text();
      expect(page(english)('.details').text()).toMatch(/started in another browser/);
    } finally {
      t.close();
    }
  });

  it('ui_locales=de beats Accept-Language: en through sign-up, the verification mail and its link', async () => {
    const t = await setup({ IDBRIDGE_EMAIL_VERIFICATION: 'require' });
    try {
      const b = t.browser('en-US,en;q=0.9');
      const { html, verify } = await t.start(b, { prompt: 'create', ui_locales: 'de' });
      expect(new URL(verify).searchParams.get('ui_locales')).toBe('de');
      const $ = page(html);
      expect($('html').attr('lang')).toBe('de');
      expect($('h1').text()).toBe('Erstellen Sie Ihr Konto');
      expect($('label[for=signup-fullname]').text()).toBe('Vollständiger Name');
      expect($('#signup-password-hint').text()).toContain('Mindestens');

      // The POST has no ui_locales and an English browser: the stored request keeps it German.
      const refused = await b.submit(html, { fullname: 'Dora', email: 'not-an-address', password: 'short' }, 'form[action="/signup"]');
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-language')).toBe('de');
      const r = page(await refused.text());
      expect(r('[role=alert]').first().text()).toBe('Bitte korrigieren Sie die markierten Felder.');
      expect(r('#signup-email-error').text()).toBe('Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@example.com.');
      expect(r('#signup-password-error').text()).toMatch(/^Das Passwort muss mindestens \d+ Zeichen lang sein\.$/);
      const common = page(await (await b.submit(html, { email: 'dora@example.com', password: 'password123' }, 'form[action="/signup"]')).text());
      expect(common('#signup-password-error').text()).toContain('zu verbreitet');

      const done = await b.submit(html, { fullname: 'Dora', email: 'dora@example.com', password: PASSWORD }, 'form[action="/signup"]');
      expect(done.status).toBe(200);
      const checkMail = await done.text();
      expect(page(checkMail)('h1').text()).toBe('Prüfen Sie Ihr Postfach');
      expect(text(checkMail)).toContain('Wir haben einen Link an dora@example.com gesendet.');
      expect(page(checkMail)('form[action^="/verify-email/resend"] button').text().trim()).toBe('Link erneut senden');

      // The mail: German, from the real templates; its link keeps the language.
      const mail = await t.mailTo('dora@example.com', 'verify-email');
      expect(mail.locale).toBe('de');
      expect(mail.subject).toMatch(/^Bestätigen Sie Ihre E-Mail-Adresse/);
      expect(mail.text).toContain('Hallo Dora');
      expect(mail.html).toContain('E-Mail-Adresse bestätigen');
      const link = linkOf(mail);
      expect(link.searchParams.get('ui_locales')).toBe('de');
      // The new account's `language` is the sign-up's: later mails no page asked for use it.
      const user = await t.services.userStore.findByLogin('dora@example.com');
      expect(user?.profile.language).toBe('de');

      // Resend from the check-mail page: still German (the form's action carries the language).
      const resent = await b.submit(checkMail, {}, 'form[action^="/verify-email/resend"]');
      expect(page(await resent.text())('[role=status]').text()).toContain('Falls diese Adresse auf ihre Bestätigung wartet');

      // The link opened on a phone that asks for English: the page follows the mail's language.
      const phone = t.browser('en');
      const confirm = await (await phone.get(`${link.pathname}${link.search}`)).text();
      expect(page(confirm)('h1').text()).toBe('E-Mail-Adresse bestätigen');
      const confirmed = await phone.submit(confirm, {}, 'form[action^="/verify-email?"]');
      expect(page(await confirmed.text())('h1').text()).toBe('E-Mail-Adresse bestätigt');
    } finally {
      t.close();
    }
  });

  it('ui_locales=de carries through the forgot / reset pages and the reset mail', async () => {
    const t = await setup();
    try {
      const { createUser } = await import('../../src/users/create-user.js');
      await createUser({ email: 'ann@example.com', password: PASSWORD, fullname: 'Ann' }, { store: t.services.userStore, hasher: t.services.hasher, now: t.clock.now() });
      const b = t.browser('en');
      const { html } = await t.start(b, { ui_locales: 'de' });
      // A wrong password, posted without ui_locales: German from the stored request.
      const wrong = await b.submit(html, { identifier: 'ann@example.com', password: 'not it at all' }, 'form[action="/login"]');
      expect(page(await wrong.text())('[role=alert]').text()).toBe('E-Mail-Adresse/Benutzername oder Passwort ist falsch.');

      const forgotHref = page(html)('a[href^="/forgot"]').attr('href')!;
      const forgot = await (await b.get(forgotHref)).text();
      expect(page(forgot)('h1').text()).toBe('Passwort zurücksetzen');
      const bad = await b.submit(forgot, { email: '' }, 'form[action^="/forgot?"]');
      expect(bad.status).toBe(400);
      expect(page(await bad.text())('#forgot-error').text()).toBe('Bitte geben Sie Ihre E-Mail-Adresse ein.');
      const sentPage = await (await b.submit(forgot, { email: 'ann@example.com' }, 'form[action^="/forgot?"]')).text();
      expect(page(sentPage)('h1').text()).toBe('Prüfen Sie Ihr Postfach');
      expect(page(sentPage)('.links a').text()).toBe('Zurück zur Anmeldung');

      const mail = await t.mailTo('ann@example.com', 'reset-password');
      expect(mail.locale).toBe('de');
      expect(mail.subject).toMatch(/Passwort zurücksetzen$/);
      const link = linkOf(mail);
      const phone = t.browser('en');
      const reset = await (await phone.get(`${link.pathname}${link.search}`)).text();
      expect(page(reset)('h1').text()).toBe('Neues Passwort wählen');
      const mismatch = await phone.submit(reset, { password: 'a brand new tangerine 7', confirm: 'something else' }, 'form[action^="/reset-password?"]');
      expect(page(await mismatch.text())('#reset-error').text()).toBe('Die beiden Passwörter stimmen nicht überein.');
      const changed = await phone.submit(reset, { password: 'a brand new tangerine 7', confirm: 'a brand new tangerine 7' }, 'form[action^="/reset-password?"]');
      expect(page(await changed.text())('h1').text()).toBe('Passwort geändert');
    } finally {
      t.close();
    }
  });

  it('without ui_locales or Accept-Language the pages stay in the default language (English)', async () => {
    const t = await setup();
    try {
      const b = new TestBrowser(BASE, async (url, init) => t.app.request(url, init));
      const { html } = await t.start(b);
      expect(page(html)('html').attr('lang')).toBe('en');
      expect(page(html)('h1').text()).toBe('Sign in');
      const wrong = await b.submit(html, { identifier: 'x@example.com', password: 'nope nope' }, 'form[action="/login"]');
      expect(page(await wrong.text())('[role=alert]').text()).toBe('The email/username or password is incorrect.');
    } finally {
      t.close();
    }
  });
});

describe('consent labels', () => {
  it('every labelled scope and standard attribute has a message in English and German', async () => {
    const { LABELLED_SCOPES } = await import('../../src/provider/consent-labels.js');
    const { EXTENDED_FIELDS, SREG_FIELDS } = await import('../../src/users/profile.js');
    const { BUILTIN_CATALOGUES, translator } = await import('../../src/i18n/translate.js');
    const { consentLabelText } = await import('../../src/views/consent-label.js');
    const de = translator('de', BUILTIN_CATALOGUES['de']!);
    for (const scope of LABELLED_SCOPES) expect(Object.hasOwn(BUILTIN_CATALOGUES['de']!, `consent.scope.${scope}`)).toBe(true);
    for (const attribute of [...SREG_FIELDS, ...EXTENDED_FIELDS]) expect(Object.hasOwn(BUILTIN_CATALOGUES['de']!, `attribute.${attribute}`)).toBe(true);
    expect(consentLabelText({ scope: 'email' }, de)).toBe('Ihre E-Mail-Adresse');
    expect(consentLabelText({ fields: [{ attribute: 'phone' }, { text: 'Lieblingskaffee' }] }, de)).toBe('Ihre Angaben: Telefonnummer, Lieblingskaffee');
  });
});

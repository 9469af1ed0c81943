/**
 * The account page at the bridge, through `app.request()` on a real in-memory SQLite database
 * (all-in-one, so connected apps and the identity service's revocation run in process). Mails go
 * to an in-process outbox; tests open their links.
 */
import { describe, expect, it } from 'vitest';
import { ProfileRepository } from '../../src/storage/profile-store.js';
import { ProfileCompletion } from '../../src/identity/profile-completion.js';
import { testApp } from '../helpers/app.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { linkIn, TestOutbox } from '../helpers/mail.js';

const BASE = 'http://127.0.0.1:3000';
const PASSWORD = 'violet kettle 42 marmalade';
const NEW_PASSWORD = 'amber lantern 77 quince';

const PROFILE = {
  fields: {
    fullname: { requirement: 'optional' },
    phone: { requirement: 'optional' },
    coffee: { type: 'select', label: { en: 'Coffee', de: 'Kaffee' }, options: ['espresso', 'latte'], requirement: 'optional' },
  },
};

async function setup(env: Record<string, string> = {}) {
  const mail = new TestOutbox();
  const t = await testApp({ config: testConfig(env, { document: { name: 'idbridge.config.yaml', data: { profile: PROFILE } } }), mail });
  let n = 0;
  async function createUser(email: string, password: string | null = PASSWORD) {
    const id = `u_test${++n}`;
    await t.services.userStore.insert({
      id,
      email,
      username: null,
      passwordHash: password === null ? null : await t.services.hasher.hash(password),
      profile: {},
      phone: null,
      customerId: null,
      externalId: null,
      emailVerified: true,
      blocked: false,
      createTime: t.clock.now(),
    });
    return id;
  }
  const browser = () => TestBrowser.forApp(t.app, BASE);
  async function signIn(b: TestBrowser, identifier: string, password = PASSWORD) {
    const html = await (await b.get('/account/signin')).text();
    return b.submit(html, { identifier, password }, 'form[action="/account/signin"]');
  }
  async function signedIn(email: string, password = PASSWORD) {
    const b = browser();
    const res = await signIn(b, email, password);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
    return b;
  }
  const accountPage = async (b: TestBrowser) => {
    const res = await b.get('/account');
    expect(res.status).toBe(200);
    return res.text();
  };
  /** Submit the account page's form with this action. */
  const submit = async (b: TestBrowser, action: string, fields: Record<string, string | null>, nth = 0) => {
    const html = await accountPage(b);
    const $ = page(html);
    const form = $(`form[action="${action}"]`).eq(nth);
    const data: Record<string, string> = {};
    form.find('input[type=hidden]').each((_, el) => {
      data[$(el).attr('name')!] = $(el).attr('value') ?? '';
    });
    for (const [k, v] of Object.entries(fields)) {
      if (v === null) delete data[k];
      else data[k] = v;
    }
    return b.post(action, data);
  };
  return { ...t, mail, createUser, browser, signIn, signedIn, accountPage, submit };
}

/** The field's error is shown, tied to its input, and the form's alert is announced. */
function expectFieldError(html: string, inputId: string, text: RegExp) {
  const $ = page(html);
  const input = $(`#${inputId}`);
  expect(input.attr('aria-invalid')).toBe('true');
  const described = input.attr('aria-describedby')!.split(' ');
  expect(described).toContain(`${inputId}-error`);
  expect($(`#${inputId}-error`).text()).toMatch(text);
  expect($('[role=alert]').length).toBeGreaterThan(0);
}

describe('signing in to the account page', () => {
  it('sends a browser without a session to sign in, for the page and for every form', async () => {
    const t = await setup();
    try {
      const b = t.browser();
      const res = await b.get('/account');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/account/signin');
      const html = await (await b.get('/account/signin')).text();
      const csrf = page(html)('input[name=csrf]').attr('value')!;
      for (const action of ['/account/password', '/account/email', '/account/profile', '/account/sessions/end', '/account/delete']) {
        const r = await b.post(action, { csrf, session: 'others' });
        expect(r.status).toBe(303);
        expect(r.headers.get('location')).toBe('/account/signin');
      }
    } finally {
      t.close();
    }
  });

  it('refuses a wrong password and unknown accounts alike, then signs in and shows the page', async () => {
    const t = await setup();
    try {
      await t.createUser('ada@example.com');
      const b = t.browser();
      const wrong = await t.signIn(b, 'ada@example.com', 'not the password');
      expect(wrong.status).toBe(401);
      const unknown = await t.signIn(b, 'nobody@example.com', 'not the password');
      expect(unknown.status).toBe(401);
      expect(page(await unknown.text())('[role=alert]').text()).toBe(page(await wrong.text())('[role=alert]').text());
      expect((await t.signIn(b, 'ada@example.com')).status).toBe(303);
      const $ = page(await t.accountPage(b));
      expect($('h1').text()).toBe('Your account');
      expect($('.message').text()).toContain('ada@example.com');
      // Every form carries the CSRF token; every input has a label.
      $('form[method=post]').each((_, f) => expect($(f).find('input[name=csrf]').attr('value')).toMatch(/^[A-Za-z0-9_-]{20,}$/));
      $('input:not([type=hidden])').each((_, el) => expect($(`label[for="${$(el).attr('id')}"]`)).toHaveLength(1));
      expect($('#account-profile-coffee option')).toHaveLength(3);
    } finally {
      t.close();
    }
  });

  it('speaks German when the browser asks for it', async () => {
    const t = await setup();
    try {
      await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      const res = await b.get('/account', { 'accept-language': 'de-DE,de;q=0.9' });
      const $ = page(await res.text());
      expect($('html').attr('lang')).toBe('de');
      expect($('h1').text()).toBe('Ihr Konto');
      expect($('label[for=account-profile-coffee]').text()).toContain('Kaffee');
    } finally {
      t.close();
    }
  });

  it('refuses a tampered CSRF token and changes nothing', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      const before = (await t.services.userStore.findById(id))!.passwordHash;
      const res = await t.submit(b, '/account/password', { csrf: 'AAAA' + 'x'.repeat(39), current: PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD });
      expect(res.status).toBe(403);
      expect((await t.services.userStore.findById(id))!.passwordHash).toBe(before);
      const gone = await t.submit(b, '/account/delete', { csrf: null, confirm: PASSWORD });
      expect(gone.status).toBe(403);
      expect(await t.services.userStore.findById(id)).not.toBeNull();
    } finally {
      t.close();
    }
  });
});

describe('changing the password', () => {
  it('needs the current password, applies the sign-up policy and stores nothing on bad input', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      const before = (await t.services.userStore.findById(id))!.passwordHash;
      const cases: Array<[Record<string, string>, string, RegExp]> = [
        [{ current: 'wrong password!', password: NEW_PASSWORD, confirm: NEW_PASSWORD }, 'password-current', /not correct/],
        [{ current: '', password: NEW_PASSWORD, confirm: NEW_PASSWORD }, 'password-current', /current password/],
        [{ current: PASSWORD, password: 'short', confirm: 'short' }, 'password-new', /at least 8/],
        [{ current: PASSWORD, password: 'Password123', confirm: 'Password123' }, 'password-new', /too common/],
        [{ current: PASSWORD, password: 'x'.repeat(1025), confirm: 'x'.repeat(1025) }, 'password-new', /at most 1024/],
        [{ current: PASSWORD, password: PASSWORD, confirm: PASSWORD }, 'password-new', /differ/],
        [{ current: PASSWORD, password: NEW_PASSWORD, confirm: `${NEW_PASSWORD}!` }, 'password-confirm', /do not match/],
        [{ current: PASSWORD, password: '<script>alert(1)</script>', confirm: 'x' }, 'password-confirm', /do not match/],
      ];
      for (const [fields, input, message] of cases) {
        const res = await t.submit(b, '/account/password', fields);
        expect(res.status, JSON.stringify(fields)).toBe(400);
        const html = await res.text();
        expectFieldError(html, input, message);
        expect(html).not.toContain('<script>alert(1)</script>');
      }
      expect((await t.services.userStore.findById(id))!.passwordHash).toBe(before);
    } finally {
      t.close();
    }
  });

  it('ends the other sessions and revokes tokens, keeps this browser signed in; only the new password works', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const here = await t.signedIn('ada@example.com');
      const other = await t.signedIn('ada@example.com');
      const res = await t.submit(here, '/account/password', { current: PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/account?done=password');
      const $ = page(await (await here.get('/account?done=password')).text());
      expect($('[role=status]').text()).toMatch(/password was changed/);
      expect($('.sessions li')).toHaveLength(1);
      expect((await other.get('/account')).headers.get('location')).toBe('/account/signin');
      // The identity service's part ran too (OP sessions, grants): consents kept.
      expect(t.logger.entries).toContainEqual(expect.objectContaining({ event: 'user_revoked', user_id: id, consents: false }));
      expect((await t.signIn(t.browser(), 'ada@example.com', PASSWORD)).status).toBe(401);
      expect((await t.signIn(t.browser(), 'ada@example.com', NEW_PASSWORD)).status).toBe(303);
    } finally {
      t.close();
    }
  });

  it('counts wrong current passwords in the login throttle', async () => {
    const t = await setup({ IDBRIDGE_THROTTLE_ACCOUNT_FAILURES: '3' });
    try {
      await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      const statuses: number[] = [];
      // The browser's device cookie has its own counter first (OWASP device cookies), then the account's.
      for (let i = 0; i < 10; i++) statuses.push((await t.submit(b, '/account/password', { current: `wrong ${i} password`, password: NEW_PASSWORD, confirm: NEW_PASSWORD })).status);
      expect(statuses).toContain(429);
      // Locked: even the right password is refused until the lock ends (the device cookie trusts this browser, so a fresh one).
      const locked = await t.signIn(t.browser(), 'ada@example.com');
      expect(locked.status).toBe(429);
      expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      t.close();
    }
  });

  it('offers an account without a password a mailed link to set one', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      await t.services.userStore.update(id, { passwordHash: null }, t.clock.now());
      const $ = page(await t.accountPage(b));
      expect($('form[action="/account/password"]')).toHaveLength(0);
      expect($('#email-current')).toHaveLength(0);
      const res = await t.submit(b, '/account/password/link', {});
      expect(res.headers.get('location')).toBe('/account?done=set-password');
      const mail = await t.mail.next('ada@example.com', 'reset-password-no-password');
      const link = linkIn(mail);
      expect(link.pathname).toBe('/reset-password');
      const form = await (await b.get(`${link.pathname}${link.search}`)).text();
      const set = await b.submit(form, { password: NEW_PASSWORD, confirm: NEW_PASSWORD }, 'form[action^="/reset-password"]');
      expect(set.status).toBe(200);
      expect((await t.signIn(t.browser(), 'ada@example.com', NEW_PASSWORD)).status).toBe(303);
    } finally {
      t.close();
    }
  });
});

describe('changing the email address', () => {
  it('keeps the old address until the new one is confirmed, and shows the pending one', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      const res = await t.submit(b, '/account/email', { email: 'Ada@New.example', current: PASSWORD });
      expect(res.headers.get('location')).toBe('/account?done=email');
      expect((await t.services.userStore.findById(id))!.email).toBe('ada@example.com');
      const $ = page(await t.accountPage(b));
      expect($('.notice').text()).toContain('ada@new.example');
      const link = linkIn(await t.mail.next('ada@new.example', 'verify-email'));
      const confirm = await (await b.get(`${link.pathname}${link.search}`)).text();
      expect((await b.submit(confirm, {}, 'form[action^="/verify-email"]')).status).toBe(200);
      const user = (await t.services.userStore.findById(id))!;
      expect(user.email).toBe('ada@new.example');
      expect(user.emailVerified).toBe(true);
      expect(page(await t.accountPage(b))('.notice').text()).not.toContain('Waiting');
    } finally {
      t.close();
    }
  });

  it('refuses a wrong password and bad addresses without sending anything', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      const cases: Array<[Record<string, string>, string, RegExp]> = [
        [{ email: 'ada@new.example', current: 'wrong password!' }, 'email-current', /not correct/],
        [{ email: '', current: PASSWORD }, 'email-new', /enter the new email/],
        [{ email: '<script>alert(1)</script>@x.example', current: PASSWORD }, 'email-new', /valid email/],
        [{ email: `${'a'.repeat(250)}@example.com`, current: PASSWORD }, 'email-new', /at most 254/],
        [{ email: 'ADA@example.com', current: PASSWORD }, 'email-new', /already your email/],
      ];
      for (const [fields, input, message] of cases) {
        const res = await t.submit(b, '/account/email', fields);
        expect(res.status, JSON.stringify(fields)).toBe(400);
        const html = await res.text();
        expectFieldError(html, input, message);
        expect(html).not.toContain('<script>alert(1)</script>');
      }
      // A name sent twice is refused as a whole.
      const csrf = page(await t.accountPage(b))('input[name=csrf]').attr('value')!;
      const twice = new URLSearchParams([['csrf', csrf], ['email', 'a@x.example'], ['email', 'b@x.example'], ['current', PASSWORD]]);
      expect((await b.post('/account/email', twice)).status).toBe(400);
      await t.mail.settle();
      expect(t.mail.sent).toHaveLength(0);
      expect((await t.services.userStore.findById(id))!.email).toBe('ada@example.com');
    } finally {
      t.close();
    }
  });

  it('answers an address another account has like any other, without a mail or a change', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      await t.createUser('bob@example.com');
      const b = await t.signedIn('ada@example.com');
      const res = await t.submit(b, '/account/email', { email: 'bob@example.com', current: PASSWORD });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/account?done=email');
      await t.mail.settle();
      expect(t.mail.sent).toHaveLength(0);
      expect((await t.services.userStore.findById(id))!.email).toBe('ada@example.com');
    } finally {
      t.close();
    }
  });

  it('asks an account without a password for a recent sign-in', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      await t.services.userStore.update(id, { passwordHash: null }, t.clock.now());
      t.clock.advance(16 * 60 * 1000);
      const res = await t.submit(b, '/account/email', { email: 'ada@new.example' });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/within the last 15 minutes/);
    } finally {
      t.close();
    }
  });
});

describe('editing the profile', () => {
  it('validates every field on the server, ties errors to fields and stores nothing on bad input', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      const cases: Array<[Record<string, string>, string, RegExp]> = [
        [{ fullname: 'Ada', phone: 'call me', coffee: 'latte' }, 'account-profile-phone', /international number/],
        [{ fullname: 'Ada', phone: '', coffee: 'tea' }, 'account-profile-coffee', /offered values/],
        [{ fullname: 'x'.repeat(201), phone: '', coffee: '' }, 'account-profile-fullname', /at most 200/],
        [{ fullname: 'Ada\u202eevil', phone: '', coffee: '' }, 'account-profile-fullname', /not allowed/],
      ];
      for (const [fields, input, message] of cases) {
        const res = await t.submit(b, '/account/profile', fields);
        expect(res.status, JSON.stringify(fields)).toBe(400);
        expectFieldError(await res.text(), input, message);
      }
      const csrf = page(await t.accountPage(b))('input[name=csrf]').attr('value')!;
      const twice = new URLSearchParams([['csrf', csrf], ['fullname', 'A'], ['fullname', 'B']]);
      const wrongType = await b.post('/account/profile', twice);
      expect(wrongType.status).toBe(400);
      expectFieldError(await wrongType.text(), 'account-profile-fullname', /single value/);
      const user = (await t.services.userStore.findById(id))!;
      expect(user.profile.fullname).toBeUndefined();
      expect(user.phone).toBeNull();
      expect(user.attributes.coffee).toBeUndefined();
    } finally {
      t.close();
    }
  });

  it('stores the values in the same store as completion, escapes them, and clears emptied fields', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      const saved = await t.submit(b, '/account/profile', { fullname: '<script>alert(1)</script>', phone: '+49 30 1234567', coffee: 'latte' });
      expect(saved.headers.get('location')).toBe('/account?done=profile');
      let user = (await t.services.userStore.findById(id))!;
      expect(user.profile.fullname).toBe('<script>alert(1)</script>');
      expect(user.phone).toBe('+49301234567');
      expect(user.attributes.coffee).toBe('latte');
      const html = await t.accountPage(b);
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(page(html)('#account-profile-fullname').attr('value')).toBe('<script>alert(1)</script>');
      // Every optional field was on the form: completion does not offer them again.
      expect(await new ProfileCompletion({ model: t.services.profileModel, store: new ProfileRepository(t.services.userStore, t.services.links), clock: t.clock }).formFor(user)).toBeNull();

      expect((await t.submit(b, '/account/profile', { fullname: 'Ada', phone: '', coffee: '' })).status).toBe(303);
      user = (await t.services.userStore.findById(id))!;
      expect(user.profile.fullname).toBe('Ada');
      expect(user.phone).toBeNull();
      expect(Object.hasOwn(user.attributes, 'coffee')).toBe(false);
    } finally {
      t.close();
    }
  });
});

describe('sessions', () => {
  it('lists the sessions with device and times, ends one, then all others', async () => {
    const t = await setup();
    try {
      await t.createUser('ada@example.com');
      const here = await t.signedIn('ada@example.com');
      const phone = t.browser();
      const html = await (await phone.get('/account/signin')).text();
      const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
      const data = new URLSearchParams({ csrf: page(html)('input[name=csrf]').attr('value')!, identifier: 'ada@example.com', password: PASSWORD });
      const res = await t.app.request(`${BASE}/account/signin`, {
        method: 'POST',
        headers: { cookie: [...phone.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded', 'user-agent': ua },
        body: data.toString(),
      });
      expect(res.status).toBe(303);
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        phone.cookies.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
      }
      const third = await t.signedIn('ada@example.com');

      const $ = page(await t.accountPage(here));
      const items = $('.sessions li');
      expect(items).toHaveLength(3);
      expect(items.text()).toContain('Safari · iOS');
      expect(items.text()).toMatch(/This browser/);
      expect(items.text()).toMatch(/Signed in .* UTC, last used .* UTC/);
      // The form names sessions by a reference, never the session id or its stored hash.
      const refs = $('form[action="/account/sessions/end"] input[name=session]').map((_, el) => $(el).attr('value')).get();
      expect(refs).toContain('others');
      const phoneItem = items.filter((_, li) => $(li).text().includes('Safari · iOS'));
      const ref = phoneItem.find('input[name=session]').attr('value')!;
      expect(ref).toMatch(/^[A-Za-z0-9_-]{22}$/);

      const ended = await here.post('/account/sessions/end', { csrf: $('input[name=csrf]').attr('value')!, session: ref });
      expect(ended.headers.get('location')).toBe('/account?done=session');
      expect((await phone.get('/account')).headers.get('location')).toBe('/account/signin');
      expect((await third.get('/account')).status).toBe(200);
      // A reference of another user's session, or a malformed one, ends nothing.
      expect((await here.post('/account/sessions/end', { csrf: $('input[name=csrf]').attr('value')!, session: '<script>' })).status).toBe(400);

      expect((await t.submit(here, '/account/sessions/end', { session: 'others' })).headers.get('location')).toBe('/account?done=sessions');
      expect((await third.get('/account')).headers.get('location')).toBe('/account/signin');
      expect(page(await t.accountPage(here))('.sessions li')).toHaveLength(1);
    } finally {
      t.close();
    }
  });
});

describe('connected apps', () => {
  it('lists the remembered consents on the account page and withdraws one', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const { client } = await t.services.clients.register({ name: 'Shop', redirectUris: ['https://rp.example/cb'], public: true });
      await t.services.consents.remember(id, client.clientId, ['openid', 'email'], t.clock.now());
      const b = await t.signedIn('ada@example.com');
      const $ = page(await t.accountPage(b));
      expect($('#apps-heading').parent().text()).toContain('Shop');
      const res = await t.submit(b, '/account/connected-apps/withdraw', {});
      expect(res.headers.get('location')).toBe('/account?done=app');
      expect(await t.services.consents.list(id)).toHaveLength(0);
    } finally {
      t.close();
    }
  });
});

describe('deleting the account', () => {
  it('needs the password, then deletes through the Users API path, revokes consents and signs out', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const { client } = await t.services.clients.register({ name: 'Shop', redirectUris: ['https://rp.example/cb'], public: true });
      await t.services.consents.remember(id, client.clientId, ['openid'], t.clock.now());
      const b = await t.signedIn('ada@example.com');
      const other = await t.signedIn('ada@example.com');

      for (const confirm of ['', 'wrong password!', 'ada@example.com']) {
        const refused = await t.submit(b, '/account/delete', { confirm });
        expect(refused.status).toBe(400);
        expectFieldError(await refused.text(), 'delete-confirm', /password/);
      }
      expect(await t.services.userStore.findById(id)).not.toBeNull();

      const res = await t.submit(b, '/account/delete', { confirm: PASSWORD });
      expect(res.status).toBe(200);
      expect(page(await res.text())('h1').text()).toBe('Account deleted');
      expect(res.headers.getSetCookie().some((c) => c.startsWith('idb_bridge_session=') && /max-age=0/i.test(c))).toBe(true);
      expect(await t.services.userStore.findById(id)).toBeNull();
      expect(await t.services.consents.list(id)).toHaveLength(0);
      expect(await t.services.audit.list({ userId: id, limit: 10 })).toContainEqual(expect.objectContaining({ actor: 'self', operation: 'user.delete' }));
      expect((await b.get('/account')).headers.get('location')).toBe('/account/signin');
      expect((await other.get('/account')).headers.get('location')).toBe('/account/signin');
      expect((await t.signIn(t.browser(), 'ada@example.com')).status).toBe(401);
    } finally {
      t.close();
    }
  });

  it('asks an account without a password to type its address after a recent sign-in', async () => {
    const t = await setup();
    try {
      const id = await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      await t.services.userStore.update(id, { passwordHash: null }, t.clock.now());
      expect(page(await t.accountPage(b))('#delete-confirm').attr('type')).toBe('email');
      expect((await t.submit(b, '/account/delete', { confirm: 'someone@example.com' })).status).toBe(400);
      expect((await t.submit(b, '/account/delete', { confirm: ' ADA@example.com ' })).status).toBe(200);
      expect(await t.services.userStore.findById(id)).toBeNull();
    } finally {
      t.close();
    }
  });
});

describe('around the page', () => {
  it('signs out with the page\'s own form', async () => {
    const t = await setup();
    try {
      await t.createUser('ada@example.com');
      const b = await t.signedIn('ada@example.com');
      const res = await t.submit(b, '/signout', {});
      expect(res.status).toBe(200);
      expect((await b.get('/account')).headers.get('location')).toBe('/account/signin');
    } finally {
      t.close();
    }
  });

  it('on a bridge of its own: linked from the home page, connected apps managed at the identity service', async () => {
    const t = await setup({ IDBRIDGE_ROLE: 'bridge', IDBRIDGE_POSTBACK_URL: 'http://127.0.0.1:9/ows_auth', IDBRIDGE_RETURN_URL: 'http://127.0.0.1:9/ows_return' });
    try {
      await t.createUser('ada@example.com');
      expect(page(await (await t.app.request(`${BASE}/`)).text())('a[href="/account"]')).toHaveLength(1);
      const b = await t.signedIn('ada@example.com');
      const $ = page(await t.accountPage(b));
      expect($('#apps-heading').parent().find('a').attr('href')).toBe('http://127.0.0.1:9/account/apps');
      expect($('form[action="/account/connected-apps/withdraw"]')).toHaveLength(0);
    } finally {
      t.close();
    }
  });
});

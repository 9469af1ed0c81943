/**
 * Sign-up, email verification and password reset at the bridge, through `app.request()` on a real
 * in-memory SQLite database (all-in-one: the postback reaches the co-located identity service in
 * process). Mails go to an in-process outbox that renders them; tests open their links.
 */
import { describe, expect, it } from 'vitest';
import { signRevocation } from '../../src/util/revocation-token.js';
import { testApp } from '../helpers/app.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { linkIn, TestOutbox } from '../helpers/mail.js';

const BASE = 'http://127.0.0.1:3000';
const REDIRECT = 'https://rp.example/cb';
const PASSWORD = 'violet kettle 42 marmalade';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

async function setup(env: Record<string, string> = {}) {
  const mail = new TestOutbox();
  const t = await testApp({ config: testConfig(env), mail });
  const { client } = await t.services.clients.register({ name: 'Shop', redirectUris: [REDIRECT], public: true, trusted: true });
  const browser = () => TestBrowser.forApp(t.app, BASE);

  /** Start an OIDC sign-in and follow it to the bridge's login page. */
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
    const html = await (await b.get(verify)).text();
    return { html, requestId: new URL(verify).searchParams.get('request_id')!, verify };
  }

  /** Follow our own redirects; returns where the browser leaves us (the client) or the last page. */
  async function follow(b: TestBrowser, res: Response): Promise<{ location?: string; status: number; html?: string }> {
    for (let i = 0; i < 10; i++) {
      if (res.status !== 302 && res.status !== 303) return { status: res.status, html: await res.text() };
      const next = new URL(res.headers.get('location')!, BASE).toString();
      if (!next.startsWith(BASE)) return { location: next, status: res.status };
      res = await b.get(next);
    }
    throw new Error('too many redirects');
  }

  async function signUp(b: TestBrowser, fields: Record<string, string>, extra: Record<string, string> = {}) {
    const { html, requestId } = await start(b, { prompt: 'create', ...extra });
    return { res: await b.submit(html, fields, 'form[action="/signup"]'), requestId };
  }

  async function login(b: TestBrowser, identifier: string, password: string) {
    const { html } = await start(b);
    return follow(b, await b.submit(html, { identifier, password }, 'form[action="/login"]'));
  }

  return { ...t, mail, client, browser, start, follow, signUp, login };
}

const toRp = (location: string | undefined) => {
  expect(location).toBeDefined();
  const url = new URL(location!);
  expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
  expect(url.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  return url;
};

describe('sign-in and sign-up on one URL', () => {
  it('offers sign-up next to sign-in without losing the request; prompt=create opens it directly', async () => {
    const t = await setup();
    try {
      const b = t.browser();
      const { html, requestId } = await t.start(b);
      const $ = page(html);
      expect($('form[action="/login"]')).toHaveLength(1);
      const link = $('a[href*="screen=signup"]').attr('href')!;
      expect(link).toBe(`/verify/status?request_id=${requestId}&screen=signup`);
      expect($('a[href^="/forgot"]').attr('href')).toBe(`/forgot?request_id=${requestId}&ui_locales=en`);
      const signup = page(await (await b.get(link)).text());
      expect(signup('form[action="/signup"] input[name=request_id]').attr('value')).toBe(requestId);
      expect(signup('input[name=email][type=email]')).toHaveLength(1);
      expect(signup('input[name=password][autocomplete=new-password]')).toHaveLength(1);
      expect(signup('a[href*="screen=signin"]')).toHaveLength(1);

      const created = page((await t.start(b, { prompt: 'create' })).html);
      expect(created('h1').text()).toBe('Create your account');
      expect(created('form[action="/signup"]')).toHaveLength(1);
    } finally {
      t.close();
    }
  });

  it('advertises prompt=create in discovery', async () => {
    const t = await setup();
    try {
      const doc = (await (await t.app.request('/.well-known/openid-configuration')).json()) as { prompt_values_supported: string[] };
      expect(doc.prompt_values_supported).toContain('create');
    } finally {
      t.close();
    }
  });

  it('with registration off, shows no sign-up side and says so only when asked for it; the POST is refused', async () => {
    const t = await setup({ IDBRIDGE_REGISTRATION: 'false' });
    try {
      const b = t.browser();
      const plain = page((await t.start(b)).html);
      expect(plain('a[href*="screen=signup"]')).toHaveLength(0);
      expect(plain.text()).not.toMatch(/cannot be created/);
      const { html, requestId } = await t.start(b, { prompt: 'create' });
      expect(page(html)('form[action="/signup"]')).toHaveLength(0);
      expect(page(html).text()).toMatch(/New accounts cannot be created here/);
      const csrf = page(html)('input[name=csrf]').attr('value')!;
      const res = await b.post('/signup', { csrf, request_id: requestId, email: 'new@example.com', password: PASSWORD });
      expect(res.status).toBe(403);
      expect(await t.services.userStore.count()).toBe(0);
    } finally {
      t.close();
    }
  });
});

describe('sign-up: bad input gets a clear message on the form and stores nothing', () => {
  const cases: Array<[string, Record<string, string>, 'email' | 'password' | 'fullname', RegExp]> = [
    ['empty email', { email: '', password: PASSWORD }, 'email', /enter your email/],
    ['no @', { email: 'not-an-address', password: PASSWORD }, 'email', /valid email/],
    ['too long email', { email: `${'a'.repeat(250)}@example.com`, password: PASSWORD }, 'email', /at most 254/],
    ['script in email', { email: '<script>alert(1)</script>@x.example', password: PASSWORD }, 'email', /valid email/],
    ['empty password', { email: 'a@example.com', password: '' }, 'password', /choose a password/],
    ['short password', { email: 'a@example.com', password: 'short' }, 'password', /at least 8 characters/],
    ['too long password', { email: 'a@example.com', password: 'x'.repeat(1025) }, 'password', /at most 1024/],
    ['common password', { email: 'a@example.com', password: 'Password123' }, 'password', /too common/],
    ['common password, other case', { email: 'a@example.com', password: 'QWERTYUIOP' }, 'password', /too common/],
    ['too long name', { email: 'a@example.com', password: PASSWORD, fullname: 'n'.repeat(257) }, 'fullname', /at most 256/],
    ['control characters in name', { email: 'a@example.com', password: PASSWORD, fullname: 'a\u0007b' }, 'fullname', /cannot be used/],
  ];
  for (const [name, fields, field, message] of cases) {
    it(`refuses ${name}`, async () => {
      const t = await setup();
      try {
        const b = t.browser();
        const { res, requestId } = await t.signUp(b, fields);
        expect(res.status).toBe(400);
        const html = await res.text();
        const $ = page(html);
        expect($(`#signup-${field}-error`).text()).toMatch(message);
        expect($(`input[name=${field}]`).attr('aria-describedby')).toContain(`signup-${field}-error`);
        expect($('form[action="/signup"] input[name=request_id]').attr('value')).toBe(requestId);
        // Never echoed: the password. Always escaped: everything else.
        expect($('input[name=password]').attr('value')).toBeUndefined();
        expect(html).not.toContain('<script>alert(1)</script>');
        expect(await t.services.userStore.count()).toBe(0);
        await t.mail.settle();
        expect(t.mail.sent).toHaveLength(0);
      } finally {
        t.close();
      }
    });
  }

  it('refuses a repeated field, a missing CSRF token and a foreign request id without storing anything', async () => {
    const t = await setup();
    try {
      const b = t.browser();
      const { html, requestId } = await t.start(b, { prompt: 'create' });
      const csrf = page(html)('input[name=csrf]').attr('value')!;
      const twice = new URLSearchParams([['csrf', csrf], ['request_id', requestId], ['email', 'a@example.com'], ['email', 'b@example.com'], ['password', PASSWORD]]);
      expect((await b.post('/signup', twice)).status).toBe(400);
      expect((await b.post('/signup', { request_id: requestId, email: 'a@example.com', password: PASSWORD })).status).toBe(403);
      // Another browser cannot register into this browser's sign-in.
      const other = t.browser();
      const otherHtml = (await t.start(other)).html;
      const otherCsrf = page(otherHtml)('input[name=csrf]').attr('value')!;
      expect((await other.post('/signup', { csrf: otherCsrf, request_id: requestId, email: 'a@example.com', password: PASSWORD })).status).toBe(403);
      expect(await t.services.userStore.count()).toBe(0);
    } finally {
      t.close();
    }
  });

  it('stores a name with markup as text and shows it escaped', async () => {
    const t = await setup({ IDBRIDGE_EMAIL_VERIFICATION: 'require' });
    try {
      const { res } = await t.signUp(t.browser(), { email: 'X@Example.com', password: PASSWORD, fullname: '<b>Bo</b>' });
      expect(res.status).toBe(200);
      const user = await t.services.directory.findByEmail('x@example.com');
      expect(user?.profile.fullname).toBe('<b>Bo</b>');
      expect(user?.emailVerified).toBe(false);
    } finally {
      t.close();
    }
  });
});

describe('verification policy', () => {
  it('require: sign-up says "check your mail"; sign-in waits for the link; the link works in another browser', async () => {
    const t = await setup({ IDBRIDGE_EMAIL_VERIFICATION: 'require' });
    try {
      const b = t.browser();
      const { res } = await t.signUp(b, { email: 'new@example.com', password: PASSWORD, fullname: 'New Person' });
      expect(res.status).toBe(200);
      expect(page(await res.text())('h1').text()).toBe('Check your email');
      const mail = await t.mail.next('new@example.com', 'verify-email');
      expect(mail.text).toMatch(/Hello New Person/);

      // The right password is not enough yet.
      const early = await t.login(t.browser(), 'new@example.com', PASSWORD);
      expect(early.status).toBe(403);
      expect(page(early.html!)('h1').text()).toBe('Confirm your email first');

      // Another browser: a confirm button (GET uses nothing up), then the POST confirms.
      const phone = t.browser();
      const link = linkIn(mail);
      expect(link.origin).toBe(BASE);
      const confirmPage = await (await phone.get(`${link.pathname}${link.search}`)).text();
      expect((await t.services.directory.findByEmail('new@example.com'))!.emailVerified).toBe(false);
      const confirmed = await phone.submit(confirmPage, {}, 'form[action^="/verify-email?"]');
      expect(confirmed.status).toBe(200);
      expect(page(await confirmed.text())('h1').text()).toBe('Email confirmed');
      expect((await t.services.directory.findByEmail('new@example.com'))!.emailVerified).toBe(true);

      // Used once only.
      const again = await phone.submit(confirmPage, {}, 'form[action^="/verify-email?"]');
      expect(again.status).toBe(400);
      expect(page(await again.text())('h1').text()).toBe('This link no longer works');

      toRp((await t.login(t.browser(), 'new@example.com', PASSWORD)).location);
    } finally {
      t.close();
    }
  });

  it('require: the link opened in the sign-up browser continues to the relying party', async () => {
    const t = await setup({ IDBRIDGE_EMAIL_VERIFICATION: 'require' });
    try {
      const b = t.browser();
      await t.signUp(b, { email: 'same@example.com', password: PASSWORD });
      const link = linkIn(await t.mail.next('same@example.com', 'verify-email'));
      const confirmPage = await (await b.get(`${link.pathname}${link.search}`)).text();
      const out = await t.follow(b, await b.submit(confirmPage, {}, 'form[action^="/verify-email?"]'));
      toRp(out.location);
    } finally {
      t.close();
    }
  });

  it('refuses a tampered and an expired verification link', async () => {
    const t = await setup({ IDBRIDGE_EMAIL_VERIFICATION: 'require' });
    try {
      const b = t.browser();
      await t.signUp(b, { email: 'late@example.com', password: PASSWORD });
      const link = linkIn(await t.mail.next('late@example.com', 'verify-email'));
      const token = link.searchParams.get('token')!;
      const confirmPage = await (await b.get(`/verify-email?token=${token}`)).text();
      const csrf = page(confirmPage)('input[name=csrf]').attr('value')!;
      const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      for (const bad of [tampered, '', 'x'.repeat(5000), '<script>']) {
        const res = await b.post('/verify-email', { csrf, token: bad });
        expect(res.status).toBe(400);
      }
      t.clock.advance(24 * 3600 * 1000 + 1000);
      expect((await b.post('/verify-email', { csrf, token })).status).toBe(400);
      expect((await t.services.directory.findByEmail('late@example.com'))!.emailVerified).toBe(false);
    } finally {
      t.close();
    }
  });

  it('resend: a new link, then a cooldown; the same answer for unknown addresses', async () => {
    const t = await setup({ IDBRIDGE_EMAIL_VERIFICATION: 'require', IDBRIDGE_RESEND_COOLDOWN_SECONDS: '60' });
    try {
      const b = t.browser();
      const { res } = await t.signUp(b, { email: 'again@example.com', password: PASSWORD });
      const checkMail = await res.text();
      await t.mail.next('again@example.com', 'verify-email');
      t.clock.advance(61_000);
      const resent = await b.submit(checkMail, {}, 'form[action^="/verify-email/resend?"]');
      expect(resent.status).toBe(200);
      await t.mail.next('again@example.com', 'verify-email', 2);
      // Within the cooldown: the same page, no mail.
      const html = await resent.text();
      expect((await b.submit(html, {}, 'form[action^="/verify-email/resend?"]')).status).toBe(200);
      const unknown = await b.submit(html, { email: 'nobody@example.com' }, 'form[action^="/verify-email/resend?"]');
      expect(page(await unknown.text())('[role=status]').text()).toBe(page(html)('[role=status]').text());
      await t.mail.settle();
      expect(t.mail.to('again@example.com')).toHaveLength(2);
      expect(t.mail.to('nobody@example.com')).toHaveLength(0);
    } finally {
      t.close();
    }
  });

  it('assert: a new account continues to the relying party at once, with email_verified=false', async () => {
    const t = await setup({ IDBRIDGE_EMAIL_VERIFICATION: 'assert' });
    try {
      const b = t.browser();
      const { res } = await t.signUp(b, { email: 'quick@example.com', password: PASSWORD });
      toRp((await t.follow(b, res)).location);
      await t.mail.next('quick@example.com', 'verify-email');
      const user = (await t.services.directory.findByEmail('quick@example.com'))!;
      expect(user.emailVerified).toBe(false);
      expect(t.logger.entries.some((e) => e.event === 'signup_created')).toBe(true);
    } finally {
      t.close();
    }
  });

  it('requestEmailChange keeps the old address until the new one is confirmed', async () => {
    const t = await setup();
    try {
      const user = await (await import('../../src/users/create-user.js')).createUser(
        { email: 'old@example.com', password: PASSWORD, emailVerified: true },
        { store: t.services.userStore, hasher: t.services.hasher, now: t.clock.now() },
      );
      const context = { clientIp: '192.0.2.1', locale: 'en', defer: () => undefined };
      expect(await t.services.emailVerification.requestEmailChange(user.id, 'not an address', context)).toMatchObject({ kind: 'invalid' });
      expect(await t.services.emailVerification.requestEmailChange(user.id, 'NEW@example.com', context)).toEqual({ kind: 'sent', email: 'new@example.com' });
      const mail = await t.mail.next('new@example.com', 'verify-email');
      expect((await t.services.userStore.findById(user.id))!.email).toBe('old@example.com');
      const outcome = await t.services.emailVerification.confirm(linkIn(mail).searchParams.get('token')!);
      expect(outcome).toMatchObject({ kind: 'confirmed', requestId: null });
      const after = (await t.services.userStore.findById(user.id))!;
      expect(after.email).toBe('new@example.com');
      expect(after.emailVerified).toBe(true);
    } finally {
      t.close();
    }
  });
});

describe('no account enumeration through sign-up', () => {
  it('answers an existing address with the same page, mails its owner instead, and takes the same time', async () => {
    const t = await setup({ IDBRIDGE_EMAIL_VERIFICATION: 'require', IDBRIDGE_SIGNUPS_PER_IP: '1000', IDBRIDGE_RESETS_PER_ADDRESS: '1000' });
    try {
      const owner = await (await import('../../src/users/create-user.js')).createUser(
        { email: 'taken@example.com', password: PASSWORD, emailVerified: true },
        { store: t.services.userStore, hasher: t.services.hasher, now: t.clock.now() },
      );
      const b = t.browser();
      const answer = async (email: string) => {
        const { res } = await t.signUp(b, { email, password: PASSWORD });
        const html = await res.text();
        const $ = page(html);
        // The whole page, normalised: the address the user typed and the per-request id aside.
        const normalised = html.replaceAll(email, 'EMAIL').replace(/(name="request_id" value=")[^"]*"/g, '$1ID"').replace(/request_id=[\w-]+/g, 'request_id=ID');
        return { status: res.status, h1: $('h1').text(), message: $('p.message').text().replace(email, 'EMAIL'), normalised };
      };
      const existing = await answer('taken@example.com');
      const fresh = await answer('fresh@example.com');
      expect(existing).toEqual(fresh);
      // The owner hears about it (a way back in), the account is untouched.
      const mail = await t.mail.next('taken@example.com', 'reset-password');
      expect(linkIn(mail).pathname).toBe('/reset-password');
      expect((await t.services.userStore.findById(owner.id))!.updateTime).toBe(owner.updateTime);

      // Timing: median of 30 each, interleaved, within 25 %.
      const time = async (email: string) => {
        const { html } = await t.start(b, { prompt: 'create' });
        const started = performance.now();
        const res = await b.submit(html, { email, password: PASSWORD }, 'form[action="/signup"]');
        await res.text();
        return performance.now() - started;
      };
      const taken: number[] = [];
      const free: number[] = [];
      for (let i = 0; i < 30; i++) {
        taken.push(await time('taken@example.com'));
        free.push(await time(`free-${i}@example.com`));
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[15]!;
      const [a, c] = [median(taken), median(free)];
      expect(Math.abs(a - c) / Math.max(a, c), `medians ${a.toFixed(2)} ms and ${c.toFixed(2)} ms`).toBeLessThan(0.25);
    } finally {
      t.close();
    }
  }, 60_000);

  it('limits sign-ups per address (each one mails that address)', async () => {
    const t = await setup({ IDBRIDGE_RESETS_PER_ADDRESS: '2', IDBRIDGE_EMAIL_VERIFICATION: 'require' });
    try {
      const b = t.browser();
      for (let i = 0; i < 2; i++) expect((await t.signUp(b, { email: 'same@example.com', password: PASSWORD })).res.status).toBe(200);
      expect((await t.signUp(b, { email: 'same@example.com', password: PASSWORD })).res.status).toBe(429);
      await t.mail.settle();
      expect(t.mail.to('same@example.com')).toHaveLength(2);
    } finally {
      t.close();
    }
  });

  it('limits sign-ups per client network', async () => {
    const t = await setup({ IDBRIDGE_SIGNUPS_PER_IP: '2', IDBRIDGE_EMAIL_VERIFICATION: 'require' });
    try {
      const b = t.browser();
      for (const n of [1, 2]) expect((await t.signUp(b, { email: `n${n}@example.com`, password: PASSWORD })).res.status).toBe(200);
      const third = (await t.signUp(b, { email: 'n3@example.com', password: PASSWORD })).res;
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await t.services.userStore.count()).toBe(2);
    } finally {
      t.close();
    }
  });
});

describe('forgot / reset password', () => {
  async function withUser(env: Record<string, string> = {}) {
    const t = await setup(env);
    const { createUser } = await import('../../src/users/create-user.js');
    const user = await createUser({ email: 'ann@example.com', password: PASSWORD, fullname: 'Ann' }, { store: t.services.userStore, hasher: t.services.hasher, now: t.clock.now() });
    const forgot = async (b: TestBrowser, email: string) => {
      const html = await (await b.get('/forgot')).text();
      return b.submit(html, { email }, 'form[action^="/forgot?"]');
    };
    return { ...t, user, forgot };
  }

  it('answers the same page for any address and mails only existing accounts', async () => {
    const t = await withUser();
    try {
      const b = t.browser();
      const known = await t.forgot(b, 'ANN@example.com');
      const unknown = await t.forgot(b, 'nobody@example.com');
      expect(known.status).toBe(200);
      expect(await known.text()).toBe(await unknown.text());
      const mail = await t.mail.next('ann@example.com', 'reset-password');
      expect(mail.text).toMatch(/60 minutes/);
      await t.mail.settle();
      expect(t.mail.to('nobody@example.com')).toHaveLength(0);
    } finally {
      t.close();
    }
  });

  it('answers a known and an unknown address in the same time (median of 30 each, within 25 %)', async () => {
    const t = await withUser({ IDBRIDGE_RESETS_PER_ADDRESS: '1000', IDBRIDGE_RESETS_PER_IP: '1000' });
    try {
      const b = t.browser();
      const form = await (await b.get('/forgot')).text();
      const time = async (email: string) => {
        const started = performance.now();
        const res = await b.submit(form, { email }, 'form[action^="/forgot?"]');
        await res.text();
        return performance.now() - started;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 30; i++) {
        known.push(await time('ann@example.com'));
        // The mail goes out after the answer: let it finish so it is not timed as the next answer.
        await t.mail.settle();
        unknown.push(await time(`nobody-${i}@example.com`));
        await t.mail.settle();
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[15]!;
      const [a, c] = [median(known), median(unknown)];
      expect(Math.abs(a - c) / Math.max(a, c), `medians ${a.toFixed(2)} ms and ${c.toFixed(2)} ms`).toBeLessThan(0.25);
      await t.mail.settle();
      expect(t.mail.to('ann@example.com')).toHaveLength(30);
    } finally {
      t.close();
    }
  }, 60_000);

  it('mails an account without a password the "no password" mail', async () => {
    const t = await setup();
    try {
      await t.services.userStore.insert({
        id: 'u_social',
        email: 'social@example.com',
        username: null,
        passwordHash: null,
        profile: {},
        phone: null,
        customerId: null,
        externalId: null,
        emailVerified: true,
        blocked: false,
        createTime: t.clock.now(),
      });
      const b = t.browser();
      const html = await (await b.get('/forgot')).text();
      expect((await b.submit(html, { email: 'social@example.com' }, 'form[action^="/forgot?"]')).status).toBe(200);
      const mail = await t.mail.next('social@example.com');
      expect(mail.template).toBe('reset-password-no-password');
    } finally {
      t.close();
    }
  });

  it('refuses bad addresses on the form and limits per address and per network', async () => {
    const t = await withUser({ IDBRIDGE_RESETS_PER_ADDRESS: '3', IDBRIDGE_RESETS_PER_IP: '6' });
    try {
      const b = t.browser();
      for (const [email, message] of [['', /enter your email/], ['nope', /valid email/], ['<script>x</script>', /valid email/]] as const) {
        const res = await t.forgot(b, email);
        expect(res.status).toBe(400);
        const html = await res.text();
        expect(page(html)('#forgot-error').text()).toMatch(message);
        expect(html).not.toContain('<script>x</script>');
      }
      for (let i = 0; i < 3; i++) expect((await t.forgot(b, 'ann@example.com')).status).toBe(200);
      expect((await t.forgot(b, 'ann@example.com')).status).toBe(429);
      // Unknown addresses count alike (the limit reveals nothing either).
      for (let i = 0; i < 2; i++) expect((await t.forgot(b, `x${i}@example.com`)).status).toBe(200);
      expect((await t.forgot(b, 'y@example.com')).status).toBe(429);
      await t.mail.settle();
      expect(t.mail.to('ann@example.com')).toHaveLength(3);
    } finally {
      t.close();
    }
  });

  it('resets in another browser: bad passwords keep the link, the old password fails, sessions end, the link is single-use', async () => {
    const t = await withUser();
    try {
      // A browser signed in before the reset.
      const laptop = t.browser();
      toRp((await t.login(laptop, 'ann@example.com', PASSWORD)).location);

      await t.forgot(t.browser(), 'ann@example.com');
      const link = linkIn(await t.mail.next('ann@example.com', 'reset-password'));
      const phone = t.browser();
      const form = await (await phone.get(`${link.pathname}${link.search}`)).text();
      expect(page(form)('form[action^="/reset-password?"]')).toHaveLength(1);
      const newPassword = 'a brand new tangerine 7';
      for (const [fields, message] of [
        [{ password: '', confirm: '' }, /choose a password/],
        [{ password: 'short', confirm: 'short' }, /at least 8/],
        [{ password: 'iloveyou2', confirm: 'iloveyou2' }, /too common/],
        [{ password: newPassword, confirm: 'something else 123' }, /do not match/],
      ] as const) {
        const res = await phone.submit(form, fields, 'form[action^="/reset-password?"]');
        expect(res.status).toBe(400);
        expect(page(await res.text())('#reset-error').text()).toMatch(message);
      }
      expect((await t.login(t.browser(), 'ann@example.com', PASSWORD)).location).toBeDefined();

      const done = await phone.submit(form, { password: newPassword, confirm: newPassword }, 'form[action^="/reset-password?"]');
      expect(done.status).toBe(200);
      expect(page(await done.text())('h1').text()).toBe('Password changed');
      const reused = await phone.submit(form, { password: 'another fine password', confirm: 'another fine password' }, 'form[action^="/reset-password?"]');
      expect(reused.status).toBe(400);
      expect(page(await reused.text())('h1').text()).toBe('This link no longer works');

      expect((await t.login(t.browser(), 'ann@example.com', PASSWORD)).status).toBe(401);
      toRp((await t.login(t.browser(), 'ann@example.com', newPassword)).location);
      // The laptop's bridge session ended: a new sign-in there asks for the password again.
      const again = await t.start(laptop);
      expect(page(again.html)('form[action="/login"]')).toHaveLength(1);
      expect(t.logger.entries.some((e) => e.event === 'user_revoked')).toBe(true);
    } finally {
      t.close();
    }
  });

  it('offers to continue the sign-in after a reset only in the browser of that sign-in', async () => {
    const t = await withUser();
    try {
      for (const same of [true, false]) {
        const b = t.browser();
        const { html, requestId } = await t.start(b);
        const forgotHref = page(html)('a[href^="/forgot"]').attr('href')!;
        const forgotPage = await (await b.get(forgotHref)).text();
        expect(page(forgotPage)('input[name=request_id]').attr('value')).toBe(requestId);
        await b.submit(forgotPage, { email: 'ann@example.com' }, 'form[action^="/forgot?"]');
        const link = linkIn(await t.mail.next('ann@example.com', 'reset-password', same ? 1 : 2));
        const opener = same ? b : t.browser();
        const form = await (await opener.get(`${link.pathname}${link.search}`)).text();
        const password = same ? 'first new password 123' : 'second new password 456';
        const done = page(await (await opener.submit(form, { password, confirm: password }, 'form[action^="/reset-password?"]')).text());
        expect(done('h1').text()).toBe('Password changed');
        expect(done('a[href^="/verify/status"]').length).toBe(same ? 1 : 0);
      }
    } finally {
      t.close();
    }
  });

  it('refuses tampered and expired reset links', async () => {
    const t = await withUser();
    try {
      await t.forgot(t.browser(), 'ann@example.com');
      const token = linkIn(await t.mail.next('ann@example.com', 'reset-password')).searchParams.get('token')!;
      const b = t.browser();
      for (const bad of ['', 'abc', `${token}x`, '"><script>']) {
        const res = await b.get(`/reset-password?token=${encodeURIComponent(bad)}`);
        expect(res.status).toBe(400);
      }
      const form = await (await b.get(`/reset-password?token=${token}`)).text();
      t.clock.advance(3600 * 1000 + 1000);
      expect((await b.get(`/reset-password?token=${token}`)).status).toBe(400);
      const late = await b.submit(form, { password: 'a brand new tangerine 7', confirm: 'a brand new tangerine 7' }, 'form[action^="/reset-password?"]');
      expect(late.status).toBe(400);
      expect((await t.login(t.browser(), 'ann@example.com', PASSWORD)).location).toBeDefined();
    } finally {
      t.close();
    }
  });

  it('refuses every form post without this browser\'s CSRF token', async () => {
    const t = await withUser();
    try {
      const b = t.browser();
      await b.get('/forgot');
      expect((await b.post('/forgot', { email: 'ann@example.com' })).status).toBe(403);
      expect((await b.post('/reset-password', { token: 'x', password: 'p', confirm: 'p' })).status).toBe(403);
      expect((await b.post('/verify-email', { token: 'x' })).status).toBe(403);
      expect((await b.post('/verify-email/resend', { email: 'ann@example.com' })).status).toBe(403);
      await t.mail.settle();
      expect(t.mail.sent).toHaveLength(0);
    } finally {
      t.close();
    }
  });

  it('sends the forgot link of a read-only site directory to the configured site page only', async () => {
    const { forgotPasswordHref, signUpOffered } = await import('../../src/identity/availability.js');
    const registration = testConfig({ IDBRIDGE_SITE_RESET_URL: 'https://site.example/lost-password' }).registration;
    const federated = { directory: { kind: 'http', mode: 'federated' } as never, registration };
    const migrate = { directory: { kind: 'http', mode: 'migrate' } as never, registration };
    expect(signUpOffered(federated)).toBe(false);
    expect(forgotPasswordHref(federated, 'r'.repeat(20))).toBe('https://site.example/lost-password');
    expect(signUpOffered(migrate)).toBe(true);
    expect(forgotPasswordHref(migrate, 'r'.repeat(20))).toBe(`/forgot?request_id=${'r'.repeat(20)}`);
    expect(forgotPasswordHref({ ...federated, registration: { ...registration, siteResetUrl: undefined } }, undefined)).toBeUndefined();
  });
});

describe('user revocation over /ows_revoke (split deployments)', () => {
  it('revokes a user\'s grants only with a valid token for that user', async () => {
    const t = await setup();
    try {
      const key = await t.services.apiKeys.ensure();
      const post = (form: Record<string, string>) =>
        t.app.request('/ows_revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
      const good = await signRevocation(key, 'u_1', false, t.clock.now());
      expect((await post({ user_id: 'u_2', consents: 'false', token: good })).status).toBe(401);
      expect((await post({ user_id: 'u_1', consents: 'true', token: good })).status).toBe(401);
      expect((await post({ user_id: 'u_1', consents: 'maybe', token: good })).status).toBe(400);
      expect((await post({ user_id: 'u_1', consents: 'false' })).status).toBe(400);
      expect((await post({ user_id: 'u_1', consents: 'false', token: good })).status).toBe(200);
      t.clock.advance(61_000);
      expect((await post({ user_id: 'u_1', consents: 'false', token: good })).status).toBe(401);
    } finally {
      t.close();
    }
  });

  it('the bridge\'s client turns a refused or unreachable identity service into a clear 503', async () => {
    const { RemoteIdentityRevocation } = await import('../../src/bridge/user-revocation.js');
    const { memoryLogger } = await import('../../src/log.js');
    const { TestClock } = await import('../helpers/clock.js');
    const logger = memoryLogger();
    const base = { url: 'http://127.0.0.1:9/ows_revoke', apiKey: async () => 'k'.repeat(32), clock: new TestClock(), logger };
    const refused = new RemoteIdentityRevocation({ ...base, fetch: async () => new Response('invalid revocation token', { status: 401 }) });
    await expect(refused.revokeAll('u_1')).rejects.toMatchObject({ code: 'server_error', status: 503 });
    const down = new RemoteIdentityRevocation({ ...base, fetch: async () => Promise.reject(new TypeError('fetch failed')) });
    await expect(down.revokeAll('u_1')).rejects.toMatchObject({ code: 'server_error', status: 503 });
    expect(logger.entries.filter((e) => e.event === 'revoke_failed')).toHaveLength(2);
  });
});

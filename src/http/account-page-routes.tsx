import { Hono, type Context } from 'hono';
import type { AccountSignIn } from '../bridge/account-sign-in.js';
import type { BridgeSessions } from '../bridge/sessions.js';
import { invalidRequest } from '../errors.js';
import type { Account, AccountFieldError, AccountOutcome, AccountSession } from '../identity/account.js';
import { forgotPasswordHref } from '../identity/availability.js';
import type { FlowContext } from '../identity/flow-context.js';
import { profileErrorMessage, type ProfileFieldError, type ProfileModel } from '../identity/profile-model.js';
import type { MessageKey } from '../i18n/translate.js';
import type { ConnectedApps } from '../provider/connected-apps.js';
import { MAX_PASSWORD_LENGTH } from '../users/password-hasher.js';
import type { StoredUser } from '../users/user-store.js';
import type { UserDirectory } from '../users/user.js';
import { deviceLabel } from '../util/device-label.js';
import { AccountPage, AccountSignInPage, type AccountApps, type AccountForm, type AccountFormErrors } from '../views/account-page.js';
import { MessagePage } from '../views/message-page.js';
import { readBridgeSession, readDeviceEntries, writeBridgeSession, writeDeviceEntries } from './bridge-routes.js';
import { browserIdentity } from './browser.js';
import { BRIDGE_COOKIES } from './cookie-names.js';
import type { AppEnv } from './context.js';
import { assertCsrf } from './csrf-guard.js';
import { formParams, queryParams, single, type Params } from './params.js';

export interface AccountPageDeps {
  account: Account;
  signIn: AccountSignIn;
  sessions: BridgeSessions;
  directory: UserDirectory;
  model: ProfileModel;
  /**
   * Connected apps: the identity service's own service when it runs in this process
   * (all-in-one), else the URL of its `/account/apps` page (split: consents live over there).
   */
  apps: { kind: 'local'; service: ConnectedApps } | { kind: 'remote'; manageUrl: string };
  /** Whether accounts can be deleted here (the built-in directory, which the Users API writes). */
  canDelete: boolean;
  sessionTtlSeconds: number;
  passwordMinLength: number;
}

/** `?done=` values and the confirmation each shows (anything else shows none). */
const DONE: Readonly<Record<string, MessageKey>> = {
  password: 'account.done.password',
  email: 'account.done.email',
  profile: 'account.done.profile',
  session: 'account.done.session',
  sessions: 'account.done.sessions',
  app: 'account.done.app',
  'set-password': 'account.done.setPassword',
};

/**
 * The account page at the bridge (issue 11 §6), where the users live. It authenticates with the
 * bridge session cookie (the one a sign-in at the Verify URL sets, or `/account/signin`) and
 * protects its forms with the bridge browser's CSRF token. Handlers are thin: parse, call
 * {@link Account}, render.
 */
export function accountPageRoutes(deps: AccountPageDeps) {
  const { account, sessions } = deps;
  const app = new Hono<AppEnv>();
  // By path, not '/account/*': the identity service's /account/apps (all-in-one) has its own cookies.
  for (const path of ['/account', '/account/signin', '/account/email', '/account/password', '/account/password/link', '/account/profile', '/account/sessions/end', '/account/connected-apps/withdraw', '/account/delete']) {
    app.use(path, browserIdentity(BRIDGE_COOKIES.browser));
  }

  /** The signed-in user, or the answer for a browser without a usable session. */
  async function signedIn(c: Context<AppEnv>): Promise<{ session: AccountSession; user: StoredUser } | Response> {
    const token = await readBridgeSession(c, deps.sessionTtlSeconds);
    const stored = await sessions.resolve(token);
    if (!token || !stored) return c.redirect('/account/signin', 303);
    const session: AccountSession = { token, userId: stored.userId, authTime: stored.authTime };
    const user = await account.user(session);
    if (user) {
      if (!stored.device) {
        const device = deviceLabel(c.req.header('user-agent'));
        if (device) await sessions.describe(token, device);
      }
      return { session, user };
    }
    if (await deps.directory.findById(stored.userId).catch(() => null)) {
      // A site directory's user (no row of ours): the site owns the account's data.
      const ui = c.get('ui');
      const siteName = ui.theme.productName;
      return c.html(<MessagePage ui={ui} title={ui.t('account.managedElsewhere.title')} message={ui.t('account.managedElsewhere.message', { siteName })} />);
    }
    // Deleted or blocked meanwhile: the session is worth nothing any more.
    await sessions.end(token);
    c.get('http').cookies.clear(c, BRIDGE_COOKIES.session);
    return c.redirect('/account/signin', 303);
  }

  async function renderPage(
    c: Context<AppEnv>,
    who: { session: AccountSession; user: StoredUser },
    extra: { errors?: AccountFormErrors; profileErrors?: readonly ProfileFieldError[]; profileValues?: Record<string, string>; done?: string } = {},
    status: 200 | 400 | 429 = 200,
  ) {
    const ui = c.get('ui');
    const overview = await account.overview(who.user, who.session);
    const apps: AccountApps =
      deps.apps.kind === 'local' ? { kind: 'local', apps: await deps.apps.service.list(who.user.id) } : { kind: 'remote', manageUrl: deps.apps.manageUrl };
    return c.html(
      <AccountPage
        ui={ui}
        csrfToken={c.get('browser').csrfToken}
        overview={overview}
        fields={deps.model.fields.filter((f) => f.requirement !== 'hidden')}
        profileErrors={extra.profileErrors}
        profileValues={extra.profileValues}
        errors={extra.errors}
        done={extra.done}
        apps={apps}
        passwordMinLength={deps.passwordMinLength}
        canDelete={deps.canDelete}
      />,
      status,
    );
  }

  /** A refused or limited submit of `form`: the page again, with its errors, 400 or 429. */
  function refused(c: Context<AppEnv>, who: { session: AccountSession; user: StoredUser }, form: AccountForm, outcome: Exclude<AccountOutcome, { kind: 'done' }>, values?: Record<string, string>) {
    const { t } = c.get('ui');
    if (outcome.kind === 'limited') {
      c.header('retry-after', String(outcome.retryAfter));
      return renderPage(c, who, { errors: { form, fields: {}, summary: t('account.limited', { count: Math.max(1, Math.ceil(outcome.retryAfter / 60)) }), values } }, 429);
    }
    return renderPage(c, who, { errors: { form, fields: fieldMessages(c, outcome.errors), values } }, 400);
  }

  function fieldMessages(c: Context<AppEnv>, errors: readonly AccountFieldError[]): Record<string, string> {
    const { t } = c.get('ui');
    const out: Record<string, string> = Object.create(null);
    for (const e of errors) out[e.field] ??= t(`account.error.${e.code}`, { min: deps.passwordMinLength, max: MAX_PASSWORD_LENGTH });
    return out;
  }

  /** The profile model's errors in the page's language (the one message builder of the model). */
  function profileMessages(c: Context<AppEnv>, errors: readonly ProfileFieldError[]): ProfileFieldError[] {
    const ui = c.get('ui');
    return errors.map((e) => {
      const field = deps.model.field(e.field);
      return field ? { ...e, message: profileErrorMessage(e.code, field, ui) } : e;
    });
  }

  const attemptOf = async (c: Context<AppEnv>) => ({
    clientIp: c.get('http').clientIp(c),
    devices: await readDeviceEntries(c),
  });
  const done = (c: Context<AppEnv>, what: keyof typeof DONE) => c.redirect(`/account?done=${what}`, 303);

  /** Parse a form post, check its CSRF token, and find the signed-in user. */
  async function post(c: Context<AppEnv>): Promise<{ form: Params; who: { session: AccountSession; user: StoredUser } } | Response> {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const who = await signedIn(c);
    if (who instanceof Response) return who;
    return { form, who };
  }

  app.get('/account', async (c) => {
    const who = await signedIn(c);
    if (who instanceof Response) return who;
    const key = single(queryParams(c), 'done');
    const message = key !== undefined && Object.hasOwn(DONE, key) ? c.get('ui').t(DONE[key]!) : undefined;
    return renderPage(c, who, { done: message });
  });

  app.get('/account/signin', async (c) => {
    const token = await readBridgeSession(c, deps.sessionTtlSeconds);
    if (token && (await sessions.resolve(token))) return c.redirect('/account', 303);
    return c.html(<AccountSignInPage ui={c.get('ui')} csrfToken={c.get('browser').csrfToken} forgotHref={forgotPasswordHref(c.get('http').config, undefined)} />);
  });

  app.post('/account/signin', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const identifier = (single(form, 'identifier') ?? '').trim();
    const password = single(form, 'password') ?? '';
    const ui = c.get('ui');
    const again = (message: string, status: 400 | 401 | 403 | 429 | 503) =>
      c.html(
        <AccountSignInPage ui={ui} csrfToken={c.get('browser').csrfToken} identifier={identifier.slice(0, 320)} message={message} forgotHref={forgotPasswordHref(c.get('http').config, undefined)} />,
        status,
      );
    if (identifier.length > 320 || password.length > MAX_PASSWORD_LENGTH) return again(ui.t('account.signin.tooLong'), 400);
    if (!identifier || !password) return again(ui.t('account.signin.missing'), 400);
    const outcome = await deps.signIn.signIn(
      identifier,
      password,
      c.get('http').clientIp(c),
      await readDeviceEntries(c),
      await readBridgeSession(c, deps.sessionTtlSeconds),
      deviceLabel(c.req.header('user-agent')),
    );
    switch (outcome.kind) {
      case 'signed_in':
        await writeBridgeSession(c, outcome.token, deps.sessionTtlSeconds);
        await writeDeviceEntries(c, outcome.devices);
        return c.redirect('/account', 303);
      case 'wrong':
        return again(ui.t('account.signin.wrong'), 401);
      case 'blocked':
        return again(ui.t('account.signin.blocked'), 403);
      case 'verify_email':
        return again(ui.t('account.signin.verifyEmail'), 403);
      case 'limited':
        c.header('retry-after', String(outcome.retryAfter));
        return again(ui.t('account.limited', { count: Math.max(1, Math.ceil(outcome.retryAfter / 60)) }), 429);
      case 'unavailable':
        return again(ui.t('account.signin.unavailable'), 503);
    }
  });

  app.post('/account/password', async (c) => {
    const p = await post(c);
    if (p instanceof Response) return p;
    const { form, who } = p;
    const outcome = await account.changePassword(
      who.user,
      who.session,
      { current: single(form, 'current'), password: single(form, 'password'), confirm: single(form, 'confirm') },
      await attemptOf(c),
    );
    return outcome.kind === 'done' ? done(c, 'password') : refused(c, who, 'password', outcome);
  });

  app.post('/account/password/link', async (c) => {
    const p = await post(c);
    if (p instanceof Response) return p;
    const { who } = p;
    if (who.user.passwordHash !== null) return done(c, 'set-password'); // a stale page: nothing to set
    const outcome = await account.sendSetPasswordLink(who.user, flowContext(c));
    return outcome.kind === 'done' ? done(c, 'set-password') : refused(c, who, 'password', outcome);
  });

  app.post('/account/email', async (c) => {
    const p = await post(c);
    if (p instanceof Response) return p;
    const { form, who } = p;
    const email = single(form, 'email');
    const outcome = await account.changeEmail(who.user, who.session, { email, current: single(form, 'current') }, await attemptOf(c), flowContext(c));
    if (outcome.kind === 'done') return done(c, 'email');
    return refused(c, who, 'email', outcome, { email: (email ?? '').slice(0, 254) });
  });

  app.post('/account/profile', async (c) => {
    const p = await post(c);
    if (p instanceof Response) return p;
    const { form, who } = p;
    // A name sent twice stays an array, which the profile check refuses as the wrong type.
    const input: Record<string, string | string[]> = Object.create(null);
    for (const [name, values] of Object.entries(form)) if (name !== 'csrf') input[name] = values.length === 1 ? values[0]! : values;
    const outcome = await account.saveProfile(who.user, input, c.get('ui').locale);
    if (outcome.kind === 'done') return done(c, 'profile');
    return renderPage(c, who, { profileErrors: profileMessages(c, outcome.errors), profileValues: outcome.values }, 400);
  });

  app.post('/account/sessions/end', async (c) => {
    const p = await post(c);
    if (p instanceof Response) return p;
    const { form, who } = p;
    const which = single(form, 'session');
    if (!which || !/^(others|[A-Za-z0-9_-]{22})$/.test(which)) throw invalidRequest('Which session?');
    // An unknown reference (already ended, another tab): the list shows what is left.
    await account.endSessions(who.user, who.session, which);
    return done(c, which === 'others' ? 'sessions' : 'session');
  });

  app.post('/account/connected-apps/withdraw', async (c) => {
    const p = await post(c);
    if (p instanceof Response) return p;
    const { form, who } = p;
    const audience = single(form, 'audience');
    if (!audience || audience.length > 2048) throw invalidRequest('Which app?');
    if (deps.apps.kind !== 'local') throw invalidRequest('Connected apps are managed on the sign-in service.');
    await deps.apps.service.revoke(who.user.id, audience);
    return done(c, 'app');
  });

  app.post('/account/delete', async (c) => {
    const p = await post(c);
    if (p instanceof Response) return p;
    const { form, who } = p;
    if (!deps.canDelete) throw invalidRequest('Accounts cannot be deleted here.');
    const outcome = await account.deleteAccount(who.user, who.session, { confirm: single(form, 'confirm') }, await attemptOf(c));
    if (outcome.kind !== 'done') return refused(c, who, 'delete', outcome);
    // Every session ended with the account, this browser's too: its cookie goes as well.
    c.get('http').cookies.clear(c, BRIDGE_COOKIES.session);
    const ui = c.get('ui');
    return c.html(<MessagePage ui={ui} title={ui.t('account.deleted.title')} message={ui.t('account.deleted.message')} />);
  });

  return app;
}

/** The flow context of an account request: client network, the page's language for mails. */
function flowContext(c: Context<AppEnv>): FlowContext {
  return {
    clientIp: c.get('http').clientIp(c),
    locale: c.get('ui').locale,
    defer: (task) => {
      try {
        c.executionCtx.waitUntil(task);
      } catch {
        // Node: no execution context; the promise runs on.
      }
    },
  };
}

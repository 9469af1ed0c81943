import { Hono, type Context } from 'hono';
import type { BridgeSignIn, LoginResult } from '../bridge/sign-in.js';
import { IdbridgeError } from '../errors.js';
import { directoryWritable, forgotPasswordHref, signUpOffered } from '../identity/availability.js';
import type { EmailVerification } from '../identity/email-verification.js';
import type { FlowContext } from '../identity/flow-context.js';
import type { PasswordReset } from '../identity/password-reset.js';
import type { Registration } from '../identity/registration.js';
import { BackToSignIn, CheckMailPage, ConfirmEmailPage, ForgotPage, ResetPage } from '../views/signup-pages.js';
import { MessagePage } from '../views/message-page.js';
import { browserIdentity } from './browser.js';
import { adoptRequestLocale, readBridgeSession, render, requireRequestId, writeBridgeSession } from './bridge-routes.js';
import { BRIDGE_COOKIES } from './cookie-names.js';
import type { AppEnv } from './context.js';
import { assertCsrf } from './csrf-guard.js';
import { formParams, queryParams, single } from './params.js';

export interface SignUpRoutesDeps {
  signIn: BridgeSignIn;
  registration: Registration;
  verification: EmailVerification;
  reset: PasswordReset;
  sessionTtlSeconds: number;
}

/** Errors of a pending sign-in that mean "this browser cannot continue it": offer sign-in instead. */
const CANNOT_CONTINUE = new Set(['wrong_browser', 'unknown_request', 'expired_request', 'request_completed']);

/**
 * The bridge's sign-up, email verification and password reset pages (issue 11 §1 §4 §5): thin
 * handlers over identity/ flows; a finished sign-up or a confirmed link in the sign-up's own
 * browser continues through {@link BridgeSignIn.signInAs}, the one path to the relying party.
 */
export function signUpRoutes(deps: SignUpRoutesDeps) {
  const { signIn, registration, verification, reset } = deps;
  const app = new Hono<AppEnv>();
  for (const path of ['/signup', '/forgot', '/reset-password', '/verify-email', '/verify-email/*']) app.use(path, browserIdentity(BRIDGE_COOKIES.browser));

  // Read when rendering: `ui` may have been replaced by the sign-in's language (adoptRequestLocale).
  const page = (c: Context<AppEnv>) => ({ ui: c.get('ui'), csrfToken: c.get('browser').csrfToken });
  const continueWith = async (c: Context<AppEnv>, result: LoginResult) => {
    if (result.sessionToken) await writeBridgeSession(c, result.sessionToken, deps.sessionTtlSeconds);
    return render(c, result.step);
  };
  const limited = (c: Context<AppEnv>, retryAfter: number) => {
    c.header('retry-after', String(retryAfter));
    const minutes = Math.max(1, Math.ceil(retryAfter / 60));
    const { ui } = page(c);
    return c.html(<MessagePage ui={ui} title={ui.t('limited.title')} message={ui.t('limited.message', { count: minutes })} />, 429);
  };

  app.post('/signup', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const requestId = requireRequestId(single(form, 'request_id'));
    const browserHash = c.get('browser').hash;
    // The request must be this browser's and pending before anything is created for it.
    const step = await signIn.status(requestId, browserHash);
    if (step.kind !== 'login') return render(c, step);
    // From here on (pages, errors, the verification mail) in the sign-in's language.
    adoptRequestLocale(c, step.request);
    if (!signUpOffered(c.get('http').config)) return render(c, { ...step, screen: 'signup', status: 403 });
    const email = single(form, 'email');
    const fullname = single(form, 'fullname');
    const outcome = await registration.signUp({ email, password: single(form, 'password'), fullname }, flowContext(c, requestId));
    switch (outcome.kind) {
      case 'invalid':
        return render(c, { ...step, screen: 'signup', status: 400 }, { email: email?.slice(0, 254), fullname: fullname?.slice(0, 256), errors: outcome.errors });
      case 'limited':
        return limited(c, outcome.retryAfter);
      case 'check_mail':
        return c.html(<CheckMailPage {...page(c)} email={outcome.email} requestId={requestId} />);
      case 'signed_up':
        return continueWith(c, await signIn.signInAs(requestId, browserHash, outcome.user, ['pwd'], await readBridgeSession(c, deps.sessionTtlSeconds)));
    }
  });

  app.get('/verify-email', async (c) => {
    const token = single(queryParams(c), 'token');
    return c.html(<ConfirmEmailPage {...page(c)} token={token?.slice(0, 64) ?? ''} />);
  });

  app.post('/verify-email', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const outcome = await verification.confirm(single(form, 'token'));
    const { ui } = page(c);
    const { t } = ui;
    if (outcome.kind === 'invalid_link') {
      return c.html(<MessagePage ui={ui} title={t('link.invalid.title')} message={t('confirmEmail.invalidLink')} />, 400);
    }
    if (outcome.kind === 'address_taken') {
      return c.html(<MessagePage ui={ui} title={t('confirmEmail.taken.title')} message={t('confirmEmail.taken.message')} />, 409);
    }
    if (outcome.requestId) {
      // The sign-up's own browser with its sign-in still pending: carry on to the relying party.
      try {
        return await continueWith(c, await signIn.signInAs(outcome.requestId, c.get('browser').hash, outcome.user, ['pwd'], await readBridgeSession(c, deps.sessionTtlSeconds)));
      } catch (error) {
        if (!(error instanceof IdbridgeError && CANNOT_CONTINUE.has(error.code))) throw error;
      }
    }
    return c.html(<MessagePage ui={ui} title={t('confirmEmail.done.title')} message={t('confirmEmail.done.message', { siteName: ui.theme.productName })} />);
  });

  app.post('/verify-email/resend', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const raw = single(form, 'request_id');
    const requestId = raw === undefined ? undefined : requireRequestId(raw);
    const outcome = await verification.resend(single(form, 'email'), flowContext(c, requestId));
    if (outcome.kind === 'limited') return limited(c, outcome.retryAfter);
    if (outcome.kind === 'invalid') {
      const { ui } = page(c);
      return c.html(<MessagePage ui={ui} title={ui.t('checkMail.title')} message={ui.t(outcome.message.id, outcome.message.values)} />, 400);
    }
    return c.html(<CheckMailPage {...page(c)} email={single(form, 'email')!.trim().toLowerCase()} requestId={requestId} resent />);
  });

  app.get('/forgot', async (c) => {
    const raw = single(queryParams(c), 'request_id');
    const requestId = raw === undefined ? undefined : requireRequestId(raw);
    const { config } = c.get('http');
    if (!directoryWritable(config)) {
      // The site's own accounts: its own reset page, never a URL from the request (no open redirect).
      const site = forgotPasswordHref(config, requestId);
      if (site) return c.redirect(site, 302);
      const { ui } = page(c);
      return c.html(<MessagePage ui={ui} title={ui.t('forgot.title')} message={ui.t('forgot.elsewhere', { siteName: ui.theme.productName })} />, 404);
    }
    return c.html(<ForgotPage {...page(c)} requestId={requestId} />);
  });

  app.post('/forgot', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const raw = single(form, 'request_id');
    const requestId = raw === undefined || raw === '' ? undefined : requireRequestId(raw);
    if (!directoryWritable(c.get('http').config)) throw new IdbridgeError('not_found', 'Passwords are reset on the site itself.');
    const email = single(form, 'email');
    const outcome = await reset.request(email, flowContext(c, requestId));
    const { ui } = page(c);
    if (outcome.kind === 'invalid') {
      return c.html(<ForgotPage {...page(c)} requestId={requestId} email={email?.slice(0, 254)} message={ui.t(outcome.message.id, outcome.message.values)} />, 400);
    }
    if (outcome.kind === 'limited') return limited(c, outcome.retryAfter);
    return c.html(
      <MessagePage ui={ui} title={ui.t('checkMail.title')} message={ui.t('forgot.sent')}>
        {requestId ? <BackToSignIn ui={ui} requestId={requestId} /> : null}
      </MessagePage>,
    );
  });

  app.get('/reset-password', async (c) => {
    const token = single(queryParams(c), 'token');
    if (!(await reset.usable(token))) return invalidResetLink(c);
    return c.html(<ResetPage {...page(c)} token={token!} passwordMinLength={c.get('http').config.registration.passwordMinLength} />);
  });

  app.post('/reset-password', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const token = single(form, 'token');
    const outcome = await reset.reset(token, single(form, 'password') ?? '', single(form, 'confirm') ?? '');
    if (outcome.kind === 'invalid_link') return invalidResetLink(c);
    if (outcome.kind === 'invalid') {
      const message = c.get('ui').t(outcome.message.id, outcome.message.values);
      return c.html(<ResetPage {...page(c)} token={(token ?? '').slice(0, 64)} message={message} passwordMinLength={c.get('http').config.registration.passwordMinLength} />, 400);
    }
    // Every session ended, this browser's too: its cookie goes as well.
    c.get('http').cookies.clear(c, BRIDGE_COOKIES.session);
    // "Continue signing in" only where that sign-in can continue: its own browser, still pending.
    const resumable = outcome.requestId !== null && (await resumableSignIn(outcome.requestId, c.get('browser').hash));
    const { ui } = page(c);
    return c.html(
      <MessagePage ui={ui} title={ui.t('reset.done.title')} message={ui.t('reset.done.message')}>
        {resumable ? <BackToSignIn ui={ui} requestId={outcome.requestId!} label="reset.done.continue" /> : null}
      </MessagePage>,
    );
  });

  async function resumableSignIn(requestId: string, browserHash: string): Promise<boolean> {
    try {
      return (await signIn.status(requestId, browserHash)).kind === 'login';
    } catch (error) {
      if (error instanceof IdbridgeError && CANNOT_CONTINUE.has(error.code)) return false;
      throw error;
    }
  }

  function invalidResetLink(c: Context<AppEnv>) {
    const { ui } = page(c);
    return c.html(
      <MessagePage ui={ui} title={ui.t('link.invalid.title')} message={ui.t('reset.invalidLink')}>
        <p class="links">
          <a href={`/forgot?ui_locales=${encodeURIComponent(ui.locale)}`}>{ui.t('reset.askAgain')}</a>
        </p>
      </MessagePage>,
      400,
    );
  }

  return app;
}

/**
 * The flow context of this request: client network, mail language, and after-response work. The
 * mail language is this page's: the sign-in's stored `ui_locales` once adopted (sign-up), else
 * `ui_locales` carried on the form's URL (forgot, resend, the pages behind mailed links), else
 * Accept-Language, else the default (docs/languages.md).
 */
function flowContext(c: Context<AppEnv>, requestId: string | undefined): FlowContext {
  return {
    clientIp: c.get('http').clientIp(c),
    locale: c.get('ui').locale,
    ...(requestId ? { requestId } : {}),
    defer: (task) => {
      try {
        // Workers: keep the isolate alive until the mail is handed over.
        c.executionCtx.waitUntil(task);
      } catch {
        // Node: there is no execution context; the promise simply runs on.
      }
    },
  };
}

import { Hono, type Context } from 'hono';
import { parseDeviceEntries, type DeviceEntry } from '../bridge/login-throttle.js';
import type { BridgeRequest } from '../bridge/ports.js';
import type { LoginProblem, SignInStep } from '../bridge/sign-in.js';
import type { BridgeSignIn } from '../bridge/sign-in.js';
import { parseVerifyParams, type VerifyParams } from '../bridge/verify-params.js';
import { invalidRequest } from '../errors.js';
import type { Message, MessageId, Translate } from '../i18n/translate.js';
import type { FieldErrors } from '../identity/registration.js';
import { forgotPasswordHref, signUpOffered } from '../identity/availability.js';
import { displayRealm, LoginPage, type SignUpPanelProps } from '../views/login-page.js';
import { CheckMailPage } from '../views/signup-pages.js';
import { ConnectorButtons, ConnectorChoices } from '../views/connector-buttons.js';
import { MessagePage, RetryForm } from '../views/message-page.js';
import type { Ui } from '../views/ui.js';
import { ProfileCompletionPage } from '../views/profile-completion-page.js';
import { browserIdentity } from './browser.js';
import { BRIDGE_COOKIES } from './cookie-names.js';
import type { AppEnv } from './context.js';
import { assertCsrf } from './csrf-guard.js';
import { formParams, queryParams, single } from './params.js';

const SESSION_COOKIE = BRIDGE_COOKIES.session;
const DEVICE_COOKIE = BRIDGE_COOKIES.device;
const DEVICE_TTL_SECONDS = 180 * 24 * 3600;

/**
 * The bridge's browser-facing routes (Janrain steps 2, 3 and 6): thin handlers that parse input,
 * call {@link BridgeSignIn} and render its answer.
 */
/** A relying party may pick an upstream connector directly (connector-routes.tsx implements it). */
export interface DirectConnector {
  pick(idpHint: string | undefined, acrValues: readonly string[] | undefined): string | undefined;
  start(c: Context<AppEnv>, requestId: string, connectorId: string, params: VerifyParams): Promise<Response>;
}

export function bridgeRoutes(signIn: BridgeSignIn, sessionTtlSeconds: number, connectors?: DirectConnector) {
  const app = new Hono<AppEnv>();
  // Middleware by path, not '*': this router is mounted at '/', and '*' would reach other routers.
  for (const path of ['/verify', '/verify/*', '/login', '/signout']) app.use(path, browserIdentity(BRIDGE_COOKIES.browser));

  const readSession = (c: Context<AppEnv>) => readBridgeSession(c, sessionTtlSeconds);

  app.get('/verify', async (c) => {
    const params = parseVerifyParams(queryParams(c));
    // The relying party picked an upstream connector (idp_hint, or acr_values only one satisfies):
    // no bridge session reuse (max_age 0) and no login page; straight to the upstream.
    const direct = connectors?.pick(params.idpHint, params.acrValues);
    const step = await signIn.open(direct ? { ...params, maxAge: 0 } : params, c.get('browser').hash, await readSession(c));
    if (direct && step.kind === 'login') return connectors!.start(c, step.request.requestId, direct, params);
    return render(c, step);
  });

  app.post('/login', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const requestId = requireRequestId(single(form, 'request_id'));
    const identifier = (single(form, 'identifier') ?? '').trim();
    const password = single(form, 'password') ?? '';
    if (identifier.length > 320 || password.length > 1024) {
      const step = await signIn.status(requestId, c.get('browser').hash);
      if (step.kind !== 'login') return render(c, step);
      return render(c, { ...step, status: 400, message: 'too_long' });
    }
    if (!identifier || !password) {
      const step = await signIn.status(requestId, c.get('browser').hash);
      if (step.kind !== 'login') return render(c, step);
      return render(c, { ...step, status: 400, message: 'missing', identifier });
    }
    const result = await signIn.login(
      requestId,
      c.get('browser').hash,
      identifier,
      password,
      c.get('http').clientIp(c),
      await readSession(c),
      await readDeviceEntries(c),
    );
    if (result.sessionToken) await writeBridgeSession(c, result.sessionToken, sessionTtlSeconds);
    if (result.devices) await writeDeviceEntries(c, result.devices);
    return render(c, result.step);
  });

  app.post('/verify/retry', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const requestId = requireRequestId(single(form, 'request_id'));
    return render(c, await signIn.retry(requestId, c.get('browser').hash));
  });

  // Profile completion (issue 11 §3): the form shown between the sign-in and the postback.
  app.post('/verify/profile', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const requestId = requireRequestId(single(form, 'request_id'));
    // A name sent twice stays an array, which the profile check refuses as the wrong type.
    const input: Record<string, string | string[]> = Object.create(null);
    for (const [name, values] of Object.entries(form)) input[name] = values.length === 1 ? values[0]! : values;
    const skip = single(form, 'action') === 'skip';
    // Messages in the negotiated language, from the catalogue (operator language files included).
    return render(c, await signIn.completeProfile(requestId, c.get('browser').hash, input, c.get('ui'), skip));
  });

  app.get('/verify/status', async (c) => {
    const query = queryParams(c);
    const requestId = requireRequestId(single(query, 'request_id'));
    const step = await signIn.status(requestId, c.get('browser').hash);
    // The sign-in / sign-up switch of the login page (links, so it works without JavaScript).
    const screen = single(query, 'screen');
    if (step.kind === 'login' && (screen === 'signup' || screen === 'signin')) return render(c, { ...step, screen });
    return render(c, step);
  });

  // Bridge logout (the end of RP-initiated logout at the identity service, or a link). Why not a
  // plain GET: any page could sign the user out with an <img> (logout CSRF). A GET ends the
  // session only with the identity service's logout token (the user confirmed there); otherwise
  // it shows a one-click confirmation, and the POST with this bridge's CSRF token signs out.
  // `continue` goes only ever to the identity service's own origin, never an arbitrary URL.
  app.get('/signout', async (c) => {
    const query = queryParams(c);
    const next = continueUrl(c, single(query, 'continue'));
    const outcome = await signIn.signOutByLink(await readSession(c), single(query, 'logout_token'), next);
    if (outcome === 'signed_out') return signedOut(c, next);
    const ui = c.get('ui');
    const { t } = ui;
    return c.html(
      <MessagePage ui={ui} title={t('bridge.signout.title')} message={t('bridge.signout.message', { siteName: ui.theme.productName })}>
        <form method="post" action="/signout" class="form">
          <input type="hidden" name="csrf" value={c.get('browser').csrfToken} />
          {next ? <input type="hidden" name="continue" value={next} /> : null}
          <div class="actions">
            <button type="submit">{t('bridge.signout.submit')}</button>
            {next ? (
              <a href={next} class="button secondary">
                {t('bridge.signout.stay')}
              </a>
            ) : null}
          </div>
        </form>
      </MessagePage>,
    );
  });
  app.post('/signout', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const token = await readSession(c);
    if (token) await signIn.endSession(token);
    return signedOut(c, continueUrl(c, single(form, 'continue')));
  });

  function signedOut(c: Context<AppEnv>, next: string | undefined) {
    const { cookies } = c.get('http');
    cookies.clear(c, SESSION_COOKIE);
    if (next) return c.redirect(next, 302);
    const ui = c.get('ui');
    return c.html(<MessagePage ui={ui} title={ui.t('bridge.signedOut.title')} message={ui.t('bridge.signedOut.message', { siteName: ui.theme.productName })} />);
  }

  return app;
}

/** The `continue` URL when it points at the identity service (the Return URL's origin), else undefined. */
function continueUrl(c: Context<AppEnv>, value: string | undefined): string | undefined {
  if (!value || value.length > 2048) return undefined;
  try {
    const url = new URL(value);
    return url.origin === new URL(c.get('http').config.bridge.returnUrl).origin ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `GET /` of a bridge on its own (IDBRIDGE_ROLE=bridge): nobody starts a sign-in here — the
 * identity service sends browsers to `/verify` — so say what this server is instead of
 * redirecting to the identity service's `/openid`, which does not exist on a bridge.
 */
export function bridgeHome(c: Context<AppEnv>) {
  const ui = c.get('ui');
  const siteName = ui.theme.productName;
  return c.html(
    <MessagePage ui={ui} title={ui.t('bridge.home.title', { siteName })} message={ui.t('bridge.home.message', { siteName })}>
      <p class="links">
        <a href="/account">{ui.t('account.link')}</a>
      </p>
    </MessagePage>,
  );
}

/** The bridge session token from its sealed cookie, if any. */
export async function readBridgeSession(c: Context<AppEnv>, sessionTtlSeconds: number): Promise<string | undefined> {
  return (await c.get('http').cookies.read<{ sid: string }>(c, SESSION_COOKIE, sessionTtlSeconds))?.sid;
}

/** Keep a new bridge session in its cookie (a token cookie: its whole content is the random id). */
export async function writeBridgeSession(c: Context<AppEnv>, token: string, sessionTtlSeconds: number): Promise<void> {
  await c.get('http').cookies.writeToken(c, SESSION_COOKIE, 'sid', token, sessionTtlSeconds);
}

/** This browser's device-cookie entries (bridge/login-throttle.ts); none without a valid cookie. */
export async function readDeviceEntries(c: Context<AppEnv>): Promise<DeviceEntry[]> {
  return parseDeviceEntries((await c.get('http').cookies.read<{ d: unknown }>(c, DEVICE_COOKIE, DEVICE_TTL_SECONDS))?.d);
}

/** Keep the device cookie's entries after a correct password (signed: its content is opaque by construction). */
export async function writeDeviceEntries(c: Context<AppEnv>, devices: readonly DeviceEntry[]): Promise<void> {
  await c.get('http').cookies.writeSigned(c, DEVICE_COOKIE, { d: devices }, DEVICE_TTL_SECONDS);
}

export function requireRequestId(value: string | undefined): string {
  if (!value || !/^[A-Za-z0-9_-]{16,128}$/.test(value)) throw invalidRequest('The request_id is missing or malformed.');
  return value;
}

/**
 * Speak the sign-in's language from here on: the relying party's `ui_locales` stored with the
 * request (the Verify URL had it; later pages — the login and sign-up POSTs, status links — do
 * not), then Accept-Language, then the default. Replaces `c.get('ui')`, so error pages and the
 * flow's mails that follow use it too. Without stored `ui_locales` the request's own negotiation
 * stands (it may have come with `ui_locales` in the URL, e.g. from a page that carried it).
 */
export function adoptRequestLocale(c: Context<AppEnv>, request: Pick<BridgeRequest, 'uiLocales'>): Ui {
  if (request.uiLocales) {
    c.set('ui', c.get('http').ui({ uiLocales: request.uiLocales, acceptLanguage: c.req.header('accept-language') }));
    c.header('content-language', c.get('ui').locale);
  }
  return c.get('ui');
}

const LOGIN_PROBLEMS: Record<LoginProblem, MessageId> = {
  incorrect: 'login.problem.incorrect',
  blocked: 'login.problem.blocked',
  unavailable: 'login.problem.unavailable',
  too_long: 'login.problem.too_long',
  missing: 'login.problem.missing',
};

/**
 * Render a sign-in step (shared with the sign-up routes), in the sign-in's language
 * ({@link adoptRequestLocale}). `signUp`: the sign-up side's values and messages after a refused
 * submit (message ids, translated here).
 */
export function render(c: Context<AppEnv>, step: SignInStep, signUp?: SignUpPanelValues) {
  const { config } = c.get('http');
  const { csrfToken } = c.get('browser');
  const ui = 'request' in step ? adoptRequestLocale(c, step.request) : c.get('ui');
  const { t } = ui;
  switch (step.kind) {
    case 'redirect':
      return c.redirect(step.location, 302);
    case 'login':
      if (step.retryAfter !== undefined) c.header('retry-after', String(step.retryAfter));
      return c.html(
        <ConnectorChoices.Provider value={c.get('http').connectorChoices ?? []}>
          <LoginPage
            ui={ui}
            requestId={step.request.requestId}
            csrfToken={csrfToken}
            realm={step.request.realm}
            clientName={step.request.clientName}
            identifier={step.identifier}
            message={step.message === undefined ? undefined : typeof step.message === 'string' ? t(LOGIN_PROBLEMS[step.message]) : t(step.message.id, step.message.values)}
            screen={step.screen}
            signUp={signUpOffered(config) ? { ...signUpPanel(signUp, t), passwordMinLength: config.registration.passwordMinLength } : undefined}
            forgotHref={forgotPasswordHref(config, step.request.requestId, ui.locale)}
            alternatives={<ConnectorButtons requestId={step.request.requestId} csrfToken={csrfToken} />}
          />
        </ConnectorChoices.Provider>,
        (step.status ?? 200) as 200,
      );
    case 'verify_email':
      return c.html(
        <CheckMailPage ui={ui} csrfToken={csrfToken} email={step.email} requestId={step.request.requestId} verifyFirst />,
        403,
      );
    case 'locked': {
      // A page, not an error: the request stays usable, so "start again" is the same login form.
      // (A wildcard realm is no address to link to.)
      const minutes = Math.max(1, Math.ceil(step.retryAfter / 60));
      c.header('retry-after', String(step.retryAfter));
      const again = `/verify/status?request_id=${encodeURIComponent(step.request.requestId)}`;
      return c.html(
        <MessagePage ui={ui} title={t('bridge.locked.title')} message={t('bridge.locked.message', { count: minutes })}>
          <p class="links">
            <a href={again}>{t('bridge.locked.startAgain')}</a>
            {step.request.realm && !step.request.realm.includes('*') ? (
              <>
                {' · '}
                <a href={step.request.realm}>{t('bridge.locked.backTo', { realm: displayRealm(step.request.realm) })}</a>
              </>
            ) : null}
          </p>
        </MessagePage>,
        429,
      );
    }
    case 'in_progress': {
      const url = `/verify/status?request_id=${encodeURIComponent(step.request.requestId)}`;
      return c.html(
        <MessagePage ui={ui} title={t('bridge.inProgress.title')} message={t('bridge.inProgress.message')} refreshAfter={2} refreshUrl={url}>
          <p>
            <a href={url}>{t('bridge.inProgress.continue')}</a>
          </p>
        </MessagePage>,
        202,
      );
    }
    case 'profile':
      return c.html(
        <ProfileCompletionPage
          ui={ui}
          requestId={step.request.requestId}
          csrfToken={csrfToken}
          form={step.form}
          errors={step.errors}
          values={step.values}
        />,
        step.errors ? 400 : 200,
      );
    case 'failed':
      // Step 5: the user may only learn that the sign-in did not complete; details are in the log.
      return c.html(
        <MessagePage ui={ui} title={t('bridge.failed.title')} message={step.canRetry ? t('bridge.failed.retryable') : t('bridge.failed.final')}>
          {step.canRetry ? <RetryForm ui={ui} action="/verify/retry" requestId={step.request.requestId} csrfToken={csrfToken} /> : null}
        </MessagePage>,
        503,
      );
  }
}

/** The sign-up side's values after a refused submit, with its problems still as message ids. */
export interface SignUpPanelValues {
  email?: string;
  fullname?: string;
  errors?: FieldErrors;
}

function signUpPanel(values: SignUpPanelValues | undefined, t: Translate): Omit<SignUpPanelProps, 'passwordMinLength'> {
  if (!values) return {};
  const errors: NonNullable<SignUpPanelProps['errors']> = {};
  for (const [name, message] of Object.entries(values.errors ?? {}) as Array<[keyof FieldErrors, Message]>) errors[name] = t(message.id, message.values);
  return { ...(values.email !== undefined ? { email: values.email } : {}), ...(values.fullname !== undefined ? { fullname: values.fullname } : {}), errors };
}

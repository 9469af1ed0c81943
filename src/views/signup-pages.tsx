import type { MessageId } from '../i18n/translate.js';
import { Layout } from './layout.js';
import type { Ui } from './ui.js';

interface Base {
  /** Locale, translations and theme (`c.get('ui')`, or the sign-in's stored `ui_locales`). */
  ui: Ui;
  csrfToken: string;
}

/** A form's one message (translated), announced and tied to its field. */
function FieldError(props: { id: string; message: string | undefined }) {
  return props.message ? (
    <p class="alert" role="alert" id={props.id}>
      {props.message}
    </p>
  ) : null;
}

/** Stands in for `{email}` so the translated sentence can be split around the bold address. */
const EMAIL_MARK = '\u0000email\u0000';

/**
 * "Check your mail": after sign-up (new or existing address alike), or when the policy wants the
 * address confirmed before sign-in (`verifyFirst`). Offers a new link (with a cooldown enforced
 * by the server).
 */
export function CheckMailPage(props: Base & { email: string; requestId?: string; verifyFirst?: boolean; resent?: boolean }) {
  const { t } = props.ui;
  const title = t(props.verifyFirst ? 'checkMail.verifyFirst.title' : 'checkMail.title');
  const [before, after] = t(props.verifyFirst ? 'checkMail.verifyFirst.sentTo' : 'checkMail.sentTo', { email: EMAIL_MARK }).split(EMAIL_MARK);
  return (
    <Layout title={title} ui={props.ui}>
      <h1>{title}</h1>
      <p class="message">
        {before}
        <strong>{props.email}</strong>
        {after}
      </p>
      {props.resent ? (
        <p class="notice" role="status">
          {t('checkMail.resent')}
        </p>
      ) : null}
      <form method="post" action={localeAction('/verify-email/resend', props.ui)} class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <input type="hidden" name="email" value={props.email} />
        {props.requestId ? <input type="hidden" name="request_id" value={props.requestId} /> : null}
        <button type="submit" class="secondary">
          {t('checkMail.resend')}
        </button>
      </form>
      {props.requestId ? <BackToSignIn ui={props.ui} requestId={props.requestId} /> : null}
    </Layout>
  );
}

/** The link back to a pending sign-in's login page. */
export function BackToSignIn(props: { ui: Ui; requestId: string; label?: MessageId }) {
  return (
    <p class="links">
      <a href={`/verify/status?request_id=${encodeURIComponent(props.requestId)}`}>{props.ui.t(props.label ?? 'signup.backToSignIn')}</a>
    </p>
  );
}

/** Forgot password: ask for the address. */
export function ForgotPage(props: Base & { requestId?: string; email?: string; message?: string }) {
  const { t } = props.ui;
  return (
    <Layout title={t('forgot.title')} ui={props.ui}>
      <h1>{t('forgot.title')}</h1>
      <p class="message">{t('forgot.intro', { siteName: props.ui.theme.productName })}</p>
      <FieldError id="forgot-error" message={props.message} />
      <form method="post" action={localeAction('/forgot', props.ui)} class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        {props.requestId ? <input type="hidden" name="request_id" value={props.requestId} /> : null}
        <label for="forgot-email">{t('forgot.email')}</label>
        <input
          id="forgot-email"
          name="email"
          type="email"
          autocomplete="email"
          required
          maxlength={254}
          value={props.email ?? ''}
          autofocus
          aria-invalid={props.message ? 'true' : undefined}
          aria-describedby={props.message ? 'forgot-error' : undefined}
        />
        <button type="submit">{t('forgot.submit')}</button>
      </form>
      {props.requestId ? <BackToSignIn ui={props.ui} requestId={props.requestId} /> : null}
    </Layout>
  );
}

/** Choose a new password (the page behind the reset link). */
export function ResetPage(props: Base & { token: string; message?: string; passwordMinLength: number }) {
  const { t } = props.ui;
  return (
    <Layout title={t('reset.title')} ui={props.ui}>
      <h1>{t('reset.title')}</h1>
      <FieldError id="reset-error" message={props.message} />
      <form method="post" action={localeAction('/reset-password', props.ui)} class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <input type="hidden" name="token" value={props.token} />
        <label for="reset-password">{t('reset.password')}</label>
        <input
          id="reset-password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minlength={props.passwordMinLength}
          maxlength={1024}
          autofocus
          aria-invalid={props.message ? 'true' : undefined}
          aria-describedby={['reset-hint', props.message ? 'reset-error' : ''].filter(Boolean).join(' ')}
        />
        <p class="hint" id="reset-hint">
          {t('password.hint', { count: props.passwordMinLength })}
        </p>
        <label for="reset-confirm">{t('reset.confirm')}</label>
        <input id="reset-confirm" name="confirm" type="password" autocomplete="new-password" required maxlength={1024} />
        <button type="submit">{t('reset.submit')}</button>
      </form>
    </Layout>
  );
}

/**
 * The page behind a verification link: one button that confirms. Why not confirm on GET: mail
 * scanners and link previews open links, and would use the single-use link up.
 */
export function ConfirmEmailPage(props: Base & { token: string }) {
  const { t } = props.ui;
  return (
    <Layout title={t('confirmEmail.title')} ui={props.ui}>
      <h1>{t('confirmEmail.title')}</h1>
      <p class="message">{t('confirmEmail.intro', { siteName: props.ui.theme.productName })}</p>
      <form method="post" action={localeAction('/verify-email', props.ui)} class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <input type="hidden" name="token" value={props.token} />
        <button type="submit">{t('confirmEmail.submit')}</button>
      </form>
    </Layout>
  );
}

/**
 * A form action that keeps this page's language. These pages have no sign-in that remembers it
 * (the pages behind mailed links), or post to handlers that do not load one (resend, forgot), so
 * `ui_locales` rides on the action URL, where the ui middleware reads it.
 */
export function localeAction(path: string, ui: Ui): string {
  return `${path}?ui_locales=${encodeURIComponent(ui.locale)}`;
}

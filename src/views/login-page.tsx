import type { Child } from 'hono/jsx';
import { Layout } from './layout.js';
import type { Ui } from './ui.js';

/** The sign-up side of the login page. */
export interface SignUpPanelProps {
  /** Values to keep after a refused submit (never the password). */
  email?: string;
  fullname?: string;
  /** Per-field messages (translated), keyed by input name. */
  errors?: Partial<Record<'email' | 'password' | 'fullname', string>>;
  /** The configured minimum password length (shown, and the browser's own hint). */
  passwordMinLength: number;
  /**
   * Extra fields rendered inside the form before the submit button: the seam for the operator's
   * profile fields (views/profile-fields.tsx), whose values post with the form.
   */
  extraFields?: Child;
}

export interface LoginPageProps {
  /** Locale, translations and theme (the sign-in's stored `ui_locales` first; see bridge-routes render). */
  ui: Ui;
  requestId: string;
  csrfToken: string;
  /** The relying party's realm, shown so the user knows who is asking. */
  realm: string | null;
  /** The relying party's name (OIDC clients), shown instead of the realm when known. */
  clientName?: string | null;
  identifier?: string;
  /** A message for the sign-in form (wrong password, unavailable), translated. */
  message?: string;
  /** Which side to show (both are on this one URL; the links switch without JavaScript). */
  screen?: 'signin' | 'signup';
  /** The sign-up side; absent when this directory takes no new accounts. */
  signUp?: SignUpPanelProps;
  /** Where "Forgot your password?" goes (the bridge's page, or the site's own); absent: no link. */
  forgotHref?: string;
  /** Extra sign-in options (connector buttons) under the password form. */
  alternatives?: Child;
}

/** Janrain step 3: sign in with a password, or (the other side of the same URL) create an account. */
export function LoginPage(props: LoginPageProps) {
  const signUp = props.screen === 'signup' && props.signUp ? props.signUp : undefined;
  const here = `/verify/status?request_id=${encodeURIComponent(props.requestId)}`;
  const { ui } = props;
  const { t } = ui;
  const siteName = ui.theme.productName;
  return (
    <Layout title={signUp ? t('login.title.signup') : t('login.title.signin')} ui={ui}>
      <h1>{signUp ? t('login.heading.signup') : t('login.heading.signin')}</h1>
      {props.clientName || props.realm ? (
        <p class="realm">
          <span>{t('login.continueTo')}</span> <strong class="realm-url">{props.clientName || displayRealm(props.realm!)}</strong>
        </p>
      ) : (
        <p class="realm">{t('login.withAccount', { siteName })}</p>
      )}
      {signUp ? <SignUpForm {...props} panel={signUp} /> : <SignInForm {...props} />}
      {props.signUp ? (
        <p class="links switch">
          {signUp ? (
            <>
              {t('login.haveAccount')} <a href={`${here}&screen=signin`}>{t('login.toSignIn')}</a>
            </>
          ) : (
            <>
              {t('login.newHere')} <a href={`${here}&screen=signup`}>{t('login.toSignUp')}</a>
            </>
          )}
        </p>
      ) : props.screen === 'signup' ? (
        // Asked for directly (prompt=create, a link), but this directory takes no new accounts.
        <p class="links switch">{t('login.signUpClosed', { siteName })}</p>
      ) : null}
    </Layout>
  );
}

function SignInForm(props: LoginPageProps) {
  const errorId = 'login-error';
  const { t } = props.ui;
  return (
    <>
      {props.message ? (
        <p class="alert" role="alert" id={errorId}>
          {props.message}
        </p>
      ) : null}
      <form method="post" action="/login" class="form">
        <input type="hidden" name="request_id" value={props.requestId} />
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <label for="identifier">{t('login.identifier')}</label>
        <input
          id="identifier"
          name="identifier"
          type="text"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          maxlength={320}
          value={props.identifier ?? ''}
          autofocus={!props.identifier}
          aria-describedby={props.message ? errorId : undefined}
        />
        <label for="password">{t('login.password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          maxlength={1024}
          autofocus={Boolean(props.identifier)}
          aria-describedby={props.message ? errorId : undefined}
        />
        <button type="submit">{t('login.submit')}</button>
      </form>
      {props.forgotHref ? (
        <p class="links">
          <a href={props.forgotHref}>{t('login.forgot')}</a>
        </p>
      ) : null}
      {props.alternatives}
    </>
  );
}

function SignUpForm(props: LoginPageProps & { panel: SignUpPanelProps }) {
  const { panel } = props;
  const { t } = props.ui;
  const errors = panel.errors ?? {};
  const invalid = Object.keys(errors).length > 0;
  /** Error text tied to its field (aria-describedby) and announced (role=alert on the summary). */
  const fieldError = (name: keyof typeof errors) =>
    errors[name] ? (
      <p class="field-error" id={`signup-${name}-error`}>
        {errors[name]}
      </p>
    ) : null;
  const describedBy = (name: keyof typeof errors, hint?: string) =>
    [errors[name] ? `signup-${name}-error` : undefined, hint].filter(Boolean).join(' ') || undefined;
  return (
    <>
      {invalid ? (
        <p class="alert" role="alert">
          {t('signup.correctFields')}
        </p>
      ) : null}
      <form method="post" action="/signup" class="form" novalidate={invalid}>
        <input type="hidden" name="request_id" value={props.requestId} />
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <label for="signup-fullname">{t('signup.fullname')}</label>
        <input
          id="signup-fullname"
          name="fullname"
          type="text"
          autocomplete="name"
          maxlength={256}
          value={panel.fullname ?? ''}
          aria-invalid={errors.fullname ? 'true' : undefined}
          aria-describedby={describedBy('fullname')}
        />
        {fieldError('fullname')}
        <label for="signup-email">{t('signup.email')}</label>
        <input
          id="signup-email"
          name="email"
          type="email"
          autocomplete="email"
          autocapitalize="none"
          spellcheck={false}
          required
          maxlength={254}
          value={panel.email ?? ''}
          autofocus={!invalid}
          aria-invalid={errors.email ? 'true' : undefined}
          aria-describedby={describedBy('email')}
        />
        {fieldError('email')}
        <label for="signup-password">{t('signup.password')}</label>
        <input
          id="signup-password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minlength={panel.passwordMinLength}
          maxlength={1024}
          aria-invalid={errors.password ? 'true' : undefined}
          aria-describedby={describedBy('password', 'signup-password-hint')}
        />
        <p class="hint" id="signup-password-hint">
          {t('password.hint', { count: panel.passwordMinLength })}
        </p>
        {fieldError('password')}
        {panel.extraFields}
        <button type="submit">{t('signup.submit')}</button>
      </form>
    </>
  );
}

/** Show the realm as the user would recognise it: the URL without trailing slash. */
export function displayRealm(realm: string): string {
  return realm.replace(/\/$/, '');
}

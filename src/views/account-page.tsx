import type { AccountOverview } from '../identity/account.js';
import type { ProfileField, ProfileFieldError } from '../identity/profile-model.js';
import type { ConnectedApp } from '../provider/connected-apps.js';
import { Layout } from './layout.js';
import { ProfileFields } from './profile-fields.js';
import type { Ui } from './ui.js';

/** The account page's forms (each section has one; errors and messages belong to one of them). */
export type AccountForm = 'email' | 'password' | 'profile' | 'sessions' | 'apps' | 'delete';

/** A refused submit: the form, its translated messages per input name, and what to fill in again. */
export interface AccountFormErrors {
  form: AccountForm;
  /** Input name → translated message. */
  fields: Readonly<Record<string, string>>;
  /** A message for the whole form (too many attempts), shown in its alert. */
  summary?: string;
  values?: Readonly<Record<string, string>>;
}

/** Connected apps: listed here (the identity service is in this process), or managed over there (split). */
export type AccountApps = { kind: 'local'; apps: readonly ConnectedApp[] } | { kind: 'remote'; manageUrl: string };

export interface AccountPageProps {
  ui: Ui;
  csrfToken: string;
  overview: AccountOverview;
  /** The visible profile fields. */
  fields: readonly ProfileField[];
  profileErrors?: readonly ProfileFieldError[];
  profileValues?: Readonly<Record<string, string>>;
  errors?: AccountFormErrors;
  /** A confirmation after a change (already translated), announced as a status. */
  done?: string;
  apps: AccountApps;
  passwordMinLength: number;
  /** Whether the directory lets the user delete the account here. */
  canDelete: boolean;
}

/**
 * The account page (issue 11 §6): one server-rendered page with a section per task, each its own
 * CSRF-protected form, so it works without JavaScript. A refused submit renders the page again
 * with the errors of that form next to their inputs (`aria-describedby`) and announced
 * (`role=alert`); a successful one redirects back with a status message (`role=status`).
 */
export function AccountPage(props: AccountPageProps) {
  const { ui, overview, errors } = props;
  const { t } = ui;
  const { user } = overview;
  const fmt = dateFormat(ui.locale);
  const errorsOf = (form: AccountForm) => (errors?.form === form ? errors : undefined);
  const hidden = <input type="hidden" name="csrf" value={props.csrfToken} />;
  const profileErrorCount = props.profileErrors?.length ?? 0;
  return (
    <Layout title={t('account.title')} ui={ui}>
      <h1>{t('account.title')}</h1>
      <p class="message">{t('account.signedInAs', { email: user.email })}</p>
      {props.done ? (
        <p class="notice" role="status">
          {props.done}
        </p>
      ) : null}

      <section class="account-section" aria-labelledby="email-heading">
        <h2 id="email-heading">{t('account.email.heading')}</h2>
        <p>
          {t('account.email.current', { email: user.email })} ({user.emailVerified ? t('account.email.verified') : t('account.email.unverified')})
        </p>
        {overview.pendingEmail ? <p class="notice">{t('account.email.pending', { email: overview.pendingEmail, current: user.email })}</p> : null}
        <FormAlert ui={ui} errors={errorsOf('email')} />
        <form method="post" action="/account/email" class="form" novalidate={errorsOf('email') !== undefined}>
          {hidden}
          <Field id="email-new" name="email" label={t('account.email.new')} type="email" autocomplete="email" maxlength={254} required errors={errorsOf('email')} />
          {overview.hasPassword ? (
            <Field id="email-current" name="current" label={t('account.current')} type="password" autocomplete="current-password" maxlength={1024} required errors={errorsOf('email')} />
          ) : (
            <>
              <p class="hint">{t('account.email.reauthHint')}</p>
              <FieldError id="email-current" message={errorsOf('email')?.fields.current} />
            </>
          )}
          <button type="submit">{t('account.email.submit')}</button>
        </form>
      </section>

      <section class="account-section" aria-labelledby="password-heading">
        <h2 id="password-heading">{t('account.password.heading')}</h2>
        <FormAlert ui={ui} errors={errorsOf('password')} />
        {overview.hasPassword ? (
          <form method="post" action="/account/password" class="form" novalidate={errorsOf('password') !== undefined}>
            {hidden}
            {/* The account address, so password managers store the new password for the right account. */}
            <input type="hidden" name="username" value={user.email} autocomplete="username" />
            <Field id="password-current" name="current" label={t('account.current')} type="password" autocomplete="current-password" maxlength={1024} required errors={errorsOf('password')} />
            <Field
              id="password-new"
              name="password"
              label={t('account.password.new')}
              type="password"
              autocomplete="new-password"
              minlength={props.passwordMinLength}
              maxlength={1024}
              required
              hint={t('account.password.hint', { min: props.passwordMinLength })}
              errors={errorsOf('password')}
            />
            <Field id="password-confirm" name="confirm" label={t('account.password.confirm')} type="password" autocomplete="new-password" maxlength={1024} required errors={errorsOf('password')} />
            <button type="submit">{t('account.password.submit')}</button>
          </form>
        ) : (
          <form method="post" action="/account/password/link" class="form">
            {hidden}
            <p>{t('account.password.none')}</p>
            <button type="submit">{t('account.password.sendLink')}</button>
          </form>
        )}
      </section>

      {props.fields.length > 0 ? (
        <section class="account-section" aria-labelledby="profile-heading">
          <h2 id="profile-heading">{t('account.profile.heading')}</h2>
          {profileErrorCount > 0 ? (
            <p class="alert" role="alert">
              {t('account.formErrors', { count: profileErrorCount })}
            </p>
          ) : null}
          <form method="post" action="/account/profile" class="form" novalidate={profileErrorCount > 0}>
            {hidden}
            <ProfileFields fields={props.fields} values={props.profileValues ?? overview.profile} errors={props.profileErrors} locale={ui.locale} idPrefix="account-profile" />
            <button type="submit">{t('account.profile.submit')}</button>
          </form>
        </section>
      ) : null}

      <section class="account-section" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">{t('account.sessions.heading')}</h2>
        <ul class="sessions">
          {overview.sessions.map((s) => (
            <li>
              <strong>{s.device ?? t('account.sessions.unknownDevice')}</strong>
              {s.current ? <span class="badge"> · {t('account.sessions.current')}</span> : null}
              <br />
              <span class="details">
                {t('account.sessions.started', { date: fmt(s.createdAt) })}, {t('account.sessions.lastUsed', { date: fmt(s.lastUsedAt) })}
              </span>
              {s.current ? null : (
                <form method="post" action="/account/sessions/end" class="form inline">
                  {hidden}
                  <input type="hidden" name="session" value={s.ref} />
                  <button type="submit" class="secondary" aria-label={`${t('account.sessions.end')}: ${s.device ?? t('account.sessions.unknownDevice')}, ${fmt(s.createdAt)}`}>
                    {t('account.sessions.end')}
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
        {overview.sessions.some((s) => !s.current) ? (
          <form method="post" action="/account/sessions/end" class="form">
            {hidden}
            <input type="hidden" name="session" value="others" />
            <button type="submit" class="secondary">
              {t('account.sessions.endOthers')}
            </button>
          </form>
        ) : (
          <p class="hint">{t('account.sessions.onlyThis')}</p>
        )}
      </section>

      <section class="account-section" aria-labelledby="apps-heading">
        <h2 id="apps-heading">{t('account.apps.heading')}</h2>
        {props.apps.kind === 'remote' ? (
          <p>
            {t('account.apps.elsewhere')} <a href={props.apps.manageUrl}>{t('account.apps.manage')}</a>
          </p>
        ) : props.apps.apps.length === 0 ? (
          <p>{t('account.apps.none')}</p>
        ) : (
          <ul class="sessions">
            {props.apps.apps.map((a) => (
              <li>
                <strong>{a.label}</strong> <span class="details">{t('account.apps.since', { date: fmt(a.since) })}</span>
                <ul aria-label={t('account.apps.sharedWith', { app: a.label })}>
                  {a.grantLabels.length > 0 ? a.grantLabels.map((label) => <li>{label}</li>) : <li>{t('account.apps.identifierOnly')}</li>}
                </ul>
                <form method="post" action="/account/connected-apps/withdraw" class="form inline">
                  {hidden}
                  <input type="hidden" name="audience" value={a.audience} />
                  <button type="submit" class="secondary">
                    {t('account.apps.withdraw', { app: a.label })}
                  </button>
                </form>
              </li>
            ))}
          </ul>
        )}
      </section>

      {props.canDelete ? (
        <section class="account-section" aria-labelledby="delete-heading">
          <h2 id="delete-heading">{t('account.delete.heading')}</h2>
          <p>{t('account.delete.warning')}</p>
          <FormAlert ui={ui} errors={errorsOf('delete')} />
          <form method="post" action="/account/delete" class="form" novalidate={errorsOf('delete') !== undefined}>
            {hidden}
            {overview.hasPassword ? (
              <Field id="delete-confirm" name="confirm" label={t('account.delete.confirmPassword')} type="password" autocomplete="current-password" maxlength={1024} required errors={errorsOf('delete')} />
            ) : (
              <Field id="delete-confirm" name="confirm" label={t('account.delete.confirmEmail', { email: user.email })} type="email" autocomplete="off" maxlength={254} required errors={errorsOf('delete')} />
            )}
            <button type="submit" class="danger">
              {t('account.delete.submit')}
            </button>
          </form>
        </section>
      ) : null}

      <form method="post" action="/signout" class="form account-section">
        {hidden}
        <button type="submit" class="secondary">
          {t('account.signout')}
        </button>
      </form>
    </Layout>
  );
}

/** The alert above a refused form: its own summary, or "correct the marked fields". */
function FormAlert(props: { ui: Ui; errors: AccountFormErrors | undefined }) {
  if (!props.errors) return null;
  const count = Object.keys(props.errors.fields).length;
  const text = props.errors.summary ?? props.ui.t('account.formErrors', { count: Math.max(count, 1) });
  return (
    <p class="alert" role="alert">
      {text}
    </p>
  );
}

function FieldError(props: { id: string; message: string | undefined }) {
  return props.message ? (
    <p class="field-error" id={`${props.id}-error`}>
      {props.message}
    </p>
  ) : null;
}

interface FieldProps {
  id: string;
  name: string;
  label: string;
  type: 'email' | 'password' | 'text';
  autocomplete: string;
  maxlength: number;
  minlength?: number;
  required?: boolean;
  hint?: string;
  errors: AccountFormErrors | undefined;
}

/** A labelled input with its hint and error tied to it (aria-describedby, aria-invalid). */
function Field(props: FieldProps) {
  const message = props.errors?.fields[props.name];
  // Passwords are never filled in again; other values are (escaped by JSX).
  const value = props.type === 'password' ? undefined : props.errors?.values?.[props.name];
  const describedBy = [message ? `${props.id}-error` : undefined, props.hint ? `${props.id}-hint` : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name}
        type={props.type}
        autocomplete={props.autocomplete}
        maxlength={props.maxlength}
        minlength={props.minlength}
        required={props.required}
        value={value}
        autocapitalize={props.type === 'email' ? 'none' : undefined}
        spellcheck={props.type === 'email' ? false : undefined}
        aria-invalid={message ? 'true' : undefined}
        aria-describedby={describedBy}
      />
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <FieldError id={props.id} message={message} />
    </>
  );
}

export interface AccountSignInPageProps {
  ui: Ui;
  csrfToken: string;
  identifier?: string;
  message?: string;
  forgotHref?: string;
}

/** The account page's own sign-in form (a bridge session only; nothing goes to a relying party). */
export function AccountSignInPage(props: AccountSignInPageProps) {
  const { t } = props.ui;
  const errorId = 'account-signin-error';
  return (
    <Layout title={t('account.signin.title')} ui={props.ui}>
      <h1>{t('account.signin.title')}</h1>
      <p class="message">{t('account.signin.intro', { siteName: props.ui.theme.productName })}</p>
      {props.message ? (
        <p class="alert" role="alert" id={errorId}>
          {props.message}
        </p>
      ) : null}
      <form method="post" action="/account/signin" class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <label for="account-identifier">{t('account.signin.identifier')}</label>
        <input
          id="account-identifier"
          name="identifier"
          type="text"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          maxlength={320}
          value={props.identifier ?? ''}
          aria-invalid={props.message ? 'true' : undefined}
          aria-describedby={props.message ? errorId : undefined}
        />
        <label for="account-password">{t('account.signin.password')}</label>
        <input
          id="account-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          maxlength={1024}
          aria-invalid={props.message ? 'true' : undefined}
          aria-describedby={props.message ? errorId : undefined}
        />
        <button type="submit">{t('account.signin.submit')}</button>
      </form>
      {props.forgotHref ? (
        <p class="links">
          <a href={props.forgotHref}>{t('account.signin.forgot')}</a>
        </p>
      ) : null}
    </Layout>
  );
}

/** Dates as the locale writes them, in UTC (the page has no time zone of the user), marked as such. */
function dateFormat(locale: string): (ms: number) => string {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  } catch {
    format = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  }
  return (ms) => `${format.format(new Date(ms))} UTC`;
}

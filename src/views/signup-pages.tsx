import { Layout } from './layout.js';

interface Base {
  siteName: string;
  csrfToken: string;
}

/** A form's one message, announced and tied to its field. */
function FieldError(props: { id: string; message: string | undefined }) {
  return props.message ? (
    <p class="alert" role="alert" id={props.id}>
      {props.message}
    </p>
  ) : null;
}

/**
 * "Check your mail": after sign-up (new or existing address alike), or when the policy wants the
 * address confirmed before sign-in. Offers a new link (with a cooldown enforced by the server).
 */
export function CheckMailPage(props: Base & { email: string; requestId?: string; title?: string; message?: string; resent?: boolean }) {
  return (
    <Layout title={props.title ?? 'Check your email'} siteName={props.siteName}>
      <h1>{props.title ?? 'Check your email'}</h1>
      <p class="message">
        {props.message ?? 'We sent a link to'} <strong>{props.email}</strong>. Open it to confirm your address and continue. The link works on any device.
      </p>
      {props.resent ? (
        <p class="notice" role="status">
          If this address is waiting for confirmation, a new link is on its way. Links can be sent again after a short wait.
        </p>
      ) : null}
      <form method="post" action="/verify-email/resend" class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <input type="hidden" name="email" value={props.email} />
        {props.requestId ? <input type="hidden" name="request_id" value={props.requestId} /> : null}
        <button type="submit" class="secondary">
          Send the link again
        </button>
      </form>
      {props.requestId ? (
        <p class="links">
          <a href={`/verify/status?request_id=${encodeURIComponent(props.requestId)}`}>Back to sign in</a>
        </p>
      ) : null}
    </Layout>
  );
}

/** Forgot password: ask for the address. */
export function ForgotPage(props: Base & { requestId?: string; email?: string; message?: string }) {
  return (
    <Layout title="Reset your password" siteName={props.siteName}>
      <h1>Reset your password</h1>
      <p class="message">Enter the email address of your {props.siteName} account. We will send you a link to choose a new password.</p>
      <FieldError id="forgot-error" message={props.message} />
      <form method="post" action="/forgot" class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        {props.requestId ? <input type="hidden" name="request_id" value={props.requestId} /> : null}
        <label for="forgot-email">Email</label>
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
        <button type="submit">Send reset link</button>
      </form>
      {props.requestId ? (
        <p class="links">
          <a href={`/verify/status?request_id=${encodeURIComponent(props.requestId)}`}>Back to sign in</a>
        </p>
      ) : null}
    </Layout>
  );
}

/** Choose a new password (the page behind the reset link). */
export function ResetPage(props: Base & { token: string; message?: string; passwordMinLength: number }) {
  return (
    <Layout title="Choose a new password" siteName={props.siteName}>
      <h1>Choose a new password</h1>
      <FieldError id="reset-error" message={props.message} />
      <form method="post" action="/reset-password" class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <input type="hidden" name="token" value={props.token} />
        <label for="reset-password">New password</label>
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
          At least {props.passwordMinLength} characters. Common passwords are not accepted.
        </p>
        <label for="reset-confirm">Repeat the new password</label>
        <input id="reset-confirm" name="confirm" type="password" autocomplete="new-password" required maxlength={1024} />
        <button type="submit">Change password</button>
      </form>
    </Layout>
  );
}

/**
 * The page behind a verification link: one button that confirms. Why not confirm on GET: mail
 * scanners and link previews open links, and would use the single-use link up.
 */
export function ConfirmEmailPage(props: Base & { token: string }) {
  return (
    <Layout title="Confirm your email" siteName={props.siteName}>
      <h1>Confirm your email</h1>
      <p class="message">Press the button to confirm your email address for your {props.siteName} account.</p>
      <form method="post" action="/verify-email" class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <input type="hidden" name="token" value={props.token} />
        <button type="submit">Confirm my email</button>
      </form>
    </Layout>
  );
}

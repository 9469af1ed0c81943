import { ConnectorButtons } from './connector-buttons.js';
import { Layout } from './layout.js';

export interface LoginPageProps {
  siteName: string;
  requestId: string;
  csrfToken: string;
  /** The relying party's realm, shown so the user knows who is asking. */
  realm: string | null;
  /** The relying party's name (OIDC clients), shown instead of the realm when known. */
  clientName?: string | null;
  identifier?: string;
  message?: string;
}

/** The password form of Janrain step 3. */
export function LoginPage(props: LoginPageProps) {
  const errorId = 'login-error';
  return (
    <Layout title="Sign in" siteName={props.siteName}>
      <h1>Sign in</h1>
      {props.clientName || props.realm ? (
        <p class="realm">
          <span>to continue to</span> <strong class="realm-url">{props.clientName || displayRealm(props.realm!)}</strong>
        </p>
      ) : (
        <p class="realm">with your {props.siteName} account</p>
      )}
      {props.message ? (
        <p class="alert" role="alert" id={errorId}>
          {props.message}
        </p>
      ) : null}
      <form method="post" action="/login" class="form">
        <input type="hidden" name="request_id" value={props.requestId} />
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <label for="identifier">Email or username</label>
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
        <label for="password">Password</label>
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
        <button type="submit">Sign in</button>
      </form>
      <ConnectorButtons requestId={props.requestId} csrfToken={props.csrfToken} />
    </Layout>
  );
}

/** Show the realm as the user would recognise it: the URL without trailing slash. */
export function displayRealm(realm: string): string {
  return realm.replace(/\/$/, '');
}

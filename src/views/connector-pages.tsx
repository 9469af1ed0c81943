import { Layout } from './layout.js';

export interface LinkProofPageProps {
  siteName: string;
  csrfToken: string;
  token: string;
  /** The connector's label (Google, …). */
  label: string;
  /** The local account's email, which the upstream also reported (verified). */
  email: string;
  message?: string;
}

/**
 * link-by-email: the upstream verified this address, and an account here has it. Before the two
 * are linked the user proves they own the local account with its password (never linked on an
 * email match alone).
 */
export function LinkProofPage(props: LinkProofPageProps) {
  const errorId = 'link-error';
  return (
    <Layout title={`Link ${props.label}`} siteName={props.siteName}>
      <h1>Link your {props.label} account</h1>
      <p class="message">
        An account with the email address <strong>{props.email}</strong> already exists here. Enter its password once to link it with{' '}
        {props.label}; afterwards you can sign in with {props.label} directly.
      </p>
      {props.message ? (
        <p class="alert" role="alert" id={errorId}>
          {props.message}
        </p>
      ) : null}
      <form method="post" action="/connectors/link" class="form">
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <input type="hidden" name="token" value={props.token} />
        <input type="hidden" name="username" autocomplete="username" value={props.email} />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          maxlength={1024}
          autofocus
          aria-describedby={props.message ? errorId : undefined}
        />
        <button type="submit">Link and continue</button>
      </form>
    </Layout>
  );
}

export interface ConnectionsPageProps {
  siteName: string;
  csrfToken: string;
  linked: Array<{ connectorId: string; label: string; createdAt: number; canUnlink: boolean }>;
  available: Array<{ connectorId: string; label: string }>;
  message?: string;
}

/** The account side (bridge): linked upstream identities, link another, unlink (never the last way in). */
export function ConnectionsPage(props: ConnectionsPageProps) {
  return (
    <Layout title="Sign-in methods" siteName={props.siteName}>
      <h1>Sign-in methods</h1>
      {props.message ? (
        <p class="alert" role="alert">
          {props.message}
        </p>
      ) : null}
      {props.linked.length === 0 ? <p class="message">No other sign-in methods are linked to your account.</p> : null}
      <ul class="connections">
        {props.linked.map((link) => (
          <li data-connector={link.connectorId}>
            <strong>{link.label}</strong> <span>linked {new Date(link.createdAt).toISOString().slice(0, 10)}</span>
            {link.canUnlink ? (
              <form method="post" action={`/account/connections/${link.connectorId}/unlink`} class="inline">
                <input type="hidden" name="csrf" value={props.csrfToken} />
                <button type="submit" class="secondary">
                  Unlink
                </button>
              </form>
            ) : (
              <span class="hint"> (your only way to sign in: it cannot be unlinked)</span>
            )}
          </li>
        ))}
      </ul>
      {props.available.map((c) => (
        <form method="post" action={`/account/connections/${c.connectorId}/link`} class="form">
          <input type="hidden" name="csrf" value={props.csrfToken} />
          <button type="submit" class="secondary" data-connector={c.connectorId}>
            Link {c.label}
          </button>
        </form>
      ))}
    </Layout>
  );
}

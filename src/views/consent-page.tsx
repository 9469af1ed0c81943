import type { ConsentPolicy } from '../provider/responder.js';
import { Layout } from './layout.js';

export interface ConsentPageProps {
  siteName: string;
  requestId: string;
  csrfToken: string;
  policy: ConsentPolicy;
  /** The bridge's return token, carried to the decision (none from a stock Janrain AW). */
  returnToken: string | undefined;
  /** Offer to remember the decision (not for Janrain-compatible sign-ins, which always ask). */
  rememberable: boolean;
}

/** Step 7: approve or deny sharing exactly these items with this relying party. */
export function ConsentPage(props: ConsentPageProps) {
  const { policy } = props;
  return (
    <Layout title="Share your information?" siteName={props.siteName}>
      <h1>Sign in to another site?</h1>
      <p class="realm">
        <strong class="realm-url">{policy.audienceLabel}</strong> <span>wants to sign you in with your {props.siteName} account.</span>
      </p>
      {policy.siteUnverified ? (
        <p class="alert" role="alert">
          {policy.audienceLabel} could not be verified as the site that asked for your sign-in. Only continue if you trust it.
        </p>
      ) : null}
      {policy.items.length > 0 ? (
        <>
          <p>It will receive:</p>
          <ul class="attributes" aria-label="Information to be shared">
            {policy.items.map((item) => (
              <li>
                <strong>{item.label}</strong>
                {item.value !== undefined ? `: ${item.value}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>It will receive only an identifier for your account, no other information.</p>
      )}
      <form method="post" action="/ows_consent" class="form">
        <input type="hidden" name="request_id" value={props.requestId} />
        <input type="hidden" name="csrf" value={props.csrfToken} />
        {props.returnToken !== undefined ? <input type="hidden" name="return_token" value={props.returnToken} /> : null}
        {props.rememberable ? (
          <>
            <label class="checkbox" for="remember">
              <input type="checkbox" id="remember" name="remember" value="yes" checked={policy.rememberByDefault} /> Remember my decision for this site
            </label>
            {policy.rememberByDefault ? (
              <p class="hint">
                You can withdraw it at any time under <a href="/account/apps">Connected apps</a>.
              </p>
            ) : null}
          </>
        ) : null}
        <div class="actions">
          <button type="submit" name="decision" value="approve">
            Allow
          </button>
          <button type="submit" name="decision" value="deny" class="secondary">
            Deny
          </button>
        </div>
      </form>
    </Layout>
  );
}

import type { SregField } from '../users/profile.js';
import { SREG_LABELS } from '../users/profile.js';
import { Layout } from './layout.js';

export interface ConsentPageProps {
  siteName: string;
  requestId: string;
  csrfToken: string;
  /** Who is asking (realm or client name). */
  audience: string;
  attributes: Array<[SregField, string]>;
}

/** Step 7: approve or deny sharing exactly these attributes with this relying party. */
export function ConsentPage(props: ConsentPageProps) {
  return (
    <Layout title="Share your information?" siteName={props.siteName}>
      <h1>Sign in to another site?</h1>
      <p class="realm">
        <strong class="realm-url">{props.audience.replace(/\/$/, '')}</strong> <span>wants to sign you in with your {props.siteName} account.</span>
      </p>
      {props.attributes.length > 0 ? (
        <>
          <p>It will receive:</p>
          <ul class="attributes" aria-label="Information to be shared">
            {props.attributes.map(([field, value]) => (
              <li data-field={field}>
                <strong>{SREG_LABELS[field]}</strong>: {value}
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
        <label class="checkbox" for="remember">
          <input type="checkbox" id="remember" name="remember" value="yes" /> Remember my decision for this site
        </label>
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

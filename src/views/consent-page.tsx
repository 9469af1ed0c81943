import type { ConsentPolicy } from '../provider/responder.js';
import { consentLabelText } from './consent-label.js';
import { Layout } from './layout.js';
import type { Ui } from './ui.js';

export interface ConsentPageProps {
  ui: Ui;
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
  const { policy, ui } = props;
  const { t } = ui;
  return (
    <Layout title={t('consent.title')} ui={ui}>
      <h1>{t('consent.heading')}</h1>
      <p class="realm">
        <strong class="realm-url">{policy.audienceLabel}</strong> <span>{t('consent.wants', { siteName: ui.theme.productName })}</span>
      </p>
      {policy.siteUnverified ? (
        <p class="alert" role="alert">
          {t('consent.unverified', { audience: policy.audienceLabel })}
        </p>
      ) : null}
      {policy.items.length > 0 ? (
        <>
          <p id="consent-items">{t('consent.willReceive')}</p>
          <ul class="attributes" aria-labelledby="consent-items">
            {policy.items.map((item) => (
              <li>
                <strong>{consentLabelText(item.label, t)}</strong>
                {item.value !== undefined
                  ? `: ${item.value}`
                  : item.values
                    ? `: ${item.values.map((v) => `${consentLabelText(v.label, t)}: ${v.value}`).join('; ')}`
                    : ''}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{t('consent.identifierOnly')}</p>
      )}
      <form method="post" action="/ows_consent" class="form">
        <input type="hidden" name="request_id" value={props.requestId} />
        <input type="hidden" name="csrf" value={props.csrfToken} />
        {props.returnToken !== undefined ? <input type="hidden" name="return_token" value={props.returnToken} /> : null}
        {props.rememberable ? (
          <>
            <label class="checkbox" for="remember">
              <input type="checkbox" id="remember" name="remember" value="yes" checked={policy.rememberByDefault} aria-describedby={policy.rememberByDefault ? 'remember-hint' : undefined} />{' '}
              {t('consent.remember')}
            </label>
            {policy.rememberByDefault ? (
              <p class="hint" id="remember-hint">
                {t('consent.withdrawHint')} <a href="/account/apps">{t('consent.connectedApps')}</a>.
              </p>
            ) : null}
          </>
        ) : null}
        <div class="actions">
          <button type="submit" name="decision" value="approve">
            {t('consent.allow')}
          </button>
          <button type="submit" name="decision" value="deny" class="secondary">
            {t('consent.deny')}
          </button>
        </div>
      </form>
    </Layout>
  );
}

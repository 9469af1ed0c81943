import { Hono, type Context } from 'hono';
import { invalidRequest } from '../errors.js';
import type { ConnectedApps } from '../provider/connected-apps.js';
import { consentLabelText } from '../views/consent-label.js';
import { MessagePage } from '../views/message-page.js';
import { browserIdentity } from './browser.js';
import type { AppEnv } from './context.js';
import { assertCsrf } from './csrf-guard.js';
import { formParams, single } from './params.js';
import { OP_SESSION_COOKIE } from './relying-party-answer.js';

/** `/account/apps`: the user's remembered consents, each revocable (CSRF-protected form). */
export function accountRoutes(apps: ConnectedApps) {
  const app = new Hono<AppEnv>();
  app.use('/account/*', browserIdentity());
  const user = async (c: Context<AppEnv>) => {
    const { cookies, config } = c.get('http');
    return apps.user((await cookies.read<{ sid: string }>(c, OP_SESSION_COOKIE, config.identity.oidc.sessionTtlSeconds))?.sid);
  };

  app.get('/account/apps', async (c) => {
    const list = await apps.list(await user(c));
    const ui = c.get('ui');
    const { t } = ui;
    return c.html(
      <MessagePage ui={ui} title={t('account.apps.title')} message={list.length === 0 ? t('account.apps.none') : t('account.apps.some')}>
        <ul class="attributes">
          {list.map((a) => (
            <li>
              <strong>{a.label}</strong> <span class="since">{t('account.apps.since', { date: new Date(a.since).toISOString().slice(0, 10) })}</span>
              <ul aria-label={t('account.apps.sharedWith', { app: a.label })}>
                {a.grantLabels.length > 0 ? a.grantLabels.map((label) => <li>{consentLabelText(label, t)}</li>) : <li>{t('account.apps.identifierOnly')}</li>}
              </ul>
              <form method="post" action="/account/apps/revoke" class="form">
                <input type="hidden" name="csrf" value={c.get('browser').csrfToken} />
                <input type="hidden" name="audience" value={a.audience} />
                <button type="submit" class="secondary">
                  {t('account.apps.revoke', { app: a.label })}
                </button>
              </form>
            </li>
          ))}
        </ul>
        {/* The rest of the account lives with the users, at the bridge (the Verify URL's server). */}
        <p class="links">
          <a href={new URL('/account', c.get('http').config.identity.verifyUrl).toString()}>{t('account.link')}</a>
        </p>
      </MessagePage>,
    );
  });

  app.post('/account/apps/revoke', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const audience = single(form, 'audience');
    if (!audience || audience.length > 2048) throw invalidRequest('Which app?');
    await apps.revoke(await user(c), audience);
    return c.redirect('/account/apps', 303);
  });
  return app;
}

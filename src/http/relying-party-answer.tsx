import type { Context } from 'hono';
import type { RelyingPartyAnswer } from '../provider/responder.js';
import { Layout } from '../views/layout.js';
import type { AppEnv } from './context.js';
import { IDENTITY_COOKIES } from './cookie-names.js';

/** The identity service's own session cookie (OIDC sid, RP-initiated logout). */
export const OP_SESSION_COOKIE = IDENTITY_COOKIES.session;

/**
 * Deliver an answer to the relying party's browser: a 302, or an auto-submitting form. The form
 * needs one inline script to submit itself, allowed by a per-response CSP hash-free nonce; without
 * JavaScript the user presses the button.
 */
export async function sendAnswer(c: Context<AppEnv>, answer: RelyingPartyAnswer & { opSessionToken?: string }) {
  if (answer.opSessionToken) {
    const { cookies, config } = c.get('http');
    await cookies.writeToken(c, OP_SESSION_COOKIE, 'sid', answer.opSessionToken, config.identity.oidc.sessionTtlSeconds);
  }
  if (answer.kind === 'redirect') return c.redirect(answer.location, 302);
  const ui = c.get('ui');
  const nonce = crypto.randomUUID().replace(/-/g, '');
  c.header(
    'content-security-policy',
    `default-src 'none'; style-src ${["'self'", ...ui.theme.cspSources.style].join(' ')}; img-src ${["'self'", ...ui.theme.cspSources.img].join(' ')}; script-src 'nonce-${nonce}'; frame-ancestors 'none'; base-uri 'none'`,
  );
  return c.html(
    <Layout title={ui.t('answer.title')} ui={ui}>
      <h1>{ui.t('answer.heading')}</h1>
      <form method="post" action={answer.action} id="answer" class="form">
        {answer.fields.map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <button type="submit">{ui.t('answer.submit')}</button>
      </form>
      <script nonce={nonce}>{"document.getElementById('answer').submit()"}</script>
    </Layout>,
  );
}

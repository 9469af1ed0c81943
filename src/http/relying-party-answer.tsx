import type { Context } from 'hono';
import type { RelyingPartyAnswer } from '../provider/responder.js';
import { Layout } from '../views/layout.js';
import type { AppEnv } from './context.js';

/**
 * Deliver an answer to the relying party's browser: a 302, or an auto-submitting form. The form
 * needs one inline script to submit itself, allowed by a per-response CSP hash-free nonce; without
 * JavaScript the user presses the button.
 */
export function sendAnswer(c: Context<AppEnv>, answer: RelyingPartyAnswer) {
  if (answer.kind === 'redirect') return c.redirect(answer.location, 302);
  const nonce = crypto.randomUUID().replace(/-/g, '');
  c.header(
    'content-security-policy',
    `default-src 'none'; style-src 'self'; img-src 'self'; script-src 'nonce-${nonce}'; frame-ancestors 'none'; base-uri 'none'`,
  );
  const siteName = c.get('http').config.siteName;
  return c.html(
    <Layout title="Continue" siteName={siteName}>
      <h1>Continue to the site</h1>
      <form method="post" action={answer.action} id="answer" class="form">
        {answer.fields.map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <button type="submit">Continue</button>
      </form>
      <script nonce={nonce}>{"document.getElementById('answer').submit()"}</script>
    </Layout>,
  );
}

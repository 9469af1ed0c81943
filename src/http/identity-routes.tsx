import { Hono, type Context } from 'hono';
import { invalidRequest } from '../errors.js';
import { receivePostback, type PostbackReceiverDeps } from '../provider/postback-receiver.js';
import { answerProbe, type ProbeReceiverDeps } from '../provider/probe-receiver.js';
import type { ReturnFlow } from '../provider/return-flow.js';
import { ConsentPage } from '../views/consent-page.js';
import { browserIdentity } from './browser.js';
import type { AppEnv } from './context.js';
import { assertCsrf } from './csrf-guard.js';
import { formParams, queryParams, single } from './params.js';
import { OP_SESSION_COOKIE, sendAnswer } from './relying-party-answer.js';

const REQUEST_ID = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * The identity service's side of the Janrain flow: the PostBack URL (server to server, text
 * answers) and the Return URL with the consent page (browser, HTML).
 */
export function janrainRoutes(postback: PostbackReceiverDeps, flow: ReturnFlow, probe: ProbeReceiverDeps) {
  const app = new Hono<AppEnv>();

  // The bridge's start-up check of its API key (server to server, text answers like /ows_auth).
  app.post(
    '/ows_probe',
    async (c, next) => {
      c.set('errorFormat', 'text');
      await next();
    },
    async (c) => c.text(await answerProbe(await formParams(c), probe), 200),
  );

  app.post(
    '/ows_auth',
    async (c, next) => {
      c.set('errorFormat', 'text');
      await next();
    },
    async (c) => {
      await receivePostback(await formParams(c), postback);
      return c.text('OK', 200);
    },
  );

  const browser = app;
  browser.use('/ows_consent', browserIdentity());
  // Step 6 by form POST, as Janrain allowed besides the query string. Answered with a 303 to the
  // GET form, deliberately without reading or setting the browser cookie here: a cross-site POST
  // does not carry the SameSite=Lax binding cookie (and setting a fresh one would replace it),
  // while the top-level GET that follows the 303 does. Nothing changes state before that GET.
  browser.post('/ows_return', async (c) => {
    const form = await formParams(c);
    const location = new URLSearchParams({ request_id: requestId(single(form, 'request_id')) });
    const token = single(form, 'return_token');
    if (token !== undefined) location.set('return_token', token);
    return c.redirect(`/ows_return?${location}`, 303);
  });
  browser.get('/ows_return', browserIdentity(), async (c) => {
    const query = queryParams(c);
    const step = await flow.arrive(requestId(single(query, 'request_id')), c.get('browser').hash, single(query, 'return_token'), await opSession(c), single(query, 'error'));
    if (step.kind === 'answer') return sendAnswer(c, step.answer);
    return c.html(
      <ConsentPage
        ui={step.policy.uiLocales ? c.get('http').ui({ uiLocales: step.policy.uiLocales, acceptLanguage: c.req.header('accept-language') }) : c.get('ui')}
        requestId={step.request.requestId}
        csrfToken={c.get('browser').csrfToken}
        policy={step.policy}
        rememberable={step.rememberable}
        returnToken={single(query, 'return_token')}
      />,
    );
  });
  browser.post('/ows_consent', async (c: Context<AppEnv>) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const decision = single(form, 'decision');
    if (decision !== 'approve' && decision !== 'deny') throw invalidRequest('Please choose Allow or Deny.');
    const { answer } = await flow.decide(
      requestId(single(form, 'request_id')),
      c.get('browser').hash,
      decision === 'approve',
      single(form, 'remember') === 'yes',
      single(form, 'return_token'),
      await opSession(c),
    );
    return sendAnswer(c, answer);
  });
  return app;
}

async function opSession(c: Context<AppEnv>): Promise<string | undefined> {
  const { cookies, config } = c.get('http');
  return (await cookies.read<{ sid: string }>(c, OP_SESSION_COOKIE, config.identity.oidc.sessionTtlSeconds))?.sid;
}

function requestId(value: string | undefined): string {
  if (!value || !REQUEST_ID.test(value)) throw invalidRequest('The request_id is missing or malformed.');
  return value;
}

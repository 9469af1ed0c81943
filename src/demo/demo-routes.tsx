import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import type { OutgoingFetch } from '../bridge/postback-client.js';
import type { Config } from '../config.js';
import type { AppEnv } from '../http/context.js';
import { IDENTIFIER_SELECT, kvDecode, OPENID2_NS, relyingPartyXrds, SREG_1_1_NS, XRDS_CONTENT_TYPE } from '../protocol/openid2/index.js';
import { SREG_LABELS, isSregField } from '../users/profile.js';
import { Layout } from '../views/layout.js';

/**
 * A tiny OpenID 2.0 relying party for newcomers (development only, never in production): a
 * "Sign in with OpenID" button that runs the whole flow against this server, then verifies the
 * assertion with check_authentication (stateless mode) and shows the identity and attributes.
 */
export function demoRoutes(config: Config, fetch: OutgoingFetch) {
  const app = new Hono<AppEnv>();
  const opEndpoint = `${config.publicUrl}/openid`;
  const returnTo = `${config.publicUrl}/demo/return`;
  const page = (title: string, body: Child) => <Layout title={title} siteName={`${config.siteName} demo`}>{body}</Layout>;

  // The realm publishes its return_to URL (OpenID 2.0 §13), so the consent page can verify the demo.
  const realm = `${config.publicUrl}/demo`;
  app.get('/demo', (c) => {
    if ((c.req.header('accept') ?? '').includes(XRDS_CONTENT_TYPE)) {
      return c.body(relyingPartyXrds([returnTo]), 200, { 'content-type': `${XRDS_CONTENT_TYPE}; charset=utf-8` });
    }
    return c.html(
      page(
        'Demo relying party',
        <>
          <h1>Demo relying party</h1>
          <p class="message">This page plays a site that lets people sign in with their {config.siteName} account over OpenID 2.0.</p>
          <form method="get" action="/demo/start" class="form">
            <button type="submit">Sign in with OpenID</button>
          </form>
        </>,
      ),
    );
  });

  app.get('/demo/start', (c) => {
    const url = new URL(opEndpoint);
    const params: Record<string, string> = {
      'openid.ns': OPENID2_NS,
      'openid.mode': 'checkid_setup',
      'openid.claimed_id': IDENTIFIER_SELECT,
      'openid.identity': IDENTIFIER_SELECT,
      'openid.return_to': returnTo,
      'openid.realm': realm,
      'openid.ns.sreg': SREG_1_1_NS,
      'openid.sreg.required': 'email',
      'openid.sreg.optional': 'nickname,fullname,country,language,timezone',
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return c.redirect(url.toString(), 302);
  });

  app.get('/demo/return', async (c) => {
    const params = new URL(c.req.url).searchParams;
    const mode = params.get('openid.mode');
    if (mode !== 'id_res') {
      return c.html(
        page('Not signed in', <><h1>Not signed in</h1><p class="message">The provider answered “{mode ?? 'nothing'}”.</p><p><a href="/demo">Start again</a></p></>),
        mode === 'cancel' ? 200 : 400,
      );
    }
    // An RP must check that the assertion was meant for this return_to, and have the OP confirm
    // the signature (stateless mode: check_authentication, which answers true at most once).
    const claimedId = params.get('openid.claimed_id') ?? '';
    const valid =
      params.get('openid.return_to') === returnTo &&
      params.get('openid.op_endpoint') === opEndpoint &&
      claimedId.startsWith(`${config.publicUrl}/id/`) &&
      (await checkAuthentication(fetch, opEndpoint, params));
    if (!valid) {
      return c.html(page('Verification failed', <><h1>Verification failed</h1><p class="message">The assertion could not be verified.</p><p><a href="/demo">Start again</a></p></>), 400);
    }
    const attributes: Array<[string, string]> = [];
    for (const [key, value] of params) {
      const m = /^openid\.sreg\.(.+)$/.exec(key);
      if (m && isSregField(m[1]!)) attributes.push([SREG_LABELS[m[1]!], value]);
    }
    return c.html(
      page(
        'Signed in',
        <>
          <h1>Signed in</h1>
          <p class="message">The provider asserted, and confirmed, this identity:</p>
          <dl class="identity">
            <dt>OpenID</dt>
            <dd id="claimed-id">{claimedId}</dd>
            {attributes.map(([label, value]) => (
              <>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </>
            ))}
          </dl>
          <p><a href="/demo">Sign in again</a></p>
        </>,
      ),
    );
  });
  return app;
}

async function checkAuthentication(fetch: OutgoingFetch, opEndpoint: string, params: URLSearchParams): Promise<boolean> {
  const body = new URLSearchParams();
  for (const [k, v] of params) if (k.startsWith('openid.')) body.set(k, v);
  body.set('openid.mode', 'check_authentication');
  try {
    const res = await fetch(opEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    if (res.status !== 200) return false;
    return kvDecode(await res.text())['is_valid'] === 'true';
  } catch {
    return false;
  }
}

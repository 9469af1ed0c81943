import { Hono, type Context } from 'hono';
import { raw } from 'hono/html';
import { invalidRequest } from '../errors.js';
import type { IdentityStore } from '../provider/ports.js';
import type { OpenId2Provider } from '../provider/openid2-provider.js';
import {
  claimedIdentifierXrds,
  htmlDiscoveryLinks,
  kvEncode,
  opIdentifierXrds,
  parseOpenIdMessage,
  XRDS_CONTENT_TYPE,
} from '../protocol/openid2/index.js';
import { Layout } from '../views/layout.js';
import { identifyBrowser } from './browser.js';
import type { AppEnv } from './context.js';
import { openId2ErrorFormat } from './openid2-format.js';
import { formParams, queryParams, type Params } from './params.js';
import { sendAnswer } from './relying-party-answer.js';

const DIRECT_MODES = new Set(['associate', 'check_authentication']);
const CHECKID_MODES = new Set(['checkid_setup', 'checkid_immediate']);

/** OpenID 2.0: the OP endpoint (`/openid`) with Yadis discovery, and per-user claimed identifiers. */
export function openId2Routes(provider: OpenId2Provider, identities: IdentityStore) {
  const app = new Hono<AppEnv>();
  const { opEndpoint } = provider.urls;
  app.use('/openid', openId2ErrorFormat());

  const endpoint = async (c: Context<AppEnv>) => {
    // Read once: the body is parsed here and nowhere else.
    const params = flatten(c.req.method === 'POST' ? await formParams(c) : queryParams(c));
    if (c.req.method !== 'POST' && !Object.keys(params).some((k) => k.startsWith('openid.'))) {
      return discovery(c, opIdentifierXrds(opEndpoint), opEndpoint);
    }

    const mode = params['openid.mode'] ?? '';
    if (DIRECT_MODES.has(mode)) {
      // Direct requests (§5.1): POST only, answered in key-value form, errors too.
      c.set('errorFormat', 'kv');
      if (c.req.method !== 'POST') throw invalidRequest(`${mode} must be sent as a POST.`);
      const fields = await provider.direct(parseOpenIdMessage(params));
      return c.body(kvEncode(fields), 200, { 'content-type': 'text/plain; charset=utf-8' });
    }
    if (CHECKID_MODES.has(mode)) {
      // Indirect (checkid), from a browser: errors are pages, never redirects to an unverified
      // return_to. Only these need the browser cookie; direct requests come from RP servers.
      c.set('errorFormat', 'html');
      const message = parseOpenIdMessage(params);
      const browser = await identifyBrowser(c);
      return sendAnswer(c, await provider.checkid(message, browser.hash));
    }
    // No mode, or one we do not know: malformed (missing ns and mode are named by the parser), in
    // the format chosen before parsing.
    parseOpenIdMessage(params);
    throw invalidRequest(`openid.mode ${mode.slice(0, 40)} is not supported.`);
  };
  app.get('/openid', endpoint);
  app.post('/openid', endpoint);

  app.get('/id/:publicId', async (c) => {
    const publicId = c.req.param('publicId');
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(publicId) || !(await identities.usernameFor(publicId))) {
      return c.text('No such identifier.', 404);
    }
    const claimed = provider.urls.identifier(publicId);
    return discovery(c, claimedIdentifierXrds(opEndpoint, claimed), opEndpoint, claimed);
  });
  return app;
}

/** Yadis (§7.3): XRDS when asked for it, else an HTML page pointing to the XRDS and carrying <link> discovery. */
function discovery(c: Context<AppEnv>, xrds: string, opEndpoint: string, claimed?: string) {
  if ((c.req.header('accept') ?? '').includes(XRDS_CONTENT_TYPE)) {
    return c.body(xrds, 200, { 'content-type': `${XRDS_CONTENT_TYPE}; charset=utf-8`, 'cache-control': 'public, max-age=300' });
  }
  const xrdsUrl = claimed ?? opEndpoint;
  c.header('x-xrds-location', xrdsUrl.includes('?') ? xrdsUrl : `${xrdsUrl}?xrds=1`);
  const ui = c.get('ui');
  const { t } = ui;
  const siteName = ui.theme.productName;
  return c.html(
    <Layout title={t('openid.title')} ui={ui} head={raw(htmlDiscoveryLinks(opEndpoint, claimed))}>
      <h1>{claimed ? t('openid.identifier.heading') : t('openid.provider.heading')}</h1>
      <p class="message">{claimed ? t('openid.identifier.message', { siteName }) : t('openid.provider.message', { siteName, endpoint: opEndpoint })}</p>
    </Layout>,
  );
}

/** One value per parameter: a repeated `openid.*` parameter is ambiguous and refused. */
function flatten(params: Params): Record<string, string> {
  const out = Object.create(null) as Record<string, string>; // attacker-chosen keys
  for (const [key, values] of Object.entries(params)) {
    if (values.length > 1 && key.startsWith('openid.')) throw invalidRequest(`The parameter ${key} was given more than once.`);
    out[key] = values[0]!;
  }
  return out;
}

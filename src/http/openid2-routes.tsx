import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
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
import { browserIdentity } from './browser.js';
import type { AppEnv } from './context.js';
import { formParams, queryParams } from './params.js';
import { sendAnswer } from './relying-party-answer.js';

const DIRECT_MODES = new Set(['associate', 'check_authentication']);

/** OpenID 2.0: the OP endpoint (`/openid`) with Yadis discovery, and per-user claimed identifiers. */
export function openId2Routes(provider: OpenId2Provider, identities: IdentityStore) {
  const app = new Hono<AppEnv>();
  const { opEndpoint } = provider.urls;
  app.use('/openid', bodyLimit({ maxSize: 64 * 1024, onError: () => { throw invalidRequest('The request is too large.', { status: 413 }); } }));

  const endpoint = async (c: Context<AppEnv>) => {
    const params = flatten(c.req.method === 'POST' ? await formParams(c) : queryParams(c));
    if (!Object.keys(params).some((k) => k.startsWith('openid.'))) return discovery(c, opIdentifierXrds(opEndpoint), opEndpoint);

    const modeHint = params['openid.mode'] ?? '';
    if (DIRECT_MODES.has(modeHint)) {
      // Direct requests (§5.1): POST only, answered in key-value form, errors too.
      c.set('errorFormat', 'kv');
      if (c.req.method !== 'POST') throw invalidRequest(`${modeHint} must be sent as a POST.`);
      const fields = await provider.direct(parseOpenIdMessage(params));
      return c.body(kvEncode(fields), 200, { 'content-type': 'text/plain; charset=utf-8' });
    }
    // Indirect (checkid): errors are pages, never redirects to an unverified return_to.
    const message = parseOpenIdMessage(params);
    return sendAnswer(c, await provider.checkid(message, c.get('browser').hash));
  };
  app.use('/openid', async (c, next) => {
    // Only browser-facing (checkid) requests need the browser cookie; direct requests come from RP servers.
    const mode = c.req.method === 'GET' ? c.req.query('openid.mode') : undefined;
    if (c.req.method === 'GET' && mode && !DIRECT_MODES.has(mode)) return browserIdentity()(c, next);
    if (c.req.method === 'POST' && !(await isDirect(c))) return browserIdentity()(c, next);
    return next();
  });
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
  const { siteName } = c.get('http').config;
  return c.html(
    <Layout title="OpenID" siteName={siteName} head={raw(htmlDiscoveryLinks(opEndpoint, claimed))}>
      <h1>{claimed ? 'OpenID identifier' : 'OpenID provider'}</h1>
      <p class="message">
        {claimed
          ? `This is an OpenID identifier of a ${siteName} account. Relying parties discover its provider here.`
          : `This is the OpenID 2.0 endpoint of ${siteName}. Enter ${opEndpoint} at a site that supports OpenID to sign in.`}
      </p>
    </Layout>,
  );
}

async function isDirect(c: Context<AppEnv>): Promise<boolean> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return false;
  const mode = new URLSearchParams(await c.req.text()).get('openid.mode');
  return mode !== null && DIRECT_MODES.has(mode);
}

/** One value per parameter: a repeated `openid.*` parameter is ambiguous and refused. */
function flatten(params: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(params)) {
    if (values.length > 1 && key.startsWith('openid.')) throw invalidRequest(`The parameter ${key} was given more than once.`);
    out[key] = values[0]!;
  }
  return out;
}

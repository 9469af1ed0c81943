import { Hono, type Context } from 'hono';
import { IdbridgeError, invalidRequest } from '../errors.js';
import type { ClientRegistry } from '../provider/oidc/client-registry.js';
import type { OidcAuthorization } from '../provider/oidc/oidc-authorization.js';
import { ACR_PASSWORD } from '../provider/oidc/oidc-authorization.js';
import type { RpLogout } from '../provider/oidc/rp-logout.js';
import type { SigningKeys } from '../provider/oidc/signing-keys.js';
import type { TokenService } from '../provider/oidc/token-service.js';
import { filterClaimsByScopes } from '../protocol/oidc/claims.js';
import { providerMetadata } from '../protocol/oidc/discovery.js';
import { MessagePage } from '../views/message-page.js';
import { browserIdentity } from './browser.js';
import type { AppEnv } from './context.js';
import { assertCsrf } from './csrf-guard.js';
import { formParams, queryParams, single } from './params.js';
import { OP_SESSION_COOKIE, sendAnswer } from './relying-party-answer.js';
import { IDENTITY_COOKIES } from './cookie-names.js';

const LOGOUT_COOKIE = IDENTITY_COOKIES.logout;

export interface OidcRouteDeps {
  authorization: OidcAuthorization;
  tokens: TokenService;
  keys: SigningKeys;
  logout: RpLogout;
  clients: ClientRegistry;
}

/** OpenID Connect endpoints: thin handlers over the OIDC services. */
export function oidcRoutes(deps: OidcRouteDeps) {
  const app = new Hono<AppEnv>();
  const json = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    c.set('errorFormat', 'json');
    await next();
  };

  // Built once: the metadata only depends on configuration.
  const metadata = JSON.stringify(providerMetadata(deps.authorization.issuer, { acrValuesSupported: [ACR_PASSWORD], customScopes: deps.authorization.customScopes }));
  app.get('/.well-known/openid-configuration', (c) =>
    c.body(metadata, 200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' }),
  );
  // The key set object is cached by SigningKeys; serialise each new one once.
  let jwksText: { set: object; text: string } | undefined;
  app.get('/jwks', json, async (c) => {
    const set = await deps.keys.jwks();
    if (jwksText?.set !== set) jwksText = { set, text: JSON.stringify(set) };
    return c.body(jwksText.text, 200, {
      'content-type': 'application/jwk-set+json',
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
    });
  });

  // Authorization endpoint (browser): errors that may not go to the client are error pages.
  for (const path of ['/authorize', '/logout', '/logout/confirm', '/logout/done']) app.use(path, browserIdentity());
  const authorize = async (c: Context<AppEnv>) => {
    const params = c.req.method === 'POST' ? await formParams(c) : queryParams(c);
    return sendAnswer(c, await deps.authorization.authorize(params, c.get('browser').hash));
  };
  app.get('/authorize', authorize);
  app.post('/authorize', authorize);

  app.post('/token', json, async (c) => {
    noStore(c);
    const form = await formParams(c);
    const client = await authenticated(c, form);
    return c.json(await deps.tokens.exchange(client, form));
  });

  const userinfo = async (c: Context<AppEnv>) => {
    c.set('errorFormat', 'json');
    noStore(c);
    const token = await bearerToken(c);
    const active = token ? await deps.tokens.activeAccessToken(token) : null;
    if (!active || !active.token.scopes.includes('openid')) {
      // RFC 6750 §3: the challenge tells the client why.
      c.header('www-authenticate', token ? 'Bearer error="invalid_token"' : 'Bearer');
      throw new IdbridgeError('invalid_token', 'The access token is missing, invalid, expired or revoked.', { status: 401 });
    }
    return c.json({ ...filterClaimsByScopes(active.grant.claims, active.token.scopes, { customScopes: deps.authorization.customScopes }), sub: active.grant.sub });
  };
  app.get('/userinfo', userinfo);
  app.post('/userinfo', userinfo);

  app.post('/revoke', json, async (c) => {
    noStore(c);
    const form = await formParams(c);
    const client = await authenticated(c, form);
    const token = single(form, 'token');
    if (!token) throw invalidRequest('token is missing.');
    await deps.tokens.revoke(client, token);
    return c.body(null, 200);
  });

  app.post('/introspect', json, async (c) => {
    noStore(c);
    const form = await formParams(c);
    const client = await authenticated(c, form);
    // RFC 7662 §2.1: introspection needs real client authentication; a public client has none.
    if (client.public) throw new IdbridgeError('invalid_client', 'Public clients cannot use introspection.', { status: 401 });
    const token = single(form, 'token');
    if (!token) throw invalidRequest('token is missing.');
    const active = await deps.tokens.activeTokenFor(client, token);
    if (!active) return c.json({ active: false });
    return c.json({
      active: true,
      scope: active.token.scopes.join(' '),
      client_id: active.token.clientId,
      sub: active.grant.sub,
      exp: Math.floor(active.token.expiresAt / 1000),
      iat: Math.floor(active.token.createdAt / 1000),
      iss: deps.authorization.issuer,
      aud: active.token.clientId,
      token_type: active.token.kind === 'access' ? 'Bearer' : 'refresh_token',
    });
  });

  // RP-initiated logout: confirm unless a valid id_token_hint shows the RP asked, then end the
  // identity-service session, then the bridge's, then back to the client (or a signed-out page).
  const logout = async (c: Context<AppEnv>) => {
    const params = c.req.method === 'POST' ? await formParams(c) : queryParams(c);
    const request = await deps.logout.validate(params);
    const { cookies, config: cfg } = c.get('http');
    const opToken = (await cookies.read<{ sid: string }>(c, OP_SESSION_COOKIE, cfg.identity.oidc.sessionTtlSeconds))?.sid;
    // Nobody signed in here: nothing to confirm. Still through the bridge (which lets a browser
    // without a bridge session straight through and asks about a leftover one), then on to the
    // client's post-logout URI or the "You are signed out" page. Without the hint's sid: a hint
    // alone, from any browser, must not end someone's session.
    if (!(await deps.logout.signedIn(opToken))) return finishLogout(c, request.postLogoutRedirectUri, request.state);
    if (!(await deps.logout.hintMatchesBrowser(request, opToken))) {
      const ui = c.get('ui');
      const { t } = ui;
      const siteName = ui.theme.productName;
      const cancel = deps.logout.cancelUrl(request);
      return c.html(
        <MessagePage
          ui={ui}
          title={t('logout.confirm.title')}
          message={request.client ? t('logout.confirm.messageWithClient', { siteName, client: request.client.name }) : t('logout.confirm.message', { siteName })}
        >
          <form method="post" action="/logout/confirm" class="form">
            <input type="hidden" name="csrf" value={c.get('browser').csrfToken} />
            {request.client ? <input type="hidden" name="client_id" value={request.client.clientId} /> : null}
            {request.postLogoutRedirectUri ? <input type="hidden" name="post_logout_redirect_uri" value={request.postLogoutRedirectUri} /> : null}
            {request.state !== null ? <input type="hidden" name="state" value={request.state} /> : null}
            <div class="actions">
              <button type="submit">{t('logout.confirm.submit')}</button>
              <a class="button secondary" href={cancel ?? '/logout/cancelled'}>
                {t('logout.confirm.cancel')}
              </a>
            </div>
          </form>
        </MessagePage>,
      );
    }
    return finishLogout(c, request.postLogoutRedirectUri, request.state, request.hintSid);
  };
  app.get('/logout', logout);
  app.post('/logout', logout);
  app.post('/logout/confirm', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const request = await deps.logout.validate({ client_id: form['client_id'] ?? [], post_logout_redirect_uri: form['post_logout_redirect_uri'] ?? [], state: form['state'] ?? [] });
    return finishLogout(c, request.postLogoutRedirectUri, request.state);
  });
  app.get('/logout/done', async (c) => {
    const { cookies } = c.get('http');
    const target = await cookies.read<{ uri: string; state?: string }>(c, LOGOUT_COOKIE, 600);
    cookies.clear(c, LOGOUT_COOKIE);
    if (target?.uri) {
      const url = new URL(target.uri);
      if (target.state) url.searchParams.set('state', target.state);
      return c.redirect(url.toString(), 302);
    }
    const ui = c.get('ui');
    return c.html(<MessagePage ui={ui} title={ui.t('logout.done.title')} message={ui.t('logout.done.message', { siteName: ui.theme.productName })} />);
  });
  app.get('/logout/cancelled', (c) => {
    const ui = c.get('ui');
    return c.html(<MessagePage ui={ui} title={ui.t('logout.cancelled.title')} message={ui.t('logout.cancelled.message', { siteName: ui.theme.productName })} />);
  });

  async function finishLogout(c: Context<AppEnv>, uri: string | null, state: string | null, hintSid: string | null = null) {
    const { cookies, config } = c.get('http');
    const token = (await cookies.read<{ sid: string }>(c, OP_SESSION_COOKIE, config.identity.oidc.sessionTtlSeconds))?.sid;
    const { username } = await deps.logout.end(token, hintSid);
    cookies.clear(c, OP_SESSION_COOKIE);
    if (uri) await cookies.write(c, LOGOUT_COOKIE, state ? { uri, state } : { uri }, 600);
    return c.redirect(await deps.logout.bridgeSignoutUrl(username, `${config.publicUrl}/logout/done`), 302);
  }

  async function authenticated(c: Context<AppEnv>, form: Record<string, string[]>) {
    try {
      return await deps.tokens.authenticate({ authorization: c.req.header('authorization') }, form);
    } catch (error) {
      if (error instanceof IdbridgeError && error.code === 'invalid_client' && c.req.header('authorization')?.toLowerCase().startsWith('basic')) {
        c.header('www-authenticate', 'Basic realm="idbridge"');
      }
      throw error;
    }
  }

  return app;
}

function noStore(c: Context<AppEnv>): void {
  c.header('cache-control', 'no-store');
  c.header('pragma', 'no-cache');
}

/** RFC 6750: Authorization header, or `access_token` in a form body (never in the query). */
async function bearerToken(c: Context<AppEnv>): Promise<string | undefined> {
  const header = c.req.header('authorization');
  if (header) {
    const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
    return m?.[1];
  }
  if (c.req.method === 'POST' && (c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
    return single(await formParams(c), 'access_token');
  }
  return undefined;
}

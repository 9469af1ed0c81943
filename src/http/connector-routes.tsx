import { Hono, type Context } from 'hono';
import type { BridgeSessions } from '../bridge/sessions.js';
import type { BridgeSignIn } from '../bridge/sign-in.js';
import type { VerifyParams } from '../bridge/verify-params.js';
import type { ConnectorAccounts } from '../connectors/account-connections.js';
import type { ConnectorOutcome, ConnectorSignIn } from '../connectors/connector-sign-in.js';
import { ConnectorFailure, failureMessageId } from '../connectors/failure.js';
import type { Message } from '../i18n/translate.js';
import { IdbridgeError, invalidRequest } from '../errors.js';
import { ConnectionsPage, LinkProofPage } from '../views/connector-pages.js';
import { MessagePage } from '../views/message-page.js';
import { readBridgeSession, render, writeBridgeSession, type DirectConnector } from './bridge-routes.js';
import { browserIdentity } from './browser.js';
import { BRIDGE_COOKIES } from './cookie-names.js';
import type { AppEnv } from './context.js';
import { assertCsrf } from './csrf-guard.js';
import { formParams, queryParams, single } from './params.js';

const CONNECTOR_ID = /^[a-z][a-z0-9_-]{0,31}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{16,128}$/;
/** What an upstream may send to the callback (form_post is re-sent as a GET with these). */
const CALLBACK_FIELDS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

export interface ConnectorRouteDeps {
  signIn: BridgeSignIn;
  connectors: ConnectorSignIn;
  accounts: ConnectorAccounts;
  sessions: BridgeSessions;
  sessionTtlSeconds: number;
  /** The bridge's public URL: redirect URIs are `<publicUrl>/connectors/<id>/callback`. */
  publicUrl: string;
}

/** `<publicUrl>/connectors/<id>/callback`: the redirect URI to register at the upstream provider. */
export function connectorRedirectUri(publicUrl: string, connectorId: string): string {
  return new URL(`/connectors/${connectorId}/callback`, publicUrl).toString();
}

/**
 * The bridge's upstream sign-in routes: the button (start), the upstream's callback, the
 * link-by-email password proof, and the account side (`/account/connections`). Thin handlers:
 * parse, call {@link ConnectorSignIn}, and end in the same pages as a password sign-in.
 */
export function connectorRoutes(deps: ConnectorRouteDeps): { routes: Hono<AppEnv>; direct: DirectConnector } {
  const { signIn, connectors, accounts, sessions, sessionTtlSeconds } = deps;
  const app = new Hono<AppEnv>();
  for (const path of ['/connectors/*', '/account/connections', '/account/connections/*']) app.use(path, browserIdentity(BRIDGE_COOKIES.browser));

  const readSession = (c: Context<AppEnv>) => readBridgeSession(c, sessionTtlSeconds);

  /** Start the upstream round trip for a pending bridge request (button or relying party's pick). */
  const start = async (c: Context<AppEnv>, requestId: string, connectorId: string, params?: Pick<VerifyParams, 'acrValues' | 'maxAge'>) => {
    try {
      const location = await connectors.begin(connectorId, {
        requestId,
        browserHash: c.get('browser').hash,
        ...(params?.acrValues ? { acrValues: params.acrValues } : {}),
        ...(params?.maxAge !== undefined ? { maxAge: params.maxAge } : {}),
      });
      return c.redirect(location, 302);
    } catch (error) {
      if (!(error instanceof ConnectorFailure)) throw error;
      // Upstream down (discovery failed): the login form again, with the reason.
      return loginAgain(c, requestId, 502, failureMessageId(error.reason, connectors.label(connectorId)));
    }
  };

  const loginAgain = async (c: Context<AppEnv>, requestId: string, status: number, message: Message) => {
    const step = await signIn.status(requestId, c.get('browser').hash);
    if (step.kind !== 'login') return render(c, step);
    return render(c, { ...step, status, message });
  };

  const finish = async (c: Context<AppEnv>, outcome: ConnectorOutcome): Promise<Response> => {
    const { config } = c.get('http');
    const browser = c.get('browser');
    switch (outcome.kind) {
      case 'authenticated': {
        const result = await signIn.completeWithUser(outcome.requestId, browser.hash, outcome.user, { amr: outcome.amr, acr: outcome.acr ?? null }, await readSession(c));
        if (result.sessionToken) await writeBridgeSession(c, result.sessionToken, sessionTtlSeconds);
        return render(c, result.step);
      }
      case 'linked':
        return c.redirect('/account/connections?linked=' + encodeURIComponent(outcome.connectorId), 303);
      case 'link_proof':
        return c.html(
          <LinkProofPage siteName={config.siteName} csrfToken={browser.csrfToken} token={outcome.token} label={outcome.label} email={outcome.email} message={outcome.message} />,
          (outcome.status ?? 200) as 200,
        );
      case 'refused': {
        const back = await signIn.refuse(outcome.requestId, browser.hash, 'no_account');
        return c.html(
          <MessagePage siteName={config.siteName} title="No matching account" message={outcome.message}>
            {back ? (
              <p class="links">
                <a href={back}>Return to the site you came from</a>
              </p>
            ) : null}
          </MessagePage>,
          403,
        );
      }
      case 'failed':
        if (outcome.requestId) return loginAgain(c, outcome.requestId, outcome.status, failureMessageId(outcome.reason, outcome.label));
        return c.html(
          <MessagePage siteName={config.siteName} title="Sign-in method not linked" message={translated(c, failureMessageId(outcome.reason, outcome.label))}>
            <p class="links">
              <a href="/account/connections">Back to your sign-in methods</a>
            </p>
          </MessagePage>,
          outcome.status as 400,
        );
    }
  };

  app.post('/connectors/:id/start', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const requestId = single(form, 'request_id');
    if (!requestId || !REQUEST_ID.test(requestId)) throw invalidRequest('The request_id is missing or malformed.');
    const id = connectorId(c.req.param('id'));
    // Only a pending request of this browser starts anything (status() checks both).
    const step = await signIn.status(requestId, c.get('browser').hash);
    if (step.kind !== 'login') return render(c, step);
    return start(c, requestId, id);
  });

  app.get('/connectors/:id/callback', async (c) => {
    const id = connectorId(c.req.param('id'));
    const query = queryParams(c);
    for (const name of CALLBACK_FIELDS) if ((query[name]?.length ?? 0) > 1) throw invalidRequest(`The parameter ${name} was given more than once.`);
    // The URL the upstream redirected to, as registered (not as a proxy rewrote it), with its query.
    const callback = new URL(connectorRedirectUri(deps.publicUrl, id));
    callback.search = new URL(c.req.url).search;
    return finish(c, await connectors.callback(id, callback, c.get('browser').hash));
  });

  // response_mode=form_post (Apple): a cross-site POST carries no SameSite=Lax cookie, so the
  // browser binding cannot be checked here. Re-sent as a top-level GET (303), which carries it.
  app.post('/connectors/:id/callback', async (c) => {
    const id = connectorId(c.req.param('id'));
    const form = await formParams(c);
    const query = new URLSearchParams();
    for (const name of CALLBACK_FIELDS) {
      const value = single(form, name);
      if (value !== undefined) query.set(name, value);
    }
    return c.redirect(`/connectors/${id}/callback?${query}`, 303);
  });

  app.post('/connectors/link', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const token = single(form, 'token');
    if (!token || !/^[A-Za-z0-9_-]{16,128}$/.test(token)) throw invalidRequest('The confirmation is missing or malformed.');
    return finish(c, await connectors.proveLink(token, c.get('browser').hash, single(form, 'password') ?? ''));
  });

  // The account side, at the bridge (where the user's bridge session is).
  const signedInUser = async (c: Context<AppEnv>): Promise<string> => {
    const session = await sessions.resolve(await readSession(c));
    if (!session) throw new IdbridgeError('unauthorized', 'Please sign in first: open this page from the site you use.', { status: 401 });
    return session.userId;
  };
  const connectionsPage = async (c: Context<AppEnv>, userId: string, message?: string, status = 200) => {
    const list = await accounts.list(userId);
    return c.html(
      <ConnectionsPage siteName={c.get('http').config.siteName} csrfToken={c.get('browser').csrfToken} linked={list.linked} available={list.available} message={message} />,
      status as 200,
    );
  };

  app.get('/account/connections', async (c) => {
    const userId = await signedInUser(c);
    const linked = single(queryParams(c), 'linked');
    return connectionsPage(c, userId, linked && CONNECTOR_ID.test(linked) ? `${connectors.label(linked)} is now linked.` : undefined);
  });
  app.post('/account/connections/:id/link', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const userId = await signedInUser(c);
    const id = connectorId(c.req.param('id'));
    try {
      return c.redirect(await connectors.begin(id, { requestId: null, browserHash: c.get('browser').hash, userId }), 302);
    } catch (error) {
      if (!(error instanceof ConnectorFailure)) throw error;
      return connectionsPage(c, userId, translated(c, failureMessageId(error.reason, connectors.label(id))), 502);
    }
  });
  app.post('/account/connections/:id/unlink', async (c) => {
    const form = await formParams(c);
    await assertCsrf(c, single(form, 'csrf'));
    const userId = await signedInUser(c);
    const id = connectorId(c.req.param('id'));
    const result = await accounts.unlink(userId, id);
    if (result === 'last_method') return connectionsPage(c, userId, `${connectors.label(id)} is your only way to sign in, so it cannot be unlinked.`, 409);
    if (result === 'not_linked') return connectionsPage(c, userId, `${connectors.label(id)} is not linked.`, 404);
    return connectionsPage(c, userId, `${connectors.label(id)} was unlinked.`);
  });

  return {
    routes: app,
    direct: {
      pick: (hint, acrValues) => connectors.pick(hint, acrValues),
      start: (c, requestId, connectorId, params) => start(c, requestId, connectorId, params),
    },
  };
}

function connectorId(value: string | undefined): string {
  if (!value || !CONNECTOR_ID.test(value)) throw new IdbridgeError('not_found', 'This sign-in option is not available.');
  return value;
}

/** A catalogue message in the page's language. */
function translated(c: Context<AppEnv>, message: Message): string {
  return c.get('ui').t(message.id, message.values);
}

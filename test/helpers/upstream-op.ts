/**
 * Upstream providers for the connector tests, on loopback: panva `oidc-provider` as an OpenID
 * provider (Google-like, or eID-like with an acr per method and a national id claim), and a
 * small OAuth-2.0-only server (Facebook-style: authorize, token, profile; no ID token).
 *
 * There is no login UI: the test says who the next user is (`next`), and the interaction
 * endpoint finishes the login at once with that account, acr and amr (or an access_denied).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface UpstreamAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  ssn?: string;
}

export interface NextLogin {
  account?: string;
  acr?: string;
  amr?: string[];
  /** The user cancels at the upstream. */
  deny?: boolean;
}

export interface UpstreamOp {
  issuer: string;
  /** Who signs in next (defaults to the first account). */
  next: NextLogin;
  accounts: Map<string, UpstreamAccount>;
  close(): Promise<void>;
}

export interface UpstreamClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An OpenID provider (oidc-provider) with these clients and accounts. */
export async function startUpstreamOp(options: { clients: UpstreamClient[]; accounts: UpstreamAccount[]; acrValues?: string[] }): Promise<UpstreamOp> {
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map(options.accounts.map((a) => [a.sub, a]));
  const state: UpstreamOp = { issuer, next: {}, accounts, close: () => close(server) };
  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' })),
    findAccount: async (_ctx: unknown, id: string) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ ...account }) };
    },
    claims: { acr: null, amr: null, auth_time: null, sid: null, openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], government_ids: ['ssn'] },
    scopes: ['openid', 'email', 'profile', 'government_ids'],
    acrValues: options.acrValues ?? ['urn:test:pwd'],
    // Scope claims in the ID token too (as Google does), not only at userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    cookies: { keys: ['upstream-test-cookie-key-0123456789'] },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // Every requested scope is granted (no consent screen in tests).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    loadExistingGrant: async (ctx: any) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(String(ctx.oidc.params.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      void (async () => {
        try {
          await provider.interactionDetails(req, res);
          const next = state.next;
          const result = next.deny
            ? { error: 'access_denied', error_description: 'The user cancelled.' }
            : { login: { accountId: next.account ?? options.accounts[0]!.sub, acr: next.acr ?? (options.acrValues ?? ['urn:test:pwd'])[0], amr: next.amr ?? ['pwd'] } };
          await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
        } catch (error) {
          res.statusCode = 500;
          res.end(String(error));
        }
      })();
      return;
    }
    callback(req, res);
  });
  return state;
}

export interface OAuth2Upstream {
  origin: string;
  /** Profiles by access token's user; `next` picks the user of the next authorization. */
  next: { user: string; deny?: boolean };
  profiles: Map<string, Record<string, unknown>>;
  /** Delay of the token endpoint (a slow upstream). */
  tokenDelayMs: number;
  close(): Promise<void>;
}

/** A small OAuth 2.0 provider without OpenID Connect: /authorize, /token (PKCE checked), /me. */
export async function startOAuth2Upstream(options: { clientId: string; clientSecret: string; profiles: Array<Record<string, unknown> & { id: string }> }): Promise<OAuth2Upstream> {
  const server = createServer();
  const port = await listen(server);
  const origin = `http://127.0.0.1:${port}`;
  const codes = new Map<string, { user: string; challenge: string | null; redirectUri: string }>();
  const tokens = new Map<string, string>();
  const state: OAuth2Upstream = {
    origin,
    next: { user: options.profiles[0]!.id },
    profiles: new Map(options.profiles.map((p) => [p.id, p])),
    tokenDelayMs: 0,
    close: () => close(server),
  };
  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/authorize') {
      const redirect = new URL(url.searchParams.get('redirect_uri')!);
      redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
      if (state.next.deny) {
        redirect.searchParams.set('error', 'access_denied');
      } else {
        const code = `code-${Math.random().toString(36).slice(2)}`;
        codes.set(code, { user: state.next.user, challenge: url.searchParams.get('code_challenge'), redirectUri: redirect.origin + redirect.pathname });
        redirect.searchParams.set('code', code);
      }
      res.writeHead(302, { location: redirect.toString() });
      res.end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', async () => {
        await new Promise((r) => setTimeout(r, state.tokenDelayMs));
        const form = new URLSearchParams(body);
        const entry = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) return json(401, { error: 'invalid_client' });
        if (!entry) return json(400, { error: 'invalid_grant' });
        const { createHash } = await import('node:crypto');
        const verifier = form.get('code_verifier') ?? '';
        if (entry.challenge && createHash('sha256').update(verifier).digest('base64url') !== entry.challenge) return json(400, { error: 'invalid_grant', error_description: 'PKCE' });
        const token = `at-${Math.random().toString(36).slice(2)}`;
        tokens.set(token, entry.user);
        json(200, { access_token: token, token_type: 'bearer', expires_in: 3600 });
      });
      return;
    }
    if (url.pathname === '/me') {
      const user = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /i, ''));
      if (!user) return json(401, { error: 'invalid_token' });
      return json(200, state.profiles.get(user));
    }
    json(404, { error: 'not_found' });
  });
  return state;
}

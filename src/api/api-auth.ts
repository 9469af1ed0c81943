/**
 * Authentication of the `/api/v1` routes (the Users API and the webhook management): one bearer
 * token check and one scope check, so every route of the API family accepts the same tokens.
 */
import type { MiddlewareHandler } from 'hono';
import { IdbridgeError } from '../errors.js';
import type { AppEnv } from '../http/context.js';
import { timingSafeEqualStrings } from '../util/bytes.js';
import { API_SCOPES, type ApiCaller, type ApiScope, type ApiTokens } from './api-tokens.js';

/** Hono env of routes behind {@link bearerAuth}: `caller` is who presented the token. */
export type ApiEnv = AppEnv & { Variables: AppEnv['Variables'] & { caller: ApiCaller } };

/** 403 `insufficient_scope` unless the caller ({@link bearerAuth}) has `scope`. */
export function requireScope(scope: ApiScope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!c.get('caller').scopes.has(scope)) {
      c.header('www-authenticate', `Bearer error="insufficient_scope", scope="${scope}"`);
      throw new IdbridgeError('insufficient_scope', `This operation needs the scope ${scope}.`, { extra: { scope } });
    }
    await next();
  };
}

/**
 * The bearer token of the `/api/v1` routes: an API token (its scopes) or the admin token
 * (`identity.adminToken`, every scope). Sets `caller`; 401 otherwise.
 */
export function bearerAuth(deps: { tokens: ApiTokens; adminToken: string | undefined }): MiddlewareHandler<ApiEnv> {
  const all: ReadonlySet<ApiScope> = new Set(API_SCOPES);
  return async (c, next) => {
    const m = /^Bearer ([!-~]{1,512})$/.exec(c.req.header('authorization') ?? '');
    let who: ApiCaller | null = null;
    if (m) {
      const presented = m[1]!;
      // Both checks always run, so the time does not tell an admin token from an API token.
      const [admin, token] = await Promise.all([
        deps.adminToken ? timingSafeEqualStrings(presented, deps.adminToken) : Promise.resolve(false),
        deps.tokens.authenticate(presented),
      ]);
      who = admin ? { actor: 'admin', scopes: all } : token;
    }
    if (!who) {
      c.header('www-authenticate', m ? 'Bearer error="invalid_token"' : 'Bearer');
      throw new IdbridgeError('unauthorized', 'A valid bearer token (an API token or the admin token) is required.');
    }
    c.set('caller', who);
    await next();
  };
}

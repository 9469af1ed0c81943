import type { Clock } from '../../clock.js';
import type { OidcConfig } from '../../config.js';
import { IdbridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { authenticateClient, parseClientCredentials } from '../../protocol/oidc/client-auth.js';
import type { OidcClient } from '../../protocol/oidc/client.js';
import { buildIdTokenClaims, signJwt } from '../../protocol/oidc/id-token.js';
import { verifyPkce } from '../../protocol/oidc/pkce.js';
import { randomToken, sha256Base64Url } from '../../util/bytes.js';
import type { ClientStore, Grant, GrantStore, IssuedToken } from './ports.js';
import type { SigningKeys } from './signing-keys.js';

export interface TokenServiceDeps {
  issuer: string;
  config: OidcConfig;
  clients: ClientStore;
  grants: GrantStore;
  keys: SigningKeys;
  clock: Clock;
  logger: Logger;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** A valid access token, as userinfo and introspection see it. */
export interface ActiveToken {
  token: IssuedToken;
  grant: Grant;
}

/**
 * The token endpoint (authorization_code, refresh_token), client authentication, and token
 * lookups for userinfo, revocation and introspection.
 *
 * Access tokens are opaque (256 random bits, stored as SHA-256), not RFC 9068 JWTs: every
 * consumer of our access tokens (userinfo, introspection) is this service, so self-contained
 * tokens would buy nothing, while opaque ones are revoked the instant a grant is (code reuse,
 * refresh-token reuse, logout, RFC 7009) and leak no claims if logged.
 */
export class TokenService {
  constructor(private readonly deps: TokenServiceDeps) {}

  /** Authenticate the calling client (token, revocation, introspection endpoints). */
  async authenticate(headers: { authorization?: string }, form: Record<string, string[]>): Promise<OidcClient> {
    const credentials = parseClientCredentials(headers, form);
    const client = await this.deps.clients.find(credentials.clientId);
    // Unknown client and wrong secret answer alike (no client enumeration).
    if (!client) throw new IdbridgeError('invalid_client', 'Client authentication failed.', { status: 401 });
    await authenticateClient(credentials, client);
    return client;
  }

  async exchange(client: OidcClient, form: Record<string, string[]>): Promise<TokenResponse> {
    const grantType = one(form, 'grant_type');
    if (grantType === 'authorization_code') return this.authorizationCode(client, form);
    if (grantType === 'refresh_token') return this.refreshToken(client, form);
    if (!grantType) throw new IdbridgeError('invalid_request', 'grant_type is missing.');
    throw new IdbridgeError('unsupported_grant_type', 'Only authorization_code and refresh_token are supported.');
  }

  private async authorizationCode(client: OidcClient, form: Record<string, string[]>): Promise<TokenResponse> {
    const { grants, clock, logger } = this.deps;
    const code = one(form, 'code');
    if (!code || code.length > 512) throw new IdbridgeError('invalid_request', 'code is missing.');
    const now = clock.now();
    const consumed = await grants.consumeCode(await sha256Base64Url(code), now);
    if (!consumed) throw invalidGrant('The authorization code is invalid.');
    if ('reused' in consumed) {
      // RFC 6749 §4.1.2: a code used twice is stolen or replayed; revoke what it issued.
      await grants.revokeGrant(consumed.reused.grantId, now);
      logger.log('warn', 'oidc_code_reuse', { client_id: consumed.reused.clientId });
      throw invalidGrant('The authorization code was already used.');
    }
    const stored = consumed.code;
    if (stored.clientId !== client.clientId) throw invalidGrant('The authorization code was issued to another client.');
    if (stored.expiresAt <= now) throw invalidGrant('The authorization code has expired.');
    if (one(form, 'redirect_uri') !== stored.redirectUri) throw invalidGrant('redirect_uri does not match the authorization request.');
    if (!(await verifyPkce(stored.codeChallenge ?? undefined, one(form, 'code_verifier')))) {
      throw invalidGrant('The PKCE code_verifier does not match.');
    }
    const grant = await grants.findGrant(stored.grantId);
    if (!grant || grant.revokedAt !== null) throw invalidGrant('The grant has been revoked.');
    return this.issue(client, grant, grant.scopes, stored.nonce ?? undefined, true);
  }

  private async refreshToken(client: OidcClient, form: Record<string, string[]>): Promise<TokenResponse> {
    const { grants, clock, logger } = this.deps;
    const value = one(form, 'refresh_token');
    if (!value || value.length > 512) throw new IdbridgeError('invalid_request', 'refresh_token is missing.');
    const hash = await sha256Base64Url(value);
    const token = await grants.findToken(hash);
    const now = clock.now();
    if (!token || token.kind !== 'refresh' || token.clientId !== client.clientId) throw invalidGrant('The refresh token is invalid.');
    if (token.revokedAt !== null || token.expiresAt <= now) throw invalidGrant('The refresh token is no longer valid.');
    // Validate the request before spending the token: a malformed refresh must not burn it (and
    // turn the client's next, correct refresh into "reuse").
    const requested = one(form, 'scope');
    let scopes = token.scopes;
    if (requested !== undefined) {
      const asked = [...new Set(requested.split(' ').filter(Boolean))];
      if (asked.some((s) => !token.scopes.includes(s))) throw new IdbridgeError('invalid_scope', 'A refresh cannot widen the scope.');
      scopes = asked;
    }
    if (!(await grants.consumeRefreshToken(hash, now))) {
      // Rotation: each refresh token works once. A second use means two parties hold it; revoke
      // the whole family (the grant) so that the thief's copy dies with the user's (RFC 9700 §4.14).
      await grants.revokeGrant(token.grantId, now);
      logger.log('warn', 'oidc_refresh_reuse', { client_id: client.clientId });
      throw invalidGrant('The refresh token was already used.');
    }
    const grant = await grants.findGrant(token.grantId);
    if (!grant || grant.revokedAt !== null) throw invalidGrant('The grant has been revoked.');
    // RFC 6749 §6: a narrower scope applies to the new access token; the refresh token keeps the
    // scope the user granted, so narrowing once does not lose offline access.
    return this.issue(client, grant, scopes, undefined, scopes.includes('openid'), token.scopes);
  }

  private async issue(
    client: OidcClient,
    grant: Grant,
    scopes: string[],
    nonce: string | undefined,
    withIdToken: boolean,
    refreshScopes: string[] = scopes,
  ): Promise<TokenResponse> {
    const { grants, clock, config, keys, issuer } = this.deps;
    const now = clock.now();
    const mint = async (kind: 'access' | 'refresh', ttlSeconds: number, tokenScopes: string[]) => {
      const value = randomToken(256);
      await grants.createToken(await sha256Base64Url(value), {
        kind,
        grantId: grant.grantId,
        clientId: client.clientId,
        scopes: tokenScopes,
        createdAt: now,
        expiresAt: now + ttlSeconds * 1000,
      });
      return value;
    };
    const accessToken = await mint('access', config.accessTokenTtlSeconds, scopes);
    const response: TokenResponse = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: config.accessTokenTtlSeconds,
      scope: scopes.join(' '),
    };
    // Refresh tokens only for offline_access (OIDC Core §11), rotated on every use.
    if (refreshScopes.includes('offline_access')) {
      response.refresh_token = await mint('refresh', config.refreshTokenTtlSeconds, refreshScopes);
    }
    if (withIdToken && scopes.includes('openid')) {
      // RS256 unless the client registers otherwise: the OIDC default, understood by every RP.
      const key = await keys.active('RS256');
      const claims = await buildIdTokenClaims({
        issuer,
        sub: grant.sub,
        aud: client.clientId,
        nonce,
        authTime: grant.authTime,
        acr: grant.acr ?? undefined,
        amr: grant.amr ?? undefined,
        sid: grant.sid ?? undefined,
        accessToken,
        now,
        ttlSeconds: config.idTokenTtlSeconds,
        openid2Id: grant.openid2Id ?? undefined,
        alg: key.alg,
      });
      response.id_token = await signJwt(claims, key);
    }
    return response;
  }

  /** A usable access token (unexpired, unrevoked, grant alive), or null. */
  async activeAccessToken(value: string): Promise<ActiveToken | null> {
    if (!value || value.length > 512) return null;
    const token = await this.deps.grants.findToken(await sha256Base64Url(value));
    return token && token.kind === 'access' ? this.alive(token) : null;
  }

  /** Any active token (access or refresh) issued to `client`, for introspection. */
  async activeTokenFor(client: OidcClient, value: string): Promise<ActiveToken | null> {
    if (!value || value.length > 512) return null;
    const token = await this.deps.grants.findToken(await sha256Base64Url(value));
    // Introspection answers only about the caller's own tokens: others' tokens read as inactive.
    if (!token || token.clientId !== client.clientId) return null;
    if (token.kind === 'refresh' && token.consumedAt !== null) return null;
    return this.alive(token);
  }

  /** RFC 7009: revoke a token of `client`; revoking a refresh token revokes its whole grant. */
  async revoke(client: OidcClient, value: string): Promise<void> {
    if (!value || value.length > 512) return;
    const hash = await sha256Base64Url(value);
    const token = await this.deps.grants.findToken(hash);
    if (!token || token.clientId !== client.clientId) return; // unknown tokens: still 200 (RFC 7009 §2.2)
    const now = this.deps.clock.now();
    if (token.kind === 'refresh') await this.deps.grants.revokeGrant(token.grantId, now);
    else await this.deps.grants.revokeToken(hash, now);
  }

  private async alive(token: IssuedToken): Promise<ActiveToken | null> {
    const now = this.deps.clock.now();
    if (token.revokedAt !== null || token.expiresAt <= now) return null;
    const grant = await this.deps.grants.findGrant(token.grantId);
    if (!grant || grant.revokedAt !== null) return null;
    return { token, grant };
  }
}

function invalidGrant(description: string): IdbridgeError {
  return new IdbridgeError('invalid_grant', description);
}

function one(form: Record<string, string[]>, name: string): string | undefined {
  const values = form[name];
  if (values && values.length > 1) throw new IdbridgeError('invalid_request', `${name} was given more than once.`);
  return values?.[0];
}

import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import type { ConnectorConfig } from '../config/connectors.js';
import type { OutgoingFetch } from '../util/bounded-fetch.js';
import type { Clock } from '../clock.js';
import { TtlCache } from '../util/ttl-cache.js';
import { ConnectorFailure } from './failure.js';

/** The per-flow values the callback must check against (kept server-side, sealed). */
export interface FlowSecrets {
  state: string;
  nonce?: string;
  verifier?: string;
  /** What was asked upstream: the returned acr must be one of these. */
  acrValues?: string[];
  maxAge?: number;
}

/** Who the upstream says the user is, after every check passed. */
export interface UpstreamIdentity {
  subject: string;
  /** ID token claims merged with userinfo (OIDC), or the profile (OAuth 2.0). */
  claims: Record<string, unknown>;
  acr?: string;
  /** The upstream's own methods (RFC 8176), when it says. */
  amr: string[];
}

/** The discovery cache (the one TtlCache): an hour per connector; a failed discovery is not cached. */
export function discoveryCache(clock: Clock): TtlCache<string, Promise<oidc.Configuration>> {
  return new TtlCache(clock, { ttlMs: 3_600_000, maxEntries: 64 });
}

export interface UpstreamDeps {
  fetch: OutgoingFetch;
  /** The one cache (util/ttl-cache.ts): discovery documents per connector. */
  discoveryCache: TtlCache<string, Promise<oidc.Configuration>>;
}

/**
 * One connector's upstream provider through openid-client: OpenID Connect (discovery, code +
 * PKCE, state, nonce, RFC 9207 `iss`, ID token validation, max_age) or plain OAuth 2.0 (the same
 * code grant against configured endpoints, then the profile URL). What openid-client does not do
 * is done here: the returned `acr` is checked against what was asked, required claims present.
 */
export class Upstream {
  constructor(
    readonly config: ConnectorConfig,
    private readonly redirectUri: string,
    private readonly deps: UpstreamDeps,
  ) {}

  /** The authorization URL for a new flow, and the secrets its callback is checked against. */
  async begin(options: { acrValues?: string[]; maxAge?: number }): Promise<{ url: string; secrets: FlowSecrets }> {
    const configuration = await this.configuration();
    const c = this.config;
    const secrets: FlowSecrets = { state: oidc.randomState() };
    const params: Record<string, string> = { redirect_uri: this.redirectUri, scope: c.scopes.join(' '), state: secrets.state, response_type: 'code' };
    if (c.pkce) {
      secrets.verifier = oidc.randomPKCECodeVerifier();
      params['code_challenge'] = await oidc.calculatePKCECodeChallenge(secrets.verifier);
      params['code_challenge_method'] = 'S256';
    }
    if (c.kind === 'oidc') {
      secrets.nonce = oidc.randomNonce();
      params['nonce'] = secrets.nonce;
      const acr = options.acrValues ?? c.acrValues;
      if (acr && acr.length > 0) {
        secrets.acrValues = acr;
        params['acr_values'] = acr.join(' ');
      }
      const maxAge = options.maxAge ?? c.maxAge;
      if (maxAge !== undefined) {
        secrets.maxAge = maxAge;
        params['max_age'] = String(maxAge);
      }
    }
    if (c.responseMode === 'form_post') params['response_mode'] = 'form_post';
    return { url: oidc.buildAuthorizationUrl(configuration, params).href, secrets };
  }

  /** Redeem the callback: every check, then the identity. Throws {@link ConnectorFailure}. */
  async finish(callback: URL, secrets: FlowSecrets): Promise<UpstreamIdentity> {
    const c = this.config;
    const configuration = await this.configuration();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callback, {
        expectedState: secrets.state,
        ...(secrets.nonce ? { expectedNonce: secrets.nonce } : {}),
        ...(secrets.verifier ? { pkceCodeVerifier: secrets.verifier } : {}),
        ...(secrets.maxAge !== undefined ? { maxAge: secrets.maxAge } : {}),
        idTokenExpected: c.kind === 'oidc',
      });
    } catch (error) {
      throw classify(error);
    }
    let claims: Record<string, unknown>;
    let subject: unknown;
    if (c.kind === 'oidc') {
      const idToken = tokens.claims();
      if (!idToken) throw new ConnectorFailure('invalid_id_token', 'no id_token');
      claims = { ...idToken };
      const metadata = configuration.serverMetadata();
      if (metadata.userinfo_endpoint && tokens.access_token) {
        try {
          const info = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
          // The ID token's statements (sub, acr, amr, auth_time) win over userinfo's.
          claims = { ...info, ...idToken };
        } catch (error) {
          throw classify(error);
        }
      }
      subject = idToken.sub;
    } else {
      try {
        const response = await oidc.fetchProtectedResource(configuration, tokens.access_token, new URL(c.profileUrl!), 'GET');
        if (!response.ok) throw new ConnectorFailure('upstream_error', `profile status ${response.status}`);
        const body: unknown = await response.json();
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ConnectorFailure('upstream_error', 'profile is not an object');
        claims = body as Record<string, unknown>;
      } catch (error) {
        throw classify(error);
      }
      subject = claimAt(claims, c.subjectClaim ?? 'id');
    }
    if ((typeof subject !== 'string' && typeof subject !== 'number') || String(subject).length === 0 || String(subject).length > 255) {
      throw new ConnectorFailure('missing_claim', c.subjectClaim ?? 'sub');
    }
    // openid-client sends acr_values but does not look at the answer: a provider may sign the
    // user in with a weaker method than asked (OIDC Core §3.1.2.1 makes acr_values voluntary).
    const acr = typeof claims['acr'] === 'string' ? claims['acr'] : undefined;
    if (secrets.acrValues && secrets.acrValues.length > 0 && (acr === undefined || !secrets.acrValues.includes(acr))) {
      throw new ConnectorFailure('acr_too_low', `asked ${secrets.acrValues.join(' ')}, got ${acr ?? 'none'}`);
    }
    for (const name of c.requiredClaims) {
      const value = claimAt(claims, name);
      if (value === undefined || value === null || value === '') throw new ConnectorFailure('missing_claim', name);
    }
    const amr = Array.isArray(claims['amr']) ? claims['amr'].filter((m): m is string => typeof m === 'string' && /^[a-z0-9_-]{1,32}$/i.test(m)) : [];
    return { subject: String(subject), claims, ...(acr !== undefined ? { acr } : {}), amr };
  }

  /** Discovery (OIDC, cached) or the configured endpoints (OAuth 2.0), with client authentication. */
  private configuration(): Promise<oidc.Configuration> {
    const c = this.config;
    return this.deps.discoveryCache.load(c.id, async () => {
      const auth = await clientAuthentication(c);
      const execute = c.allowInsecure ? [oidc.allowInsecureRequests] : [];
      let configuration: oidc.Configuration;
      try {
        if (c.kind === 'oidc') {
          configuration = await oidc.discovery(new URL(c.issuer!), c.clientId, undefined, auth, {
            [oidc.customFetch]: this.fetch,
            execute,
            timeout: Math.ceil(c.timeoutMs / 1000),
          });
        } else {
          // No discovery in plain OAuth 2.0: the endpoints are configured. The issuer is only a
          // name here (an authorization response `iss`, if any, must still match it).
          configuration = new oidc.Configuration(
            { issuer: new URL(c.authorizationUrl!).origin, authorization_endpoint: c.authorizationUrl!, token_endpoint: c.tokenUrl! },
            c.clientId,
            undefined,
            auth,
          );
          for (const run of execute) run(configuration);
        }
      } catch (error) {
        throw classify(error);
      }
      // Verify the ID token's signature too (openid-client relies on TLS for the token endpoint
      // by default): a tampered token is refused even if the channel were not what it seems.
      if (c.kind === 'oidc') oidc.enableNonRepudiationChecks(configuration);
      configuration[oidc.customFetch] = this.fetch;
      configuration.timeout = Math.ceil(c.timeoutMs / 1000);
      return configuration;
    });
  }

  private readonly fetch = (url: string, options: oidc.CustomFetchOptions): Promise<Response> =>
    this.deps.fetch(url, options as RequestInit);
}

async function clientAuthentication(c: ConnectorConfig): Promise<oidc.ClientAuth> {
  switch (c.clientAuth) {
    case 'client_secret_basic':
      return oidc.ClientSecretBasic(c.clientSecret!);
    case 'client_secret_post':
      return oidc.ClientSecretPost(c.clientSecret!);
    case 'none':
      return oidc.None();
    case 'private_key_jwt': {
      const jwk = JSON.parse(c.privateKeyJwk!) as JWK;
      const key = await importJWK(jwk, jwk.alg ?? 'RS256');
      if (!(key instanceof CryptoKey)) throw new Error(`connectors ${c.id}: privateKeyJwk is not an asymmetric private key`);
      return oidc.PrivateKeyJwt(jwk.kid ? { key, kid: jwk.kid } : key);
    }
  }
}

/** A claim by name or dotted path (`picture.data.url`). */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let at: unknown = claims;
  for (const key of path.split('.')) {
    if (!at || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** openid-client's and the network's errors as a {@link ConnectorFailure} (details for the log only). */
export function classify(error: unknown): ConnectorFailure {
  if (error instanceof ConnectorFailure) return error;
  if (error instanceof oidc.AuthorizationResponseError) {
    // The upstream redirected back with an error (the user cancelled: access_denied).
    return new ConnectorFailure(error.error === 'access_denied' ? 'upstream_denied' : 'upstream_error', `authorization response: ${error.error}`);
  }
  if (error instanceof oidc.ResponseBodyError) return new ConnectorFailure('upstream_error', `${error.status} ${error.error}`);
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const name = (e as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return new ConnectorFailure('upstream_timeout', name);
  }
  if (error instanceof oidc.ClientError) {
    const code = error.code ?? '';
    const cause = (error as { cause?: unknown }).cause;
    const message = `${String(error.message)}${cause instanceof Error ? ` (${cause.name}: ${cause.message})` : ''}`.slice(0, 300);
    if (/JWT|JWS|SIGNATURE|ID_TOKEN|TIMESTAMP/.test(code) || /id_token|JWT/i.test(message)) return new ConnectorFailure('invalid_id_token', `${code}: ${message}`);
    if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON' || /status code/i.test(message)) {
      return new ConnectorFailure('upstream_error', `${code}: ${message}`);
    }
    return new ConnectorFailure('invalid_callback', `${code}: ${message}`);
  }
  if (error instanceof TypeError) return new ConnectorFailure('upstream_unavailable', String(error.message).slice(0, 200));
  return new ConnectorFailure('upstream_unavailable', error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : 'unknown');
}

import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import { authorizationResponse } from '../../protocol/oidc/authorization-response.js';
import { authorizationError } from '../../protocol/oidc/authorization-error.js';
import { parseAuthorizationRequest, type AuthorizationRequest } from '../../protocol/oidc/authorize.js';
import { claimsForScopes, type UserClaimsSource } from '../../protocol/oidc/claims.js';
import { SUPPORTED_SCOPES } from '../../protocol/oidc/discovery.js';
import { isCustomAttributeName, NO_CUSTOM_RELEASE, type AttributeName, type Attributes, type CustomRelease } from '../../users/profile.js';
import { randomToken, sha256Base64Url } from '../../util/bytes.js';
import { attributeConsentLabel, scopeConsentLabel } from '../consent-labels.js';
import { openId2Urls } from '../openid2-provider.js';
import type { AuthRequest } from '../ports.js';
import { wrongResponder, type ConsentPolicy, type RelyingPartyAnswer, type RelyingPartyResponder, type Subject } from '../responder.js';
import { sharedAttributes } from '../return-flow.js';
import type { SignInStarter } from '../start-sign-in.js';
import type { ClientStore, GrantStore } from './ports.js';

/** The one authentication context idbridge achieves: a password checked by the site's bridge. */
export const ACR_PASSWORD = 'urn:idbridge:acr:password';

/** Attributes the bridge must release for each scope (what the claims are built from). */
const SCOPE_ATTRIBUTES: Record<string, AttributeName[]> = {
  openid: [],
  profile: ['nickname', 'fullname', 'dob', 'gender', 'language', 'timezone', 'updated_at', 'customer_id'],
  email: ['email', 'email_verified'],
  phone: ['phone'],
  address: ['postcode', 'country'],
  offline_access: [],
};

export interface OidcAuthorizationDeps {
  config: Config;
  clients: ClientStore;
  signIns: SignInStarter;
  grants: GrantStore;
  clock: Clock;
  logger: Logger;
  /** The custom fields the operator maps to scopes of their own (config `profile.scopes`). */
  release?: CustomRelease;
}

/**
 * OpenID Connect authorization: the authorization endpoint turns a validated request into a
 * pending sign-in at the bridge (the same path as OpenID 2.0), and, as a
 * {@link RelyingPartyResponder}, ends it with a code (or an error) sent to the client.
 */
export class OidcAuthorization implements RelyingPartyResponder {
  readonly issuer: string;
  /** Custom scope → the `x_` claims it releases (for discovery, userinfo and the claim filter). */
  readonly customScopes: ReadonlyMap<string, readonly string[]>;
  private readonly release: CustomRelease;

  constructor(private readonly deps: OidcAuthorizationDeps) {
    this.issuer = deps.config.publicUrl;
    this.release = deps.release ?? NO_CUSTOM_RELEASE;
    this.customScopes = this.release.scopes;
  }

  /** Attributes the bridge must release for a scope: the standard ones, or a custom scope's fields. */
  private scopeAttributes(scope: string): readonly AttributeName[] {
    return SCOPE_ATTRIBUTES[scope] ?? this.release.scopes.get(scope) ?? [];
  }

  /** The authorization endpoint. Errors that may not go to the client are thrown (error page). */
  async authorize(params: Record<string, string[]>, browserHash: string): Promise<RelyingPartyAnswer> {
    const { clients, signIns, logger } = this.deps;
    let request: AuthorizationRequest;
    try {
      request = await parseAuthorizationRequest(params, (id) => clients.find(id), {
        supportedScopes: [...SUPPORTED_SCOPES],
        openScopes: [...this.release.scopes.keys()],
      });
    } catch (error) {
      const redirect = (error as { redirect?: unknown }).redirect;
      if (redirect) return this.errorAnswer(error as Parameters<typeof this.errorAnswer>[0]);
      throw error;
    }
    const { requestId, answer } = await signIns.start({
      protocol: 'oidc',
      payload: request,
      browserHash,
      realm: `${new URL(request.redirectUri).origin}/`,
      requestedAttributes: [...new Set(request.scopes.flatMap((s) => this.scopeAttributes(s)))],
      immediate: request.prompt.includes('none'),
      // prompt=login: a fresh password check whatever the session; max_age: one no older than that.
      maxAge: request.prompt.includes('login') ? 0 : request.maxAge,
      loginHint: request.loginHint,
      uiLocales: request.uiLocales,
      // The login page names the client as the consent page does.
      clientName: request.client.name,
      // prompt=create (Initiating User Registration 1.0): the bridge opens its sign-up side.
      signUp: request.prompt.includes('create'),
      // An upstream connector at the bridge, picked by the relying party (docs/connectors.md).
      ...(request.idpHint ? { idpHint: request.idpHint } : {}),
      ...(request.acrValues.length > 0 ? { acrValues: request.acrValues } : {}),
    });
    logger.log('info', 'oidc_authorize', { request_id: requestId, client_id: request.client.clientId });
    return answer;
  }

  async consentPolicy(auth: AuthRequest): Promise<ConsentPolicy> {
    const request = authorizationRequest(auth);
    const shared = new Map(sharedAttributes(auth));
    const items = request.scopes.map((scope) => {
      const shown = this.scopeAttributes(scope).filter((a) => a !== 'updated_at' && a !== 'email_verified' && shared.has(a));
      const custom = this.release.scopes.get(scope);
      // One value speaks for itself under the scope's label; several are labelled. Custom fields
      // are always labelled: the scope's name is the operator's, not a sentence.
      const label = scopeConsentLabel(scope, this.release);
      if (shown.length === 1 && !custom) return { label, value: shared.get(shown[0]!)! };
      if (shown.length === 0) return { label };
      return { label, values: shown.map((a) => ({ label: attributeConsentLabel(a, this.release.labels), value: shared.get(a)! })) };
    });
    const force = request.prompt.includes('consent');
    return {
      audience: request.client.clientId,
      audienceLabel: request.client.name,
      grants: [...request.scopes].sort(),
      items,
      // First-party clients (and sites the bridge marks no_prompt) skip the page, unless prompt=consent.
      skip: request.client.trusted || auth.noPrompt === true,
      trusted: request.client.trusted,
      force,
      rememberByDefault: true,
      uiLocales: request.uiLocales,
    };
  }

  async approve(auth: AuthRequest, subject: Subject, attributes: Attributes): Promise<RelyingPartyAnswer> {
    const { grants, clock, config } = this.deps;
    const request = authorizationRequest(auth);
    const now = clock.now();
    // A stock Janrain AW does not send auth_time: the sign-in is then dated by its postback. That
    // cannot prove a fresh password check, so max_age / prompt=login are refused rather than
    // answered with an auth_time that may be a lie (OIDC Core §3.1.2.1: max_age is a MUST).
    const maxAge = request.prompt.includes('login') ? 0 : request.maxAge;
    if (auth.authTime === null && maxAge !== undefined) {
      this.deps.logger.log('warn', 'oidc_auth_time_unknown', { request_id: auth.requestId, client_id: request.client.clientId });
      return authorizationResponse(
        request,
        { error: 'login_required', error_description: 'The sign-in time is unknown, so max_age or prompt=login cannot be honoured.' },
        this.issuer,
      );
    }
    const authTime = Math.floor((auth.authTime ?? now) / 1000);


    const grantId = randomToken(128);
    await grants.createGrant({
      grantId,
      clientId: request.client.clientId,
      username: subject.username,
      sub: subject.publicId,
      scopes: request.scopes,
      claims: claimsForScopes(claimsSource(subject.publicId, attributes), request.scopes, { customScopes: this.release.scopes }),
      authTime,
      // An upstream connector's acr as the bridge checked it; the bridge's password otherwise. A
      // federated sign-in reused from a bridge session no longer knows its upstream acr: none then.
      acr: auth.acr ?? (auth.amr?.includes('fed') ? null : ACR_PASSWORD),
      amr: auth.amr ?? ['pwd'],
      sid: subject.sid,
      // Migration from OpenID 2.0: the same claimed identifier the OpenID 2.0 provider asserts.
      openid2Id: request.openid2Realm ? openId2Urls(config.publicUrl).identifier(subject.publicId) : null,
      createdAt: now,
      revokedAt: null,
    });
    const code = randomToken(256);
    await grants.createCode(
      await sha256Base64Url(code),
      {
        grantId,
        clientId: request.client.clientId,
        redirectUri: request.redirectUri,
        codeChallenge: request.codeChallenge ?? null,
        nonce: request.nonce ?? null,
        expiresAt: now + config.identity.oidc.codeTtlSeconds * 1000,
      },
      now,
    );
    this.deps.logger.log('info', 'oidc_code_issued', { request_id: auth.requestId, client_id: request.client.clientId });
    return authorizationResponse(request, { code }, this.issuer);
  }

  async deny(auth: AuthRequest, description = 'The user denied the request.'): Promise<RelyingPartyAnswer> {
    const request = authorizationRequest(auth);
    return authorizationResponse(request, { error: 'access_denied', error_description: description }, this.issuer);
  }

  async interactionRequired(auth: AuthRequest, reason: 'login' | 'consent'): Promise<RelyingPartyAnswer> {
    const request = authorizationRequest(auth);
    const error = reason === 'login' ? 'login_required' : 'consent_required';
    return authorizationResponse(
      request,
      { error, error_description: reason === 'login' ? 'The user is not signed in.' : 'The user has not consented.' },
      this.issuer,
    );
  }

  private errorAnswer(error: ReturnType<typeof authorizationError>): RelyingPartyAnswer {
    return authorizationResponse(error.redirect, { error: error.oauthError, error_description: error.description }, this.issuer);
  }
}

/** The postback's attributes in the claim builder's vocabulary. */
function claimsSource(sub: string, a: Attributes): UserClaimsSource {
  const source: UserClaimsSource = { sub };
  if (a.email) source.email = a.email;
  if (a.email_verified) source.emailVerified = a.email_verified === 'true';
  if (a.nickname) source.nickname = a.nickname;
  if (a.fullname) source.fullname = a.fullname;
  if (a.dob) source.dob = a.dob;
  if (a.gender === 'M' || a.gender === 'F') source.gender = a.gender;
  if (a.postcode) source.postcode = a.postcode;
  if (a.country) source.country = a.country;
  if (a.language) source.language = a.language;
  if (a.timezone) source.timezone = a.timezone;
  if (a.phone) source.phone = a.phone;
  if (a.customer_id) source.customerId = a.customer_id;
  if (a.updated_at && /^\d+$/.test(a.updated_at)) source.updatedAt = Number(a.updated_at) * 1000;
  const custom = Object.entries(a).filter(([name]) => isCustomAttributeName(name));
  if (custom.length > 0) source.custom = Object.fromEntries(custom);
  return source;
}

/** The OIDC request a pending sign-in answers; another protocol's request here is a bug. */
function authorizationRequest(auth: AuthRequest): AuthorizationRequest {
  if (auth.protocol !== 'oidc') throw wrongResponder(auth.protocol);
  return auth.payload;
}

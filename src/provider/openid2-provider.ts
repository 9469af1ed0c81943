import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { IdbridgeError, invalidRequest } from '../errors.js';
import type { Logger } from '../log.js';
import {
  assertedIdentifiers,
  associate,
  buildCancel,
  buildExtensionResponse,
  buildPositiveAssertion,
  buildRedirectUrl,
  buildSetupNeeded,
  checkAuthentication,
  parseCheckIdRequest,
  requestedFields,
  requestedOtherAxTypes,
  type AssociationStore,
  type CheckIdRequest,
  type OpenIdMessage,
} from '../protocol/openid2/index.js';
import { attributeLabel, isSregField, type AttributeName, type CustomRelease, type Attributes, type SregProfile } from '../users/profile.js';
import type { AuthRequest, IdentityStore } from './ports.js';
import { attributeConsentLabel } from './consent-labels.js';
import { wrongResponder, type ConsentPolicy, type RelyingPartyAnswer, type RelyingPartyResponder, type SiteCheck, type Subject } from './responder.js';
import { sharedAttributes } from './return-flow.js';
import type { RelyingPartyDiscovery } from './rp-discovery.js';
import type { SignInStarter } from './start-sign-in.js';

export interface OpenId2ProviderDeps {
  config: Config;
  associations: AssociationStore;
  signIns: SignInStarter;
  identities: IdentityStore;
  clock: Clock;
  logger: Logger;
  /** Relying-party discovery (§13): whether the realm lists the request's return_to. */
  rpDiscovery: RelyingPartyDiscovery;
  /** The operator's custom fields: their AX type URIs, and labels for the consent page. */
  release?: CustomRelease;
}

const PUBLIC_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** URLs of the OpenID 2.0 provider under the public URL. */
export function openId2Urls(publicUrl: string) {
  return {
    opEndpoint: `${publicUrl}/openid`,
    identifier: (publicId: string) => `${publicUrl}/id/${publicId}`,
    identifierPrefix: `${publicUrl}/id/`,
  };
}

/**
 * The OpenID 2.0 provider: direct requests (associate, check_authentication), checkid requests
 * turned into pending requests at the bridge, and the final assertion as a
 * {@link RelyingPartyResponder}. Protocol rules live in `protocol/openid2`; this class wires them
 * to storage and the shared sign-in flow.
 */
export class OpenId2Provider implements RelyingPartyResponder {
  readonly urls: ReturnType<typeof openId2Urls>;

  constructor(private readonly deps: OpenId2ProviderDeps) {
    this.urls = openId2Urls(deps.config.publicUrl);
  }

  /** associate / check_authentication: key-value fields for an HTTP 200 answer. */
  async direct(message: OpenIdMessage): Promise<Record<string, string>> {
    const now = this.deps.clock.now();
    switch (message.mode) {
      case 'associate':
        return associate(message, this.deps.associations, {
          // The MAC key may travel unencrypted only inside TLS (the public URL is https).
          secureTransport: this.deps.config.secureCookies,
          lifetimeSeconds: this.deps.config.identity.associationTtlSeconds,
          now,
        });
      case 'check_authentication':
        return checkAuthentication(message, this.deps.associations, { now });
      default:
        throw new IdbridgeError('invalid_request', `openid.mode ${message.mode.slice(0, 40)} is not a direct request.`);
    }
  }

  /**
   * checkid_setup / checkid_immediate: validate (realm, return_to), remember the request bound to
   * this browser, and send the browser to the bridge's Verify URL (step 2).
   */
  async checkid(message: OpenIdMessage, browserHash: string): Promise<RelyingPartyAnswer> {
    const request = parseCheckIdRequest(message);
    if (!(await this.isOurs(request))) {
      // We can make no assertion about it. Immediate mode has an answer for that (§10.2.1);
      // checkid_setup gets an error page: a `cancel` sent to the unverified return_to without
      // the user seeing anything would make our origin a redirector to any site.
      if (request.immediate) return this.negative(request, 'setup_needed');
      throw invalidRequest(`This sign-in request is for an OpenID identifier that ${this.deps.config.siteName} does not manage.`);
    }
    // Started now, while the user signs in; the consent page awaits the (cached) result.
    if (!request.immediate) this.deps.rpDiscovery.start(request.realm);
    const { requestId, answer } = await this.deps.signIns.start({
      protocol: 'openid2',
      payload: request,
      browserHash,
      realm: request.realm,
      requestedAttributes: this.requestedAttributes(request),
      immediate: request.immediate,
    });
    this.deps.logger.log('info', 'openid2_checkid', { request_id: requestId, mode: request.mode });
    return answer;
  }

  async consentPolicy(auth: AuthRequest): Promise<ConsentPolicy> {
    const shared = sharedAttributes(auth);
    return {
      audience: auth.realm,
      audienceLabel: auth.realm.replace(/\/$/, ''),
      grants: shared.map(([field]) => field),
      items: shared.map(([field, value]) => ({ label: attributeConsentLabel(field, this.deps.release?.labels), value })),
      skip: auth.noPrompt === true,
      trusted: this.deps.config.bridge.trustedRealms.includes(auth.realm),
      force: false,
      rememberByDefault: false,
    };
  }

  /**
   * Relying-party discovery (§9.2.1, §13) as a signal: does the realm's XRDS list this return_to?
   * Logged for every interactive request (trusted realms too); the consent page warns when not.
   */
  async checkSite(auth: AuthRequest): Promise<SiteCheck | undefined> {
    const request = checkIdRequest(auth);
    if (request.immediate) return undefined; // no page to warn on
    const result = await this.deps.rpDiscovery.verify(request.realm, request.returnTo);
    this.deps.logger.log(result === 'verified' ? 'info' : 'warn', 'openid2_rp_discovery', {
      request_id: auth.requestId,
      realm: request.realm,
      result,
    });
    return { verified: result === 'verified' };
  }

  async approve(auth: AuthRequest, subject: Subject, all: Attributes): Promise<RelyingPartyAnswer> {
    const attributes: SregProfile = Object.fromEntries(Object.entries(all).filter(([k]) => isSregField(k)));
    const request = checkIdRequest(auth);
    const localIdentity = this.urls.identifier(subject.publicId);
    if (assertedIdentifiers(request, localIdentity) === null) {
      // The RP asked about a different user's identifier than the one who signed in.
      this.deps.logger.log('warn', 'openid2_identity_mismatch', { request_id: auth.requestId });
      return this.negative(request, 'cancel');
    }
    // Custom fields travel only in AX, under the type URI the operator mapped them to.
    const custom = new Map<string, string>();
    for (const [typeUri, name] of this.deps.release?.openid2AxTypes ?? []) {
      const value = all[name];
      if (value) custom.set(typeUri, value);
    }
    const params = await buildPositiveAssertion(
      {
        request,
        opEndpoint: this.urls.opEndpoint,
        localIdentity,
        extensionFields: buildExtensionResponse(request.attributes, attributes, custom),
      },
      this.deps.associations,
      { now: this.deps.clock.now() },
    );
    return { kind: 'redirect', location: buildRedirectUrl(request.returnTo, params) };
  }

  async deny(auth: AuthRequest): Promise<RelyingPartyAnswer> {
    return this.negative(checkIdRequest(auth), 'cancel');
  }

  async interactionRequired(auth: AuthRequest): Promise<RelyingPartyAnswer> {
    const request = checkIdRequest(auth);
    return this.negative(request, request.immediate ? 'setup_needed' : 'cancel');
  }

  /**
   * What the bridge is asked for: the SREG fields requested through SREG or AX, and the custom
   * fields whose mapped AX type URI the RP requested (`profile.openid2`); other AX types are not.
   */
  private requestedAttributes(request: CheckIdRequest): AttributeName[] {
    const types = this.deps.release?.openid2AxTypes;
    const custom = types ? requestedOtherAxTypes(request.attributes).flatMap((uri) => (types.has(uri) ? [types.get(uri)!] : [])) : [];
    return [...requestedFields(request.attributes).all, ...new Set(custom)];
  }

  /** identifier_select, or the local identifier of one of our users (delegated claimed ids included). */
  private async isOurs(request: CheckIdRequest): Promise<boolean> {
    if (request.identifierSelect) return true;
    const { identifierPrefix } = this.urls;
    if (!request.identity!.startsWith(identifierPrefix)) return false;
    const publicId = request.identity!.slice(identifierPrefix.length);
    return PUBLIC_ID.test(publicId) && (await this.deps.identities.usernameFor(publicId)) !== null;
  }

  private negative(request: CheckIdRequest, mode: 'cancel' | 'setup_needed'): RelyingPartyAnswer {
    const params = mode === 'cancel' ? buildCancel(request.returnTo) : buildSetupNeeded(request.returnTo);
    return { kind: 'redirect', location: buildRedirectUrl(request.returnTo, params) };
  }
}

/** The OpenID 2.0 request a pending sign-in answers; another protocol's request here is a bug. */
function checkIdRequest(auth: AuthRequest): CheckIdRequest {
  if (auth.protocol !== 'openid2') throw wrongResponder(auth.protocol);
  return auth.payload;
}

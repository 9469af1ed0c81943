import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { IdbridgeError } from '../errors.js';
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
  type AssociationStore,
  type CheckIdRequest,
  type OpenIdMessage,
} from '../protocol/openid2/index.js';
import { ATTRIBUTE_LABELS, isSregField, type Attributes, type SregProfile } from '../users/profile.js';
import type { AuthRequest, IdentityStore } from './ports.js';
import { wrongResponder, type ConsentPolicy, type RelyingPartyAnswer, type RelyingPartyResponder, type Subject } from './responder.js';
import { sharedAttributes } from './return-flow.js';
import type { SignInStarter } from './start-sign-in.js';

export interface OpenId2ProviderDeps {
  config: Config;
  associations: AssociationStore;
  signIns: SignInStarter;
  identities: IdentityStore;
  clock: Clock;
  logger: Logger;
}

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
    if (!request.identifierSelect && !request.identity!.startsWith(this.urls.identifierPrefix)) {
      // Not an identifier of ours: we can make no assertion about it.
      return this.negative(request, request.immediate ? 'setup_needed' : 'cancel');
    }
    const { requestId, answer } = await this.deps.signIns.start({
      protocol: 'openid2',
      payload: request,
      browserHash,
      realm: request.realm,
      requestedAttributes: requestedFields(request.attributes).all,
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
      items: shared.map(([field, value]) => ({ label: ATTRIBUTE_LABELS[field], value })),
      skip: auth.noPrompt === true,
      trusted: this.deps.config.bridge.trustedRealms.includes(auth.realm),
      force: false,
    };
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
    const params = await buildPositiveAssertion(
      {
        request,
        opEndpoint: this.urls.opEndpoint,
        localIdentity,
        extensionFields: buildExtensionResponse(request.attributes, attributes),
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

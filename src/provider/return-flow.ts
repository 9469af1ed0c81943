import type { Clock } from '../clock.js';
import { backLinkTo, IdbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AttributeName, Attributes } from '../users/profile.js';
import { randomToken, sha256Base64Url, timingSafeEqualBytes, utf8 } from '../util/bytes.js';
import type { OpSessionStore } from './oidc/ports.js';
import type { AuthRequest, AuthRequestStore, ConsentStore, IdentityStore } from './ports.js';
import type { ConsentPolicy, RelyingPartyAnswer, RelyingPartyResponder } from './responder.js';

/** What the Return URL leads to: an answer for the relying party, or the consent page. */
/** An answer for the relying party, with a new identity-service session for the browser after a sign-in. */
export type FlowAnswer = RelyingPartyAnswer & { opSessionToken?: string };

export type ReturnStep =
  | { kind: 'answer'; answer: FlowAnswer; request: AuthRequest }
  /** `rememberable`: whether the page may offer to remember the decision. */
  | { kind: 'consent'; request: AuthRequest; policy: ConsentPolicy; rememberable: boolean };

export interface ReturnFlowDeps {
  requests: AuthRequestStore;
  identities: IdentityStore;
  consents: ConsentStore;
  responders: Record<AuthRequest['protocol'], RelyingPartyResponder>;
  opSessions: OpSessionStore;
  /** Are postbacks without a return token (stock Janrain AWs) accepted? See JanrainCompatibility. */
  janrainCompatible: () => Promise<boolean>;
  /** Lifetime of an identity-service session, in seconds. */
  sessionTtlSeconds: number;
  clock: Clock;
  logger: Logger;
}

/**
 * Steps 6–8 at the identity service, shared by both protocols: the browser comes back from the
 * bridge with `request_id`; the request must belong to this browser and have been posted back;
 * consent is asked unless the protocol's policy skips it or the user chose to remember it; then
 * the protocol's responder answers the relying party. Completion is single-use.
 */
export class ReturnFlow {
  constructor(private readonly deps: ReturnFlowDeps) {}

  /** `opSessionToken`: the browser's identity-service session, if it has one (kept for the same user). */
  async arrive(
    requestId: string,
    browserHash: string,
    returnToken: string | undefined,
    opSessionToken?: string,
    /** The bridge refused the sign-in (`error` at the Return URL, e.g. no account for an eID). */
    bridgeRefusal?: string,
  ): Promise<ReturnStep> {
    const request = await this.load(requestId, browserHash);
    const responder = this.deps.responders[request.protocol];
    if (request.state === 'created') {
      // Only this browser can get here (load() checked), so the worst a forged `error` does is
      // cancel one's own sign-in; the relying party's description is ours, never the URL's text.
      const refusal = bridgeRefusal !== undefined && Object.hasOwn(BRIDGE_REFUSALS, bridgeRefusal) ? BRIDGE_REFUSALS[bridgeRefusal] : undefined;
      if (refusal && (await this.deps.requests.complete(requestId, 'created', 'cancelled', this.deps.clock.now()))) {
        this.deps.logger.log('info', 'signin_refused_by_bridge', { request_id: requestId, protocol: request.protocol, reason: bridgeRefusal });
        return { kind: 'answer', request, answer: await responder.deny(request, refusal) };
      }
      // The bridge sends an immediate request back without a postback when nobody is signed in.
      if (request.immediate && (await this.deps.requests.complete(requestId, 'created', 'cancelled', this.deps.clock.now()))) {
        return { kind: 'answer', request, answer: await responder.interactionRequired(request, 'login') };
      }
      throw incomplete(request);
    }
    this.assertPostedBack(request);
    await this.assertReturnToken(request, returnToken);
    // Awaited (and logged) even when consent is skipped; discovery began at checkid and is cached.
    const site = await responder.checkSite?.(request);
    const policy: ConsentPolicy = { ...(await responder.consentPolicy(request)), ...(site?.verified === false ? { siteUnverified: true } : {}) };
    if (!policy.force && (await this.maySkipConsent(request, policy))) {
      return { kind: 'answer', request, answer: await this.finish(request, true, opSessionToken) };
    }
    if (request.immediate) {
      if (await this.deps.requests.complete(requestId, 'posted_back', 'cancelled', this.deps.clock.now())) {
        return { kind: 'answer', request, answer: await responder.interactionRequired(request, 'consent') };
      }
      throw completed(request);
    }
    return { kind: 'consent', request, policy, rememberable: !janrainCompatible(request) };
  }

  /**
   * Why a Janrain-compatible request never skips on `no_prompt` or a remembered decision: without
   * the return token nothing proves that the browser here is the one the AW authenticated, so the
   * user must see, in this browser, who is being signed in where. Only a relying party the
   * identity service itself trusts goes through silently.
   */
  private async maySkipConsent(request: AuthRequest, policy: ConsentPolicy): Promise<boolean> {
    if (janrainCompatible(request)) return policy.trusted;
    return policy.skip || (await this.remembered(request, policy));
  }

  /** The user answered the consent page. */
  async decide(
    requestId: string,
    browserHash: string,
    approve: boolean,
    remember: boolean,
    returnToken: string | undefined,
    opSessionToken?: string,
  ): Promise<{ answer: FlowAnswer; request: AuthRequest }> {
    const request = await this.load(requestId, browserHash);
    this.assertPostedBack(request);
    await this.assertReturnToken(request, returnToken);
    if (approve && remember && !janrainCompatible(request)) {
      const policy = await this.deps.responders[request.protocol].consentPolicy(request);
      await this.deps.consents.remember(request.username!, policy.audience, policy.grants, this.deps.clock.now());
    }
    return { answer: await this.finish(request, approve, opSessionToken), request };
  }

  private async finish(request: AuthRequest, approve: boolean, currentSessionToken?: string): Promise<FlowAnswer> {
    const { requests, clock, identities, logger, opSessions } = this.deps;
    const won = await requests.complete(request.requestId, 'posted_back', approve ? 'completed' : 'cancelled', clock.now());
    if (!won) throw completed(request);
    const responder = this.deps.responders[request.protocol];
    logger.log('info', approve ? 'signin_approved' : 'signin_denied', { request_id: request.requestId, protocol: request.protocol });
    if (!approve) return responder.deny(won);
    const publicId = await identities.publicIdFor(won.username!, clock.now());
    // A completed sign-in belongs to an identity-service session: its id is OIDC's `sid`, and it is
    // what RP-initiated logout ends and the connected-apps page recognises. The browser's session
    // is kept when it is the same user's (one sid for every client signed in from this browser).
    const now = clock.now();
    const current = currentSessionToken ? await opSessions.find(await sha256Base64Url(currentSessionToken), now) : null;
    let sid: string;
    let opSessionToken: string | undefined;
    if (current && current.username === won.username) {
      sid = current.sid;
    } else {
      sid = randomToken(128);
      opSessionToken = randomToken(256);
      await opSessions.create(
        await sha256Base64Url(opSessionToken),
        { sid, username: won.username!, authTime: Math.floor((won.authTime ?? now) / 1000), expiresAt: now + this.deps.sessionTtlSeconds * 1000 },
        now,
      );
    }
    const answer = await responder.approve(won, { username: won.username!, publicId, sid }, Object.fromEntries(sharedAttributes(won)) as Attributes);
    return opSessionToken ? { ...answer, opSessionToken } : answer;
  }

  private async remembered(request: AuthRequest, policy: ConsentPolicy): Promise<boolean> {
    const granted = await this.deps.consents.find(request.username!, policy.audience);
    return granted !== null && policy.grants.every((g) => granted.includes(g));
  }

  private async load(requestId: string, browserHash: string): Promise<AuthRequest> {
    const request = await this.deps.requests.get(requestId);
    if (!request) throw new IdbridgeError('unknown_request', 'This sign-in request is unknown. Please start again from the site you came from.');
    // Why: only the browser that started the request may receive its assertion; a leaked
    // request_id (logs, history, a shared link) is useless elsewhere.
    if (request.browserHash !== browserHash) {
      throw new IdbridgeError('wrong_browser', 'This sign-in was started in another browser. Please start again from the site you came from.', { backTo: wayBack(request) });
    }
    if (request.state === 'completed' || request.state === 'cancelled') throw completed(request);
    if (request.expiresAt <= this.deps.clock.now()) {
      throw new IdbridgeError('expired_request', 'This sign-in request has expired. Please start again from the site you came from.', { backTo: wayBack(request) });
    }
    return request;
  }

  /**
   * Why: the browser that started the request at the identity service must also be the one the
   * bridge authenticated. The bridge sends a return token in its postback and in its redirect to
   * the Return URL; a request started in one browser (an attacker's) and authenticated in another
   * (a victim lured to the Verify URL) cannot be finished, because the first never sees the token.
   */
  private async assertReturnToken(request: AuthRequest, returnToken: string | undefined): Promise<void> {
    if (janrainCompatible(request)) {
      // A stock Janrain AW sends no token: the browser binding checked in load() is all there is,
      // and only while the operator still allows such postbacks.
      if (await this.deps.janrainCompatible()) return;
      throw new IdbridgeError('wrong_browser', 'This sign-in can no longer be completed. Please start again from the site you came from.', { backTo: wayBack(request) });
    }
    const ok =
      request.returnTokenHash !== null &&
      returnToken !== undefined &&
      returnToken.length <= 128 &&
      timingSafeEqualBytes(utf8(await sha256Base64Url(returnToken)), utf8(request.returnTokenHash));
    if (!ok) {
      throw new IdbridgeError('wrong_browser', 'This sign-in was completed in another browser. Please start again from the site you came from.', { backTo: wayBack(request) });
    }
  }

  private assertPostedBack(request: AuthRequest): void {
    if (request.state !== 'posted_back') throw incomplete(request);
  }
}

/**
 * Why the bridge may end a sign-in without a user (idbridge extension: `error` on the Return URL),
 * and what the relying party is told (OIDC access_denied's description; OpenID 2.0 says cancel).
 */
export const BRIDGE_REFUSALS: Record<string, string> = {
  no_account: 'No account matches the identity the user signed in with upstream.',
  link_refused: 'The upstream identity could not be linked to an account.',
};

/** Posted back by a stock Janrain AW, without idbridge's return token. */
function janrainCompatible(request: AuthRequest): boolean {
  return request.state === 'posted_back' && request.returnTokenHash === null;
}

/** Exactly the requested attributes the bridge sent values for, in request order. */
export function sharedAttributes(request: AuthRequest): Array<[AttributeName, string]> {
  const values = request.attributes ?? {};
  return request.requestedAttributes.flatMap((field) => (values[field] ? [[field, values[field]] as [AttributeName, string]] : []));
}

function completed(request: AuthRequest): IdbridgeError {
  return new IdbridgeError('request_completed', 'This sign-in request has already been completed.', { backTo: wayBack(request) });
}

function incomplete(request: AuthRequest): IdbridgeError {
  return new IdbridgeError('signin_incomplete', 'The sign-in did not complete. Please go back to the site you came from and try again.', {
    status: 400,
    backTo: wayBack(request),
  });
}

/**
 * The relying party of a stored request, for error pages: its realm (OpenID 2.0; OIDC stores the
 * redirect URI's origin), named like the consent page names it (an OIDC client by its name).
 */
function wayBack(request: AuthRequest) {
  return backLinkTo(request.realm, request.protocol === 'oidc' ? request.payload.client.name : undefined);
}

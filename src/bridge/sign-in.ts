import type { Clock } from '../clock.js';
import type { Message } from '../i18n/translate.js';
import type { BridgeConfig, VerificationPolicy } from '../config.js';
import { backLinkTo, IdbridgeError } from '../errors.js';
import type { CompletionForm, ProfileCompletion } from '../identity/profile-completion.js';
import type { ProfileFieldError, ProfileText } from '../identity/profile-model.js';
import type { Logger } from '../log.js';
import { DirectoryUnavailableError } from '../users/site-source.js';
import type { AuthenticationResult, DirectoryUser, UserDirectory } from '../users/user.js';
import { hmacSha256, toBase64Url, utf8 } from '../util/bytes.js';
import { verifyExpiringMac } from '../util/expiring-mac.js';
import type { DeviceEntry, LoginThrottle } from './login-throttle.js';
import type { BridgeRequest, BridgeRequestStore, BridgeSession } from './ports.js';
import { sendPostback, type OutgoingFetch } from './postback-client.js';
import { buildPostbackForm, isTrustedRealm } from './postback-form.js';
import type { BridgeSessions } from './sessions.js';
import type { VerifyParams } from './verify-params.js';

/**
 * The bridge logout token (an idbridge extension of the Janrain protocol), as the identity service
 * signs it (provider/oidc/rp-logout.ts): an expiring MAC under the shared API key over
 * [bridge user id, continue URL]. Bound to the user, so a token from signing out one's own account
 * cannot sign anyone else out; to the URL, so it cannot be re-pointed; short-lived, so a token
 * seen later (history, logs) is useless. See docs/sign-in-protection.md.
 */
const BRIDGE_LOGOUT = { purpose: 'bridge-logout', ttlSeconds: 120 };

/**
 * Why the login form is shown again (the page translates it): wrong credentials, a blocked
 * account, the directory unavailable, or input the form refused before any check.
 */
export type LoginProblem = 'incorrect' | 'blocked' | 'unavailable' | 'too_long' | 'missing';

/** What the HTTP layer should do next for a bridge request. */
export type SignInStep =
  | {
      kind: 'login';
      request: BridgeRequest;
      status?: number;
      /** A sign-in problem, or a catalogue message from another way of signing in (a connector). */
      message?: LoginProblem | Message;
      identifier?: string;
      /** Seconds, with a 503. */
      retryAfter?: number;
      /** Which side of the login page to show first (`signup`: OIDC prompt=create, a sign-up link). */
      screen?: 'signin' | 'signup';
    }
  /** The password was right, but the policy wants the address confirmed first (page with resend). */
  | { kind: 'verify_email'; request: BridgeRequest; email: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'in_progress'; request: BridgeRequest }
  /** Too many failed attempts: the request stays usable once `retryAfter` seconds have passed. */
  | { kind: 'locked'; request: BridgeRequest; retryAfter: number }
  | { kind: 'failed'; request: BridgeRequest; canRetry: boolean }
  /**
   * Profile completion (identity/profile-completion.ts): the request stays `authenticated` while
   * the user fills in the form; `errors` / `values` after a refused submit.
   */
  | { kind: 'profile'; request: BridgeRequest; form: CompletionForm; errors?: ProfileFieldError[]; values?: Record<string, string> };

export interface SignInDeps {
  config: BridgeConfig;
  requests: BridgeRequestStore;
  sessions: BridgeSessions;
  throttle: LoginThrottle;
  directory: UserDirectory;
  clock: Clock;
  logger: Logger;
  fetch: OutgoingFetch;
  random: () => number;
  /** The API key to present in the postback (configured, or provisioned by the co-located identity service). */
  apiKey: () => Promise<string>;
  /** Key for return tokens (derived from the deployment secret). */
  returnTokenKey: Uint8Array<ArrayBuffer>;
  /** Profile completion between the sign-in and the postback; without it, none. */
  profile?: ProfileCompletion;
  /** The email verification policy (docs/registration.md); default `assert`. */
  verification?: VerificationPolicy;
}

/**
 * Result of a password sign-in: the next step, a new session token when one was started, and the
 * device cookie's new entries after a correct password.
 */
export interface LoginResult {
  step: SignInStep;
  sessionToken?: string;
  devices?: DeviceEntry[];
}

/**
 * The bridge's half of the Janrain flow (steps 2–6): receive the request, authenticate the user
 * (or reuse their session), post the result back with retries, and send the browser on to the
 * Return URL. Every state change goes through one conditional update in {@link BridgeRequestStore}.
 */
export class BridgeSignIn {
  constructor(private readonly deps: SignInDeps) {}

  /** Step 2 → 3: a browser arrives at the Verify URL. */
  async open(params: VerifyParams, browserHash: string, sessionToken: string | undefined): Promise<SignInStep> {
    const { requests, clock, config } = this.deps;
    const now = clock.now();
    const { created, request } = await requests.createOrGet({
      requestId: params.requestId,
      realm: params.realm,
      requestedAttributes: params.requestedAttributes,
      loginHint: params.loginHint ?? null,
      clientName: params.clientName ?? null,
      uiLocales: params.uiLocales ?? null,
      browserHash,
      createdAt: now,
      expiresAt: now + config.requestTtlSeconds * 1000,
    });
    if (!created) {
      this.assertSameBrowser(request, browserHash);
      if (request.realm !== params.realm || request.requestedAttributes.join(',') !== params.requestedAttributes.join(',')) {
        throw new IdbridgeError('conflict', 'This request_id was already used for a different sign-in request.', { backTo: wayBack(request) });
      }
    }
    if (request.state !== 'pending') return this.status(request.requestId, browserHash);
    this.assertUnexpired(request, now);

    // Step 3: no UI when the user already has a bridge session.
    const session = await this.deps.sessions.resolve(sessionToken);
    // max_age (OIDC; 0 for prompt=login): a session whose password check is older does not count.
    const fresh = session !== null && (params.maxAge === undefined || now - session.authTime <= params.maxAge * 1000);
    const sessionUser = session && fresh ? await this.usableSessionUser(session) : null;
    if (session && sessionUser) {
      if (await this.needsProfile(sessionUser)) {
        // Profile completion first: authenticated only; the postback is claimed after the form.
        await requests.authenticate(request.requestId, session.userId, session.authTime, session.amr, now);
        return this.continueAuthenticated(request.requestId, browserHash, sessionUser);
      }
      // Authenticated by the session and claimed for the postback in one transition.
      const claimed = await requests.authenticateAndClaim(request.requestId, session.userId, session.authTime, session.amr, now, this.lease(now));
      if (!claimed) return this.status(request.requestId, browserHash);
      return this.postClaimed(claimed, browserHash, sessionUser);
    }
    if (params.immediate) {
      // No interaction allowed and nobody signed in: straight back, without a postback; the
      // identity service answers setup_needed / login_required.
      if (!(await requests.returnUnauthenticated(request.requestId, now))) return this.status(request.requestId, browserHash);
      return { kind: 'redirect', location: this.returnUrl(request.requestId) };
    }
    return { kind: 'login', request, identifier: request.loginHint ?? undefined, screen: params.screen };
  }

  /** Step 3: the login form was submitted. */
  async login(
    requestId: string,
    browserHash: string,
    identifier: string,
    password: string,
    clientIp: string,
    previousSessionToken: string | undefined,
    /** The entries of this browser's device cookie (empty without one). */
    devices: readonly DeviceEntry[] = [],
  ): Promise<LoginResult> {
    const { requests, throttle, directory, clock, logger } = this.deps;
    const request = await this.load(requestId, browserHash);
    // A double submit or a second tab: the first submit already moved the request on.
    if (request.state !== 'pending') return { step: await this.status(requestId, browserHash) };
    this.assertUnexpired(request, clock.now());

    let attempt: Awaited<ReturnType<typeof throttle.attempt<AuthenticationResult>>>;
    try {
      attempt = await throttle.attempt(
        identifier,
        clientIp,
        devices,
        () => directory.authenticate(identifier, password),
        (outcome) => (outcome.ok ? 'success' : outcome.reason === 'invalid_credentials' ? 'failure' : 'neutral'),
      );
    } catch (error) {
      // The site's database or application could not answer: not a wrong password. The throttle
      // recorded nothing (the check threw before a verdict; its slots are released), the user sees
      // "temporarily unavailable" with the form kept, and the details go to the log only.
      if (!(error instanceof DirectoryUnavailableError)) throw error;
      logger.log('error', 'directory_unavailable', { request_id: requestId, reason: error.reason, detail: error.detail });
      return { step: { kind: 'login', request, status: 503, message: 'unavailable', identifier, retryAfter: error.retryAfter } };
    }
    if (attempt.kind === 'locked') {
      logger.log('warn', 'login_throttled', { request_id: requestId, retry_after: attempt.retryAfter });
      return { step: { kind: 'locked', request, retryAfter: attempt.retryAfter } };
    }
    if (attempt.kind === 'busy') {
      throw new IdbridgeError('too_many_requests', 'Too many sign-in attempts at once. Please wait a moment and try again.', { retryAfter: 1 });
    }
    if (attempt.slowed) logger.log('warn', 'login_slowed', { request_id: requestId });
    const result = attempt.result;
    if (!result.ok) {
      if (result.reason === 'blocked') {
        logger.log('warn', 'login_blocked', { request_id: requestId });
        return { step: { kind: 'login', request, status: 403, message: 'blocked', identifier } };
      }
      logger.log('info', 'login_failed', { request_id: requestId });
      return {
        step: { kind: 'login', request, status: 401, message: 'incorrect', identifier },
      };
    }

    const trusted = await throttle.rememberDevice(devices, result.user.id, [identifier, result.user.email, result.user.username]);
    if (this.deps.verification === 'require' && !result.user.emailVerified) {
      // Only after the right password, so this reveals nothing to a guesser. No session yet.
      logger.log('info', 'login_needs_verification', { request_id: requestId, user_id: result.user.id });
      return { step: { kind: 'verify_email', request, email: result.user.email }, devices: trusted };
    }
    await directory.recordLogin(result.user.id, clock.now());
    const signedIn = await this.signInAs(requestId, browserHash, result.user, ['pwd'], previousSessionToken);
    logger.log('info', 'login_succeeded', { request_id: requestId, user_id: result.user.id });
    return { ...signedIn, devices: trusted };
  }

  /**
   * The end of every way of authenticating at the bridge (a password here, a fresh registration,
   * a confirmed verification link in the same browser, an upstream connector): start a session,
   * authenticate the pending request with `amr`, and post back → Return URL. The request must
   * belong to this browser and still be pending.
   */
  async signInAs(
    requestId: string,
    browserHash: string,
    user: DirectoryUser,
    amr: string[],
    previousSessionToken: string | undefined,
    acr: string | null = null,
  ): Promise<LoginResult> {
    const { requests, clock } = this.deps;
    const request = await this.load(requestId, browserHash);
    if (request.state !== 'pending') return { step: await this.status(requestId, browserHash) };
    this.assertUnexpired(request, clock.now());
    const now = clock.now();
    const { token } = await this.deps.sessions.start(user.id, amr, previousSessionToken);
    if (await this.needsProfile(user)) {
      // Profile completion first: authenticated only; the postback is claimed after the form.
      if (!(await requests.authenticate(requestId, user.id, now, amr, now, acr))) return { step: await this.status(requestId, browserHash), sessionToken: token };
      return { step: await this.continueAuthenticated(requestId, browserHash, user), sessionToken: token };
    }
    // pending → posting in one conditional update: authenticated, and claimed for the postback.
    const claimed = await requests.authenticateAndClaim(requestId, user.id, now, amr, now, this.lease(now), acr);
    if (!claimed) {
      // Another tab finished authenticating this request in the meantime; follow its progress.
      return { step: await this.status(requestId, browserHash), sessionToken: token };
    }
    return { step: await this.postClaimed(claimed, browserHash, user), sessionToken: token };
  }

  /** Whether this user must see the profile-completion form before the postback. */
  private async needsProfile(user: DirectoryUser): Promise<boolean> {
    return this.deps.profile !== undefined && (await this.deps.profile.formFor(user)) !== null;
  }

  /**
   * Another way of authenticating at the bridge (an upstream connector) proved who the user is:
   * the same step a correct password takes — a bridge session, then this authenticated request →
   * postback → Return URL. `amr` / `acr` are what the upstream reported (checked by the caller).
   */
  async completeWithUser(
    requestId: string,
    browserHash: string,
    user: DirectoryUser,
    auth: { amr: string[]; acr?: string | null },
    previousSessionToken: string | undefined,
  ): Promise<{ step: SignInStep; sessionToken?: string }> {
    const { clock, logger } = this.deps;
    const request = await this.load(requestId, browserHash);
    if (request.state !== 'pending') return { step: await this.status(requestId, browserHash) };
    this.assertUnexpired(request, clock.now());
    if (user.blocked) {
      logger.log('warn', 'login_blocked', { request_id: requestId });
      return { step: { kind: 'login', request, status: 403, message: 'blocked' } };
    }
    await this.deps.directory.recordLogin(user.id, clock.now());
    logger.log('info', 'login_succeeded', { request_id: requestId, user_id: user.id, amr: auth.amr.join(' ') });
    return this.signInAs(requestId, browserHash, user, auth.amr, previousSessionToken, auth.acr ?? null);
  }

  /**
   * End a pending request without a user, on the user's behalf (e.g. no account matches the eID
   * they signed in with): back to the identity service without a postback, with a reason it turns
   * into access_denied (OIDC) or cancel (OpenID 2.0). Returns the Return URL to send the browser to.
   */
  async refuse(requestId: string, browserHash: string, reason: 'no_account' | 'link_refused'): Promise<string | null> {
    const request = await this.load(requestId, browserHash);
    if (request.state !== 'pending' || !(await this.deps.requests.returnUnauthenticated(requestId, this.deps.clock.now()))) return null;
    const url = new URL(this.returnUrl(requestId));
    url.searchParams.set('error', reason);
    return url.toString();
  }

  /** The user pressed "try again" after a failed postback. */
  async retry(requestId: string, browserHash: string): Promise<SignInStep> {
    const { requests, clock, config } = this.deps;
    const request = await this.load(requestId, browserHash);
    if (request.state !== 'failed') return this.status(requestId, browserHash);
    this.assertUnexpired(request, clock.now());
    if (!(await requests.useManualRetry(requestId, config.manualRetries, clock.now()))) {
      return { kind: 'failed', request, canRetry: false };
    }
    return this.postAndReturn(requestId, browserHash);
  }

  /** End a bridge session (logout the user confirmed here, with this bridge's CSRF token). */
  endSession(token: string): Promise<void> {
    return this.deps.sessions.end(token);
  }

  /**
   * Bridge logout by a plain GET (the identity service's redirect after RP-initiated logout, or
   * any link). It ends the session only with a valid logout token for this session's user and
   * this `continue` URL (signed by provider/oidc/rp-logout.ts): a cross-site `<img>` or link can
   * never sign the user out. Without one, the user is asked to confirm ('confirm'); without a
   * session there is nothing to end ('signed_out').
   */
  async signOutByLink(sessionToken: string | undefined, logoutToken: string | undefined, continueUrl: string | undefined): Promise<'signed_out' | 'confirm'> {
    const session = sessionToken ? await this.deps.sessions.resolve(sessionToken) : null;
    if (!session || !sessionToken) return 'signed_out';
    if (
      continueUrl !== undefined &&
      (await verifyExpiringMac(await this.deps.apiKey(), BRIDGE_LOGOUT.purpose, logoutToken, [session.userId, continueUrl], this.deps.clock.now(), BRIDGE_LOGOUT.ttlSeconds))
    ) {
      await this.deps.sessions.end(sessionToken);
      this.deps.logger.log('info', 'bridge_signed_out', { by: 'logout_token' });
      return 'signed_out';
    }
    return 'confirm';
  }

  /**
   * Where a request stands, and what the browser should see for it. `mayPost`: whether this call
   * may start the postback itself (false when called because a claim just failed, so that the two
   * never call each other in a loop).
   */
  async status(requestId: string, browserHash: string, mayPost = true): Promise<SignInStep> {
    const { clock, config } = this.deps;
    const request = await this.load(requestId, browserHash);
    const now = clock.now();
    switch (request.state) {
      case 'pending':
        this.assertUnexpired(request, now);
        return { kind: 'login', request };
      case 'authenticated':
        // Left here by a process that died after the password check. Why the expiry check: an
        // expired request can no longer be claimed, and re-asking the status looped for ever.
        this.assertUnexpired(request, now);
        return mayPost ? this.continueAuthenticated(requestId, browserHash) : { kind: 'in_progress', request };
      case 'posting':
        // A crashed postback's lease lapses; then this caller may take it over, while it lives.
        if (request.leaseUntil !== null && request.leaseUntil < now) {
          this.assertUnexpired(request, now);
          if (mayPost) return this.postAndReturn(requestId, browserHash);
        }
        return { kind: 'in_progress', request };
      case 'posted':
        return this.finish(request);
      case 'failed':
        return {
          kind: 'failed',
          request,
          canRetry: request.expiresAt > now && request.manualRetries < config.manualRetries,
        };
      case 'rejected':
        return { kind: 'failed', request, canRetry: false };
      case 'returned':
        throw new IdbridgeError('request_completed', 'This sign-in request has already been completed.', { backTo: wayBack(request) });
    }
  }

  /**
   * The profile-completion form was submitted (`skip`: "not now" for optional fields). The request
   * must still be `authenticated` for this browser; bad input shows the form again with the errors
   * and stores nothing; otherwise the flow goes on to the postback exactly as after a sign-in.
   */
  async completeProfile(requestId: string, browserHash: string, input: Readonly<Record<string, unknown>>, locale: string | ProfileText, skip: boolean): Promise<SignInStep> {
    const request = await this.load(requestId, browserHash);
    // A double submit or another tab: the first submit already moved the request on.
    if (request.state !== 'authenticated' || !this.deps.profile || !request.userId) return this.status(requestId, browserHash);
    this.assertUnexpired(request, this.deps.clock.now());
    const user = await this.deps.directory.findById(request.userId);
    if (!user) return this.postAndReturn(requestId, browserHash); // rejects it there
    const result = await this.deps.profile.submit(user, input, locale, skip);
    if (!result.ok) return { kind: 'profile', request, form: result.form, errors: result.errors, values: result.values };
    this.deps.logger.log('info', 'profile_completed', { request_id: requestId, skipped: skip });
    return this.postAndReturn(requestId, browserHash);
  }

  /**
   * An authenticated request goes on: to the profile-completion form when the user has required
   * fields missing or optional ones not yet offered, else to the postback.
   */
  private async continueAuthenticated(requestId: string, browserHash: string, known?: DirectoryUser): Promise<SignInStep> {
    const { profile, directory, requests } = this.deps;
    if (profile) {
      const request = await requests.get(requestId);
      if (request?.state === 'authenticated' && request.userId) {
        const user = known && known.id === request.userId ? known : await directory.findById(request.userId);
        const form = user && !user.blocked ? await profile.formFor(user) : null;
        if (form) return { kind: 'profile', request, form };
      }
    }
    return this.postAndReturn(requestId, browserHash);
  }

  /** Steps 4–6: post the result back (once) and redirect to the Return URL. */
  private async postAndReturn(requestId: string, browserHash: string): Promise<SignInStep> {
    const now = this.deps.clock.now();
    const claimed = await this.deps.requests.claimForPostback(requestId, now, this.lease(now));
    if (!claimed) return this.status(requestId, browserHash, false);
    return this.postClaimed(claimed, browserHash);
  }

  /** How long a claim on the postback holds: the whole retry budget, plus a margin. */
  private lease(now: number): number {
    const { postback } = this.deps.config;
    return now + postback.deadlineMs + postback.attemptTimeoutMs + 5_000;
  }

  /** Steps 4–6 for a request this caller holds in `posting`. */
  private async postClaimed(claimed: BridgeRequest, browserHash: string, known?: DirectoryUser): Promise<SignInStep> {
    const { requests, clock, config, directory } = this.deps;
    const requestId = claimed.requestId;
    // The user just authenticated is passed in; later attempts (retry, another tab) look it up.
    const user = known && known.id === claimed.userId ? known : claimed.userId ? await directory.findById(claimed.userId) : null;
    if (!user || user.blocked) {
      await requests.settlePostback(requestId, 'rejected', claimed.postbackAttempts, null, clock.now());
      return { kind: 'failed', request: claimed, canRetry: false };
    }
    const form = buildPostbackForm({
      apiKey: await this.deps.apiKey(),
      requestId,
      user,
      // Policy `allow`: an unconfirmed address is released without asserting email_verified=false.
      requestedAttributes:
        this.deps.verification === 'allow' && !user.emailVerified
          ? claimed.requestedAttributes.filter((a) => a !== 'email_verified')
          : claimed.requestedAttributes,
      authTime: claimed.authTime ?? undefined,
      amr: claimed.amr ?? undefined,
      acr: claimed.acr ?? undefined,
      noPrompt: isTrustedRealm(claimed.realm, config.trustedRealms),
      returnToken: await this.returnToken(requestId, claimed.browserHash),
    });
    const result = await sendPostback(config.postbackUrl, form, requestId, {
      fetch: this.deps.fetch,
      clock,
      logger: this.deps.logger,
      random: this.deps.random,
      policy: config.postback,
    });
    const attempts = claimed.postbackAttempts + result.attempts;
    if (result.ok) {
      // posting → returned: posted back, and this response sends the browser on (steps 5–6 in one
      // transition). Lost only to a caller that took over a lapsed lease: follow where it stands.
      if (!(await requests.settlePostback(requestId, 'returned', attempts, result.status, clock.now()))) return this.status(requestId, browserHash, false);
      return this.returnRedirect(claimed);
    }
    const outcome = result.reason === 'permanent' ? 'rejected' : 'failed';
    await requests.settlePostback(requestId, outcome, attempts, result.status, clock.now());
    const after = (await requests.get(requestId))!;
    return {
      kind: 'failed',
      request: after,
      canRetry: outcome === 'failed' && after.expiresAt > clock.now() && after.manualRetries < config.manualRetries,
    };
  }

  /** Step 6: posted → returned, then 302 to the Return URL. Only one caller wins. */
  private async finish(request: BridgeRequest): Promise<SignInStep> {
    if (!(await this.deps.requests.finish(request.requestId, this.deps.clock.now()))) {
      throw new IdbridgeError('request_completed', 'This sign-in request has already been completed.', { backTo: wayBack(request) });
    }
    return this.returnRedirect(request);
  }

  /** The 302 to the Return URL, with this browser's return token. */
  private async returnRedirect(request: BridgeRequest): Promise<SignInStep> {
    const url = new URL(this.returnUrl(request.requestId));
    url.searchParams.set('return_token', await this.returnToken(request.requestId, request.browserHash));
    return { kind: 'redirect', location: url.toString() };
  }

  private returnUrl(requestId: string): string {
    const url = new URL(this.deps.config.returnUrl);
    url.searchParams.set('request_id', requestId);
    return url.toString();
  }

  /**
   * The return token: HMAC of the request id and this browser, so it needs no storage, is the same
   * for every postback retry, and only the browser the bridge authenticated ever receives it.
   */
  private async returnToken(requestId: string, browserHash: string): Promise<string> {
    return toBase64Url(await hmacSha256(this.deps.returnTokenKey, utf8(`return-token|${requestId}|${browserHash}`)));
  }

  private async load(requestId: string, browserHash: string): Promise<BridgeRequest> {
    const request = await this.deps.requests.get(requestId);
    if (!request) throw new IdbridgeError('unknown_request', 'This sign-in request is unknown. Please start again from the site you came from.');
    this.assertSameBrowser(request, browserHash);
    return request;
  }

  private assertSameBrowser(request: BridgeRequest, browserHash: string): void {
    // Why: a request id seen in a URL (history, logs, a shared link) must not let another browser
    // sign in on the original user's behalf or hijack the sign-in.
    if (request.browserHash !== browserHash) {
      throw new IdbridgeError('wrong_browser', 'This sign-in request was started in another browser. Please start again.', { backTo: wayBack(request) });
    }
  }

  private assertUnexpired(request: BridgeRequest, now: number): void {
    if (request.expiresAt <= now) {
      throw new IdbridgeError('expired_request', 'This sign-in request has expired. Please start again from the site you came from.', { backTo: wayBack(request) });
    }
  }

  /** The session's user while it may still sign in (passed on to the postback, not looked up twice). */
  private async usableSessionUser(session: BridgeSession): Promise<DirectoryUser | null> {
    const user = await this.deps.directory.findById(session.userId);
    return user !== null && !user.blocked ? user : null;
  }
}

/** Error pages link back to the site that asked for this sign-in (the realm the request names). */
function wayBack(request: BridgeRequest) {
  return backLinkTo(request.realm, request.clientName);
}

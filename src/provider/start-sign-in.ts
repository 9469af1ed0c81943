import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { attributeWireName, type AttributeName } from '../users/profile.js';
import { randomToken } from '../util/bytes.js';
import type { AuthRequestStore, PendingPayload } from './ports.js';
import type { RelyingPartyAnswer } from './responder.js';

/** What a protocol front end (OpenID 2.0 checkid, OIDC authorize) asks the bridge for. */
export type SignInStart = PendingPayload & {
  /** The browser that must finish the sign-in. */
  browserHash: string;
  /** Who is asking, as the bridge shows it: the OpenID 2.0 realm, the OIDC redirect origin. */
  realm: string;
  requestedAttributes: readonly AttributeName[];
  /** No user interaction allowed (checkid_immediate, prompt=none). */
  immediate: boolean;
  /** The bridge must have checked the password at most this many seconds ago (0: now). */
  maxAge?: number;
  /** Prefills the login form. */
  loginHint?: string;
  /** The relying party's preferred page languages (OIDC `ui_locales`), space-separated tags. */
  uiLocales?: string;
  /** The relying party's display name (an OIDC client's), shown on the bridge's login page. */
  clientName?: string;
  /** Open the bridge's sign-up side first (OIDC prompt=create, Initiating User Registration 1.0). */
  signUp?: boolean;
  /** A bridge connector the relying party picked (`idp_hint`): the bridge skips its login page. */
  idpHint?: string;
  /** The relying party's `acr_values`: the bridge may pick the one connector that satisfies them. */
  acrValues?: readonly string[];
};

export interface SignInStarterDeps {
  /** `verifyUrl` and `requestTtlSeconds`. */
  identity: Pick<Config['identity'], 'verifyUrl' | 'requestTtlSeconds'>;
  requests: AuthRequestStore;
  clock: Clock;
}

/**
 * Janrain steps 1–2, shared by both protocols: remember the relying party's request, bound to the
 * browser, and send the browser to the bridge's Verify URL. This is the one place that writes the
 * Verify URL's parameters (the bridge reads them in `bridge/verify-params.ts`).
 */
export class SignInStarter {
  constructor(private readonly deps: SignInStarterDeps) {}

  async start(start: SignInStart): Promise<{ requestId: string; answer: RelyingPartyAnswer }> {
    const { identity, requests, clock } = this.deps;
    const now = clock.now();
    const requestId = randomToken(256); // ≥ 128 bits: unguessable, so it can travel in URLs
    await requests.create({
      requestId,
      browserHash: start.browserHash,
      realm: start.realm,
      requestedAttributes: [...start.requestedAttributes],
      immediate: start.immediate,
      ...pendingPayload(start),
      createdAt: now,
      expiresAt: now + identity.requestTtlSeconds * 1000,
    });
    const verify = new URL(identity.verifyUrl);
    verify.searchParams.set('request_id', requestId);
    verify.searchParams.set('realm', start.realm);
    verify.searchParams.set('requested_attributes', start.requestedAttributes.map(attributeWireName).join(','));
    if (start.immediate) verify.searchParams.set('immediate', 'true');
    if (start.maxAge !== undefined) verify.searchParams.set('max_age', String(start.maxAge));
    if (start.loginHint) verify.searchParams.set('login_hint', start.loginHint);
    // idbridge extension `ui_locales` (OIDC's name and format): the bridge's pages pick their language from it.
    if (start.uiLocales) verify.searchParams.set('ui_locales', start.uiLocales);
    // idbridge extension `client_name`: control and format characters dropped (the bridge refuses
    // them), the length bounded as the bridge requires.
    const clientName = start.clientName?.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '').trim().slice(0, 100);
    if (clientName) verify.searchParams.set('client_name', clientName);
    if (start.signUp) verify.searchParams.set('screen', 'signup');
    if (start.idpHint) verify.searchParams.set('idp_hint', start.idpHint);
    if (start.acrValues && start.acrValues.length > 0) verify.searchParams.set('acr_values', start.acrValues.join(' '));
    return { requestId, answer: { kind: 'redirect', location: verify.toString() } };
  }
}

/** The protocol tag and payload of a start, still correlated (spreading the union would lose that). */
function pendingPayload(start: SignInStart): PendingPayload {
  return start.protocol === 'openid2' ? { protocol: 'openid2', payload: start.payload } : { protocol: 'oidc', payload: start.payload };
}

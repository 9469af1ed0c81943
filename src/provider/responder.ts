import type { ConsentLabel } from './consent-labels.js';
import { IdbridgeError } from '../errors.js';
import type { Attributes } from '../users/profile.js';
import type { AuthRequest } from './ports.js';

/** How the identity service answers the relying party's browser at step 8. */
export type RelyingPartyAnswer =
  | { kind: 'redirect'; location: string }
  /** An auto-submitting form (OIDC form_post; OpenID 2.0 indirect messages too long for a URL). */
  | { kind: 'form_post'; action: string; fields: Array<[string, string]> };

/** The signed-in subject, as the identity service knows it. */
export interface Subject {
  /** The bridge's stable user id (postback `username`). */
  username: string;
  /** The opaque public id derived for it (claimed identifier path, OIDC `sub`). */
  publicId: string;
  /** The identity-service session this sign-in belongs to (OIDC `sid`). */
  sid: string;
}

/** What consent a request needs, as the protocol sees it. */
export interface ConsentPolicy {
  /** Key under which a decision is remembered (realm, client id). */
  audience: string;
  /** Who is asking, as shown to the user (realm URL, client name). */
  audienceLabel: string;
  /** What is granted, as remembered (attribute names, scopes). */
  grants: string[];
  /**
   * What the user is shown: a label (translated by the page) and, where known, the value that will
   * be shared — one value, or several labelled ones (a scope that shares several fields).
   */
  items: Array<{ label: ConsentLabel; value?: string; values?: Array<{ label: ConsentLabel; value: string }> }>;
  /** Skip the page (trusted realm or client, `no_prompt`). */
  skip: boolean;
  /**
   * The identity service itself trusts this relying party (a realm in IDBRIDGE_TRUSTED_REALMS, a
   * client registered as trusted), whatever the authenticating website said in `no_prompt`.
   */
  trusted: boolean;
  /** Always ask, even when remembered (OIDC prompt=consent). */
  force: boolean;
  /** The relying party's `ui_locales` (OIDC), for the consent page's language. */
  uiLocales?: string;
  /** The relying party could not be verified (see {@link RelyingPartyResponder.checkSite}): the page warns. */
  siteUnverified?: boolean;
  /**
   * Whether "remember my decision" starts ticked. OIDC: yes, an allowed app is remembered (a grant,
   * withdrawable on /account/apps) unless the user opts out, as users know it from the large
   * providers. OpenID 2.0: no, the Janrain-style opt-in checkbox.
   */
  rememberByDefault: boolean;
}

/** Whether the relying party is the site the request claims (OpenID 2.0 RP discovery). */
export interface SiteCheck {
  verified: boolean;
}

/**
 * Protocol-specific end of a sign-in: each protocol (OpenID 2.0, OIDC) implements this; the
 * shared return/consent flow calls it without knowing which protocol is waiting.
 */
export interface RelyingPartyResponder {
  consentPolicy(request: AuthRequest): Promise<ConsentPolicy>;
  /**
   * Optional: check the relying party (and log the outcome) once per arrival at the Return URL,
   * also when consent is skipped. `undefined`: nothing to check.
   */
  checkSite?(request: AuthRequest): Promise<SiteCheck | undefined>;
  approve(request: AuthRequest, subject: Subject, attributes: Attributes): Promise<RelyingPartyAnswer>;
  /** The user declined (OpenID 2.0 `cancel`, OIDC `access_denied`). */
  /** The user (or, with `description`, the bridge on the user's behalf) refused the sign-in. */
  deny(request: AuthRequest, description?: string): Promise<RelyingPartyAnswer>;
  /** Interaction was needed but not allowed (OpenID 2.0 `setup_needed`, OIDC `login_required`/`consent_required`). */
  interactionRequired(request: AuthRequest, reason: 'login' | 'consent'): Promise<RelyingPartyAnswer>;
}

/** A responder was handed another protocol's request: a wiring bug, never the user's fault. */
export function wrongResponder(protocol: string): IdbridgeError {
  return new IdbridgeError('server_error', `A ${protocol} sign-in was handed to another protocol's responder.`);
}

import type { AuthorizationRequest } from '../protocol/oidc/authorize.js';
import type { CheckIdRequest } from '../protocol/openid2/checkid.js';
import type { AttributeName, Attributes } from '../users/profile.js';

export type AuthRequestState = 'created' | 'posted_back' | 'completed' | 'cancelled';

/**
 * What the relying party asked for, as its protocol parsed it: the data needed to answer it at
 * step 8. The `protocol` tag says which; narrowing on it types `payload` without casts.
 */
export type PendingPayload =
  | { protocol: 'openid2'; payload: CheckIdRequest }
  | { protocol: 'oidc'; payload: AuthorizationRequest };

/** A relying party's sign-in request at the identity service, from step 1 to step 8. */
export type AuthRequest = AuthRequestFields & PendingPayload;

/** The protocol-independent part of an {@link AuthRequest}. */
export interface AuthRequestFields {
  requestId: string;
  browserHash: string;
  state: AuthRequestState;
  /** Who is asking: the OpenID 2.0 realm (or the OIDC client's name/URI). */
  realm: string;
  requestedAttributes: AttributeName[];
  /** No user interaction allowed (checkid_immediate, prompt=none). */
  immediate: boolean;
  /** From the postback: the bridge's stable user id. */
  username: string | null;
  attributes: Attributes | null;
  /** From the postback: when and how the user authenticated at the bridge. */
  authTime: number | null;
  amr: string[] | null;
  /** From the postback: the authentication context an upstream connector reported, if any. */
  acr: string | null;
  noPrompt: boolean | null;
  /** SHA-256 of the bridge's return token (from the postback). */
  returnTokenHash: string | null;
  createdAt: number;
  expiresAt: number;
}

export type NewAuthRequest = Pick<AuthRequestFields, 'requestId' | 'browserHash' | 'realm' | 'requestedAttributes' | 'immediate' | 'createdAt' | 'expiresAt'> &
  PendingPayload;

export interface PostbackData {
  username: string;
  attributes: Attributes;
  noPrompt: boolean;
  authTime: number | null;
  amr: string[] | null;
  acr: string | null;
  /**
   * SHA-256 of the bridge's return token for this request; null for a Janrain-compatible postback
   * (a stock Janrain AW sends none), which then finishes on browser binding alone, with consent.
   */
  returnTokenHash: string | null;
}

/** Storage of identity-service requests; transitions are single conditional updates. */
export interface AuthRequestStore {
  create(request: NewAuthRequest): Promise<void>;
  get(requestId: string): Promise<AuthRequest | null>;
  /** created → posted_back (unexpired only); true when this call made the transition. */
  recordPostback(requestId: string, data: PostbackData, now: number): Promise<boolean>;
  /** `from` → completed | cancelled; returns the request when this caller won (single use). */
  complete(requestId: string, from: 'created' | 'posted_back', outcome: 'completed' | 'cancelled', now: number): Promise<AuthRequest | null>;
}

/** Stable opaque public ids per bridge username (claimed identifiers, subjects). */
export interface IdentityStore {
  /** The public id for `username`, created on first use. */
  publicIdFor(username: string, now: number): Promise<string>;
  usernameFor(publicId: string): Promise<string | null>;
}

/** Remembered consent per user and audience (realm or client). */
export interface ConsentStore {
  /** What the user granted this audience, or null. */
  find(username: string, audience: string): Promise<string[] | null>;
  remember(username: string, audience: string, grants: string[], now: number): Promise<void>;
  /** Forget every consent of a user (account deletion). */
  revokeAllFor(username: string): Promise<void>;
  revoke(username: string, audience: string): Promise<boolean>;
  /** Every remembered decision of a user, newest first. */
  list(username: string): Promise<Array<{ audience: string; grants: string[]; createdAt: number }>>;
}

/** Small key/value settings per tenant. Secret values are stored sealed (see SecretBox), never in clear. */
export interface SettingsStore {
  get(key: string): Promise<string | null>;
  /** Insert unless present; returns the value that is stored afterwards (first writer wins). */
  putIfAbsent(key: string, value: string, now: number): Promise<string>;
  put(key: string, value: string, now: number): Promise<void>;
}

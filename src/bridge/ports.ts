import type { AttributeName } from '../users/profile.js';

export type BridgeRequestState = 'pending' | 'authenticated' | 'posting' | 'posted' | 'returned' | 'failed' | 'rejected';

/** A sign-in request received at the Verify URL. */
export interface BridgeRequest {
  requestId: string;
  realm: string | null;
  requestedAttributes: AttributeName[];
  browserHash: string;
  state: BridgeRequestState;
  userId: string | null;
  authTime: number | null;
  amr: string[] | null;
  /** The authentication context an upstream connector reported; null after a password. */
  acr: string | null;
  loginHint: string | null;
  /** The relying party's display name, when the identity service sent one. */
  clientName: string | null;
  /**
   * The relying party's page languages (OIDC `ui_locales`, from the Verify URL), kept so that the
   * pages after /verify (login and sign-up POSTs, status, mails) stay in them.
   */
  uiLocales: string | null;
  postbackAttempts: number;
  manualRetries: number;
  leaseUntil: number | null;
  lastStatus: number | null;
  createdAt: number;
  expiresAt: number;
}

export type NewBridgeRequest = Pick<BridgeRequest, 'requestId' | 'realm' | 'requestedAttributes' | 'browserHash' | 'loginHint' | 'clientName' | 'uiLocales' | 'createdAt' | 'expiresAt'>;

/**
 * Storage of bridge requests. Every state change is one conditional update that succeeds for
 * exactly one caller, so reloads, double submits and racing tabs can never move a request twice.
 */
export interface BridgeRequestStore {
  /** Insert unless a request with this id exists; returns the stored request either way. */
  createOrGet(request: NewBridgeRequest): Promise<{ created: boolean; request: BridgeRequest }>;
  get(requestId: string): Promise<BridgeRequest | null>;
  /** pending → authenticated (unexpired only), recording when and how (`amr`, `acr`) the user authenticated. */
  authenticate(requestId: string, userId: string, authTime: number, amr: string[], now: number, acr?: string | null): Promise<boolean>;
  /**
   * pending → posting (unexpired only): the user just authenticated and this caller posts back at
   * once, so recording the authentication and claiming the postback are one transition. Returns
   * the request when this caller won it.
   */
  authenticateAndClaim(requestId: string, userId: string, authTime: number, amr: string[], now: number, leaseUntil: number, acr?: string | null): Promise<BridgeRequest | null>;
  /**
   * authenticated | failed | posting-with-lapsed-lease → posting, taking a lease until `leaseUntil`.
   * Returns the request when this caller won the claim.
   */
  claimForPostback(requestId: string, now: number, leaseUntil: number): Promise<BridgeRequest | null>;
  /**
   * posting → posted | failed | rejected, recording attempts and the last status; or posting →
   * returned when the postback succeeded and this caller sends the browser on in the same response
   * (posted and finished in one transition).
   */
  settlePostback(
    requestId: string,
    outcome: 'posted' | 'returned' | 'failed' | 'rejected',
    attempts: number,
    lastStatus: number | null,
    now: number,
  ): Promise<boolean>;
  /** failed → failed with one more manual retry used, while below `max` (unexpired only). */
  useManualRetry(requestId: string, max: number, now: number): Promise<boolean>;
  /** pending → returned without a sign-in (immediate requests without a session). */
  returnUnauthenticated(requestId: string, now: number): Promise<boolean>;
  /** posted → returned: the request is finished and cannot be replayed. */
  finish(requestId: string, now: number): Promise<boolean>;
}

export interface BridgeSession {
  userId: string;
  /** When the password was last checked (ms). */
  authTime: number;
  /** Authentication methods (RFC 8176), e.g. `pwd`. */
  amr: string[];
  expiresAt: number;
  /** When it was last used (null: not since it started). Refreshed at most every few minutes. */
  lastUsedAt?: number | null;
  /** A coarse device description ("Firefox · Windows"), when one was recorded. */
  device?: string | null;
}

/** One of a user's sessions as the account page lists it. */
export interface StoredBridgeSession extends BridgeSession {
  idHash: string;
  createdAt: number;
}

/** Server-side bridge sessions, looked up by the SHA-256 of the random session id. */
export interface BridgeSessionStore {
  create(idHash: string, session: BridgeSession, now: number): Promise<void>;
  find(idHash: string, now: number): Promise<BridgeSession | null>;
  delete(idHash: string): Promise<void>;
  /** Delete every session of the user, except the one with `exceptIdHash` (the browser doing it). */
  deleteForUser(userId: string, exceptIdHash?: string): Promise<void>;
  /** The user's unexpired sessions, newest first. */
  listForUser(userId: string, now: number): Promise<StoredBridgeSession[]>;
  /** Delete one session, only if it is this user's; true when one was deleted. */
  deleteOne(userId: string, idHash: string): Promise<boolean>;
  /** Record a use (and a device description, when given and none is stored yet). */
  touch(idHash: string, now: number, device?: string): Promise<void>;
}

export interface ThrottleCounter {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

/** Failed sign-in counters. */
export interface ThrottleStore {
  get(key: string): Promise<ThrottleCounter | null>;
  /** Several counters in one read (1–3 keys), in the order of `keys`; null where there is none. */
  getMany(keys: readonly string[]): Promise<Array<ThrottleCounter | null>>;
  /**
   * Atomically count one failure (starting a new window when the old one is older than
   * `windowStart`) and return the counter after the increment.
   */
  increment(key: string, now: number, windowStartsAfter: number): Promise<ThrottleCounter>;
  /** Raise the lock to at least `lockedUntil`. */
  lockUntil(key: string, lockedUntil: number): Promise<void>;
  reset(key: string): Promise<void>;
}

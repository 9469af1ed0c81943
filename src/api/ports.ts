/**
 * The ports of the Users API (`storage/` implements them). Every write is one method and one
 * statement, conditional on the row's `update_time` where the API promised a precondition, so the
 * webhooks outbox can join each write in one atomic unit.
 */
import type { SregProfile } from '../users/profile.js';
import type { NewUser, StoredUser, UserStore } from '../users/user-store.js';

/** The changeable columns of a user (what a merge patch can set); absent = unchanged, null = cleared. */
export interface UserChanges {
  email?: string;
  emailVerified?: boolean;
  username?: string | null;
  phone?: string | null;
  customerId?: string | null;
  externalId?: string | null;
  profile?: Partial<Record<Exclude<keyof SregProfile, 'email'>, string | null>>;
  /** The whole custom-field object after the patch (the caller merged it). */
  attributes?: Record<string, string>;
  passwordHash?: string | null;
}

/**
 * A write's condition: the `update_time` the caller read (the row's version). The write happens
 * only if the row still has it, and moves it strictly forward, so of two writers that read the
 * same version exactly one succeeds.
 */
export interface WriteCondition {
  ifUpdateTime?: number;
}

/** `updated`: done; `not_found`: no such user; `conflict`: the row's version moved on (precondition failed). */
export type WriteOutcome = 'updated' | 'not_found' | 'conflict';

/** Keyset position of the list: after (create_time, id). */
export interface ListPosition {
  createTime: number;
  id: string;
}

/** The built-in user table as the Users API needs it. */
export interface UsersApiStore extends UserStore {
  findByEmail(email: string): Promise<StoredUser | null>;
  findByCustomerId(customerId: string): Promise<StoredUser | null>;
  findByExternalId(externalId: string): Promise<StoredUser | null>;
  /** Every user with this (E.164) phone number; phones are not unique. At most `limit`. */
  findByPhone(phone: string, limit: number): Promise<StoredUser[]>;
  /** Users in (create_time, id) order strictly after `after`; stable while rows are inserted. */
  listAfter(after: ListPosition | null, limit: number): Promise<StoredUser[]>;
  /**
   * Insert (as `UserStore.insert`); `audit`, when given, is written in the same transaction as
   * the row and its `user.created` event. The same holds for `audit` of every write below: the
   * entry exists exactly when the change does (nothing for a conflict or an unknown id).
   */
  insert(user: NewUser, audit?: AuditEntry): Promise<void>;
  /** Apply changes (`user.updated`, `user.email_verified` when it turns true); throws DuplicateUserError on a taken email / username / customer / external id. */
  update(id: string, changes: UserChanges, at: number, condition?: WriteCondition, audit?: AuditEntry): Promise<WriteOutcome>;
  /** `user.deleted` (the payload is the user as it was). */
  delete(id: string, at: number, condition?: WriteCondition, audit?: AuditEntry): Promise<WriteOutcome>;
  /** `user.blocked` (both directions). */
  setBlocked(id: string, blocked: boolean, at: number, condition?: WriteCondition, audit?: AuditEntry): Promise<WriteOutcome>;
  /** `user.email_verified`. */
  markEmailVerified(id: string, at: number, condition?: WriteCondition, audit?: AuditEntry): Promise<WriteOutcome>;
}

/** A stored API token (never the token itself). */
export interface ApiTokenRecord {
  id: string;
  name: string | null;
  tokenHash: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface ApiTokenStore {
  insert(token: Omit<ApiTokenRecord, 'lastUsedAt' | 'revokedAt'>): Promise<void>;
  find(id: string): Promise<ApiTokenRecord | null>;
  list(): Promise<ApiTokenRecord[]>;
  /** True when a live token was revoked. */
  revoke(id: string, at: number): Promise<boolean>;
  touch(id: string, at: number): Promise<void>;
}

/** One audit entry: who did what to which user, which fields changed (names only), when. */
export interface AuditEntry {
  at: number;
  /** `admin` (the admin token) or `token:<id>`. */
  actor: string;
  operation: string;
  userId: string | null;
  fields: string[];
}

export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first, before sequence number `before` when given. */
  list(options: { limit: number; before?: number; userId?: string }): Promise<Array<AuditEntry & { seq: number }>>;
}

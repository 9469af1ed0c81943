/** Storage ports of the identity flows (implemented in storage/). */

/** What a profile form stores for one user, in one write. */
export interface ProfileChanges {
  /** Standard fields by attribute name (`fullname`, `dob`, `phone`, …): non-empty values only. */
  standard: Record<string, string>;
  /** Custom fields by field name, merged into `attributes` (other keys are kept). */
  custom: Record<string, string>;
  /** The complete, new list of optional fields offered so far (`attributes.$offered`). */
  offered: readonly string[];
  /** Fields to empty (the account page: a value the user removed): standard columns set to null, custom keys removed. */
  cleared?: readonly string[];
}

/**
 * Where a user's profile values can be kept: `all` (a row in idbridge's own `users` table: built-in
 * and migrated users), `custom` (a user a site directory serves: the standard fields live in the
 * site's database, which idbridge does not write, so only custom fields, kept on the directory
 * link), or null (nowhere: nothing is asked).
 */
export type ProfileStorage = 'all' | 'custom' | null;

/** Where profile values are written. */
export interface ProfileStore {
  storageFor(userId: string): Promise<ProfileStorage>;
  /**
   * One write of the values and the offered list; false when nothing could be stored. Where only
   * custom fields can be kept, `standard` must be empty (the caller never asks for them).
   */
  saveProfile(userId: string, changes: ProfileChanges, now: number): Promise<boolean>;
}


/** Why a mailed link exists; one mechanism serves them all. */
export type EmailTokenPurpose = 'verify-email' | 'reset-password' | 'link-account';

/** A stored link, as the flows see it (the token itself is never stored, only its hash). */
export interface EmailTokenRecord {
  purpose: EmailTokenPurpose;
  userId: string;
  /** The address the link was sent to (an email change: the new address). */
  email: string;
  /** The bridge sign-in it was asked for in, if any. */
  requestId: string | null;
  createdAt: number;
  expiresAt: number;
}

/** Storage of mailed links, by the SHA-256 of the token. */
export interface EmailTokenStore {
  insert(tokenHash: string, record: EmailTokenRecord): Promise<void>;
  /** The unused, unexpired link with this hash and purpose (for showing a form), or null. */
  find(tokenHash: string, purpose: EmailTokenPurpose, now: number): Promise<EmailTokenRecord | null>;
  /**
   * Mark the link used, in one conditional UPDATE that only an unused, unexpired row of this
   * purpose matches: of two racing uses exactly one gets the record.
   */
  consume(tokenHash: string, purpose: EmailTokenPurpose, now: number): Promise<EmailTokenRecord | null>;
  /** Invalidate a user's other unused links of a purpose (a new reset link replaces older ones). */
  consumeAllFor(userId: string, purpose: EmailTokenPurpose, now: number): Promise<void>;
  /** When the last link of this purpose was sent to this address (the resend cooldown). */
  lastSentAt(email: string, purpose: EmailTokenPurpose): Promise<number | null>;
  /** The user's newest unused, unexpired link of this purpose (an email change waiting for its confirmation), or null. */
  latestUsableFor(userId: string, purpose: EmailTokenPurpose, now: number): Promise<EmailTokenRecord | null>;
}

/** A counter per key within a window (the login throttle's table, reused for action limits). */
export interface ActionCounterStore {
  /** Count one event; returns the count within the window after this one. */
  increment(key: string, now: number, windowStartsAfter: number): Promise<{ failures: number; windowStart: number }>;
}

/** Storage ports of the identity flows (implemented in storage/). */

/** What a profile form stores for one user, in one write. */
export interface ProfileChanges {
  /** Standard fields by attribute name (`fullname`, `dob`, `phone`, …): non-empty values only. */
  standard: Record<string, string>;
  /** Custom fields by field name, merged into `attributes` (other keys are kept). */
  custom: Record<string, string>;
  /** The complete, new list of optional fields offered so far (`attributes.$offered`). */
  offered: readonly string[];
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

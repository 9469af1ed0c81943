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

/** Where profile values of users in idbridge's own table are written. */
export interface ProfileStore {
  /**
   * Whether the user has a row in idbridge's own table (built-in and migrated users). Users a
   * site directory serves (federated) have none: nothing can be stored for them.
   */
  hasOwnRow(userId: string): Promise<boolean>;
  /** One UPDATE of the columns and the attributes JSON; false when the user has no row. */
  saveProfile(userId: string, changes: ProfileChanges, now: number): Promise<boolean>;
}

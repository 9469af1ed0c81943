/**
 * Stable identities for site users (issue 10, point 6): the pair (directory, the site's immutable
 * key) maps to idbridge's opaque user id on first sight, and the mapping is kept forever. The id
 * is what relying parties see (OpenID 2.0 claimed id, OIDC `sub`, `openid2_id`), so it must never
 * change and never pass to another person; hence the site key must be immutable and never reused
 * (a primary key, not an email). See docs/directory.md.
 */
export interface DirectoryLink {
  directory: string;
  siteKey: string;
  userId: string;
  /** When the user was copied into the built-in table (migrate mode); null while the site serves them. */
  migratedAt: number | null;
  loginsCount: number;
  loginTime: number | null;
  createdAt: number;
  /** Custom profile fields kept for the user while the site serves them (`$offered` included). */
  attributes: Record<string, string>;
}

/** Storage port for the links (tenant-scoped by the implementation). */
export interface DirectoryLinkStore {
  /**
   * The link of `siteKey`, created with `newUserId` when there is none yet. Concurrency-safe:
   * insert-or-ignore, then read, so two first sign-ins at once agree on one id.
   */
  link(directory: string, siteKey: string, newUserId: string, now: number): Promise<DirectoryLink>;
  findByKey(directory: string, siteKey: string): Promise<DirectoryLink | null>;
  findByUserId(userId: string): Promise<DirectoryLink | null>;
  /** Set `migrated_at` once; false when it was already set (another sign-in won). */
  markMigrated(directory: string, siteKey: string, at: number): Promise<boolean>;
  /** Count a successful sign-in of a user the site still serves. */
  recordLogin(userId: string, at: number): Promise<void>;
  counts(directory: string): Promise<{ linked: number; migrated: number }>;
  /**
   * Merge custom profile values into the link of a user the site still serves (one statement;
   * keys not in `patch` are kept). False when there is no such unmigrated link.
   */
  saveAttributes(userId: string, patch: Readonly<Record<string, string>>): Promise<boolean>;
}

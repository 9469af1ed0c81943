import type { SregProfile } from './profile.js';

/** A user as the rest of idbridge sees it (never with the password hash). */
export interface DirectoryUser {
  /** Stable, opaque identity-provider id; never changes, never reused. */
  id: string;
  email: string;
  username: string | null;
  emailVerified: boolean;
  blocked: boolean;
  /** SREG profile values the user has (email included). */
  profile: SregProfile;
  /**
   * The operator's custom profile fields (config file `profile`), by field name. Site directories
   * that have none give `{}`.
   */
  attributes: Record<string, string>;
  phone: string | null;
  customerId: string | null;
  externalId: string | null;
  loginsCount: number;
  loginTime: number | null;
  createTime: number;
  updateTime: number;
}

export type AuthenticationResult =
  | { ok: true; user: DirectoryUser }
  | { ok: false; reason: 'invalid_credentials' }
  /** Only reported after the password was right, so it reveals nothing to a guesser. */
  | { ok: false; reason: 'blocked' };

/**
 * The site's user database as the bridge needs it. The built-in implementation keeps users in
 * idbridge's own table; a site can plug in its own (webhooks, its SQL database) behind this port.
 */
export interface UserDirectory {
  /**
   * Check an email-or-username and password. Must take the same time whether or not the account
   * exists, and answer the same way for unknown users and wrong passwords.
   */
  authenticate(identifier: string, password: string): Promise<AuthenticationResult>;
  findById(id: string): Promise<DirectoryUser | null>;
  /**
   * The user with this email (case-insensitive), for registration duplicates, password reset and
   * the Users API. A site directory in migrate mode looks on both sides.
   */
  findByEmail(email: string): Promise<DirectoryUser | null>;
  /** Count a successful password sign-in. */
  recordLogin(id: string, at: number): Promise<void>;
}

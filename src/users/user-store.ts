import type { SregProfile } from './profile.js';
import type { DirectoryUser } from './user.js';

export interface StoredUser extends DirectoryUser {
  /** Null: the account has no password (sign-in only through a connector, or not set yet). */
  passwordHash: string | null;
}

export interface NewUser {
  id: string;
  email: string;
  username: string | null;
  passwordHash: string | null;
  profile: Omit<SregProfile, 'email'>;
  /** Custom profile fields (config file `profile`); omitted = none. */
  attributes?: Record<string, string>;
  phone: string | null;
  customerId: string | null;
  externalId: string | null;
  emailVerified: boolean;
  blocked: boolean;
  createTime: number;
}

/** Storage port for the built-in user table (tenant-scoped by the implementation). */
export interface UserStore {
  /** Insert; throws {@link DuplicateUserError} when email, username, customer or external id is taken. */
  insert(user: NewUser): Promise<void>;
  findById(id: string): Promise<StoredUser | null>;
  /** Lookup by lower-cased email or username. */
  findByLogin(identifier: string): Promise<StoredUser | null>;
  list(options: { limit: number; offset: number }): Promise<StoredUser[]>;
  count(): Promise<number>;
  recordLogin(id: string, at: number): Promise<void>;
  /** The transparent re-hash at sign-in: no change notification (nothing visible changed). */
  updatePasswordHash(id: string, hash: string, at: number): Promise<void>;
  /** A password the user chose (reset): notified as `user.updated`. */
  setPassword(id: string, hash: string, at: number): Promise<void>;
  /**
   * Mark `email` confirmed: it becomes the user's address (an email change takes effect here)
   * and `email_verified` true. Throws {@link DuplicateUserError} when another user has it.
   */
  confirmEmail(id: string, email: string, at: number): Promise<void>;
}

export class DuplicateUserError extends Error {
  constructor(readonly field: 'email' | 'username' | 'customer_id' | 'external_id') {
    super(`a user with this ${field.replace('_', ' ')} already exists`);
    this.name = 'DuplicateUserError';
  }
}

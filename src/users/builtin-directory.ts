import type { HashRegistry } from './hashes/registry.js';
import { MAX_PASSWORD_LENGTH, type PasswordHasher } from './password-hasher.js';
import type { AuthenticationResult, DirectoryUser, UserDirectory } from './user.js';
import type { StoredUser, UserStore } from './user-store.js';

/** idbridge's own hash format (scrypt in PHC form, made by {@link PasswordHasher}). */
const OWN_FORMAT = '$scrypt$';

/**
 * The built-in {@link UserDirectory}: users in idbridge's own table. Hashes are idbridge's scrypt;
 * users brought in by `idbridge users import` (or the API) may carry a hash from their old site in
 * any format of the verifier registry (bcrypt, argon2, PBKDF2, phpass, …): those are verified by
 * the registry (with its cost limits) and replaced by idbridge's scrypt at the first successful
 * sign-in.
 */
export class BuiltinUserDirectory implements UserDirectory {
  constructor(
    private readonly store: UserStore,
    private readonly hasher: PasswordHasher,
    private readonly clock: { now(): number },
    /** Verifies imported hashes in other formats; without it only idbridge's scrypt verifies. */
    private readonly hashes?: HashRegistry,
  ) {}

  async authenticate(identifier: string, password: string): Promise<AuthenticationResult> {
    const normalized = identifier.trim().toLowerCase();
    const user = normalized && password.length <= MAX_PASSWORD_LENGTH ? await this.store.findByLogin(normalized) : null;
    if (!user || user.passwordHash === null) {
      // Same cost as a real check, same answer: no account enumeration by timing or message.
      await this.hasher.burn(password);
      return { ok: false, reason: 'invalid_credentials' };
    }
    const verdict = await this.verify(password, user.passwordHash);
    if (verdict === 'wrong') return { ok: false, reason: 'invalid_credentials' };
    if (user.blocked) return { ok: false, reason: 'blocked' };
    if (verdict === 'foreign' || this.hasher.needsRehash(user.passwordHash)) {
      // Upgrade transparently: an imported hash, or one made before the configured cost changed.
      await this.store.updatePasswordHash(user.id, await this.hasher.hash(password), this.clock.now());
    }
    return { ok: true, user: toDirectoryUser(user) };
  }

  /** `own`: idbridge's scrypt matched; `foreign`: an imported format matched; `wrong` otherwise. */
  private async verify(password: string, stored: string): Promise<'own' | 'foreign' | 'wrong'> {
    if (stored.startsWith(OWN_FORMAT)) {
      if (await this.hasher.verify(password, stored)) return 'own';
      // An imported scrypt hash (passlib's PHC form) was made over the exact bytes, idbridge's own
      // over the NFKC form; they differ only for some non-ASCII passwords, so only then look again.
      if (this.hashes && password.normalize('NFKC') !== password && (await this.hashes.verify(password, stored)).ok) return 'foreign';
      return 'wrong';
    }
    if (!this.hashes) {
      await this.hasher.burn(password);
      return 'wrong';
    }
    // Never throws; an unknown, malformed or over-limit hash is false and still costs a check.
    return (await this.hashes.verify(password, stored)).ok ? 'foreign' : 'wrong';
  }

  async findById(id: string): Promise<DirectoryUser | null> {
    const user = await this.store.findById(id);
    return user ? toDirectoryUser(user) : null;
  }

  async findByEmail(email: string): Promise<DirectoryUser | null> {
    const normalized = email.trim().toLowerCase();
    // findByLogin also matches usernames; usernames cannot contain "@", but check the field anyway.
    const user = normalized ? await this.store.findByLogin(normalized) : null;
    return user && user.email === normalized ? toDirectoryUser(user) : null;
  }

  recordLogin(id: string, at: number): Promise<void> {
    return this.store.recordLogin(id, at);
  }
}

export function toDirectoryUser(user: StoredUser): DirectoryUser {
  const { passwordHash: _omit, ...rest } = user;
  return rest;
}

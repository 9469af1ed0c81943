import type { HashRegistry } from './hashes/registry.js';
import { MAX_PASSWORD_LENGTH, type PasswordHasher } from './password-hasher.js';
import type { AuthenticationResult, DirectoryUser, UserDirectory } from './user.js';
import type { StoredUser, UserStore } from './user-store.js';

/** The built-in {@link UserDirectory}: users in idbridge's own table, scrypt password hashes. */
export class BuiltinUserDirectory implements UserDirectory {
  constructor(
    private readonly store: UserStore,
    private readonly hasher: PasswordHasher,
    private readonly clock: { now(): number },
    /**
     * Verifiers of foreign formats, for hashes brought in pre-hashed (Users API, import): kept
     * as they are until the first successful sign-in rewrites them in idbridge's own KDF.
     */
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
    const foreign = this.hashes !== undefined && !user.passwordHash.startsWith('$scrypt$');
    const ok = foreign ? (await this.hashes!.verify(password, user.passwordHash)).ok : await this.hasher.verify(password, user.passwordHash);
    if (!ok) return { ok: false, reason: 'invalid_credentials' };
    if (user.blocked) return { ok: false, reason: 'blocked' };
    if (foreign || this.hasher.needsRehash(user.passwordHash)) {
      // Upgrade old hashes transparently when the configured cost changes or the hash came in
      // pre-hashed in another format.
      await this.store.updatePasswordHash(user.id, await this.hasher.hash(password), this.clock.now());
    }
    return { ok: true, user: toDirectoryUser(user) };
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

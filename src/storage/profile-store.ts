import type { ProfileChanges, ProfileStorage, ProfileStore } from '../identity/ports.js';
import type { DirectoryLinkRepository } from './directory-link-repository.js';
import type { UserRepository } from './user-repository.js';

/**
 * {@link ProfileStore} over idbridge's two places for profile values: the `users` row (built-in
 * and migrated users: every field) and, for a user a site directory still serves, the
 * `directory_links.attributes` of their link (custom fields only: the site's own database keeps
 * the standard ones, and idbridge does not write it).
 */
export class ProfileRepository implements ProfileStore {
  constructor(
    private readonly users: UserRepository,
    private readonly links: DirectoryLinkRepository,
  ) {}

  async storageFor(userId: string): Promise<ProfileStorage> {
    if (await this.users.hasOwnRow(userId)) return 'all';
    const link = await this.links.findByUserId(userId);
    return link && link.migratedAt === null ? 'custom' : null;
  }

  async saveProfile(userId: string, changes: ProfileChanges, now: number): Promise<boolean> {
    if (await this.users.saveProfile(userId, changes, now)) return true;
    // No row of ours: the link's attributes, if the site still serves the user. Standard values
    // have no place here; the completion form never asks for them (see storageFor).
    if (Object.keys(changes.standard).length > 0) return false;
    const patch: Record<string, string> = Object.assign(Object.create(null), changes.custom);
    patch['$offered'] = changes.offered.join(',');
    return this.links.saveAttributes(userId, patch);
  }
}

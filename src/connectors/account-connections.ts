import type { ConnectorConfig } from '../config/connectors.js';
import type { Logger } from '../log.js';
import type { ConnectorLinkStore, ConnectorUserStore } from './ports.js';

export interface ConnectionList {
  linked: Array<{ connectorId: string; label: string; createdAt: number; canUnlink: boolean }>;
  /** Connectors the user can still link (one identity per connector). */
  available: Array<{ connectorId: string; label: string }>;
}

/**
 * The account side of connectors: which upstream identities a user has linked, unlinking (never
 * the last way to sign in), what account deletion and password reset need to know.
 */
export class ConnectorAccounts {
  constructor(
    private readonly deps: { connectors: readonly ConnectorConfig[]; links: ConnectorLinkStore; users: ConnectorUserStore; logger: Logger },
  ) {}

  async list(userId: string): Promise<ConnectionList> {
    const links = await this.deps.links.listForUser(userId);
    const password = await this.hasPassword(userId);
    const label = (id: string) => this.deps.connectors.find((c) => c.id === id)?.label ?? id;
    return {
      linked: links.map((l) => ({ connectorId: l.connectorId, label: label(l.connectorId), createdAt: l.createdAt, canUnlink: password || links.length > 1 })),
      available: this.deps.connectors.filter((c) => !links.some((l) => l.connectorId === c.id)).map((c) => ({ connectorId: c.id, label: c.label })),
    };
  }

  /** Unlink, unless it is the account's last way to sign in (no password, no other link). */
  async unlink(userId: string, connectorId: string): Promise<'unlinked' | 'last_method' | 'not_linked'> {
    const links = await this.deps.links.listForUser(userId);
    if (!links.some((l) => l.connectorId === connectorId)) return 'not_linked';
    if (links.length === 1 && !(await this.hasPassword(userId))) return 'last_method';
    // Two unlinks racing in two tabs could each see the other link; accepted: both need the
    // signed-in user, and an account left without a method can still use password reset by mail.
    if (!(await this.deps.links.remove(userId, connectorId))) return 'not_linked';
    this.deps.logger.log('info', 'connector_unlinked', { connector: connectorId, user_id: userId });
    return 'unlinked';
  }

  /** Account deletion: every linked identity goes with the account. Returns how many. */
  async forgetUser(userId: string): Promise<number> {
    return this.deps.links.removeAllForUser(userId);
  }

  /**
   * Password reset for an account without a password: the provider(s) to sign in with instead
   * (their labels), or null when the account has a password (a normal reset).
   */
  async resetHint(userId: string): Promise<string[] | null> {
    if (await this.hasPassword(userId)) return null;
    const links = await this.deps.links.listForUser(userId);
    return links.map((l) => this.deps.connectors.find((c) => c.id === l.connectorId)?.label ?? l.connectorId);
  }

  private async hasPassword(userId: string): Promise<boolean> {
    const user = await this.deps.users.findById(userId);
    // A site directory's user (not in idbridge's table) always signs in with the site's password.
    return user === null || user.passwordHash !== null;
  }
}

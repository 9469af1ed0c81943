import type { Clock } from '../clock.js';
import { randomToken, sha256Base64Url } from '../util/bytes.js';
import type { BridgeSession, BridgeSessionStore } from './ports.js';

/**
 * Bridge sign-in sessions. The browser holds a random 256-bit id (inside a sealed cookie); the
 * database holds only its SHA-256, so a database leak does not hand out live sessions.
 */
export class BridgeSessions {
  constructor(
    private readonly store: BridgeSessionStore,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Start a new session after a password check. The previous session (if any) is destroyed:
   * rotating the id on every sign-in defeats session fixation.
   */
  async start(userId: string, amr: string[], previousToken: string | undefined): Promise<{ token: string; session: BridgeSession }> {
    if (previousToken) await this.end(previousToken);
    const now = this.clock.now();
    const token = randomToken(256);
    const session: BridgeSession = { userId, authTime: now, amr, expiresAt: now + this.ttlSeconds * 1000 };
    await this.store.create(await sha256Base64Url(token), session, now);
    return { token, session };
  }

  async resolve(token: string | undefined): Promise<BridgeSession | null> {
    if (!token) return null;
    return this.store.find(await sha256Base64Url(token), this.clock.now());
  }

  async end(token: string): Promise<void> {
    await this.store.delete(await sha256Base64Url(token));
  }

  /** End every session of a user (blocked, password changed, logout everywhere), but the one of `exceptToken`. */
  async endAllFor(userId: string, exceptToken?: string): Promise<void> {
    await this.store.deleteForUser(userId, exceptToken === undefined ? undefined : await sha256Base64Url(exceptToken));
  }
}

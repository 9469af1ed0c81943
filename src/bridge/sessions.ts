import type { Clock } from '../clock.js';
import { randomToken, sha256Base64Url } from '../util/bytes.js';
import type { BridgeSession, BridgeSessionStore } from './ports.js';

/** A session's last use is written at most this often (a write per sign-in would be wasted). */
const TOUCH_INTERVAL_MS = 5 * 60 * 1000;

/** A user's session as the account page shows it. `ref` names it in forms (never the id or its hash). */
export interface SessionSummary {
  ref: string;
  createdAt: number;
  authTime: number;
  lastUsedAt: number;
  device: string | null;
  /** The session of the browser asking. */
  current: boolean;
}

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
  async start(userId: string, amr: string[], previousToken: string | undefined, device?: string): Promise<{ token: string; session: BridgeSession }> {
    if (previousToken) await this.end(previousToken);
    const now = this.clock.now();
    const token = randomToken(256);
    const session: BridgeSession = { userId, authTime: now, amr, expiresAt: now + this.ttlSeconds * 1000, ...(device ? { device } : {}) };
    await this.store.create(await sha256Base64Url(token), session, now);
    return { token, session };
  }

  /** The live session behind `token`; a use is recorded (at most every few minutes). */
  async resolve(token: string | undefined): Promise<BridgeSession | null> {
    if (!token) return null;
    const idHash = await sha256Base64Url(token);
    const now = this.clock.now();
    const session = await this.store.find(idHash, now);
    if (session && now - (session.lastUsedAt ?? session.authTime) > TOUCH_INTERVAL_MS) await this.store.touch(idHash, now);
    return session;
  }

  /**
   * Record a coarse device description for the session behind `token` if it has none yet
   * (sessions started by a relying party's sign-in are described when their browser opens the
   * account page), and its use now.
   */
  async describe(token: string, device: string): Promise<void> {
    await this.store.touch(await sha256Base64Url(token), this.clock.now(), device);
  }

  /** The user's live sessions, newest first; `currentToken` marks the asking browser's. */
  async listFor(userId: string, currentToken: string | undefined): Promise<SessionSummary[]> {
    const current = currentToken ? await sha256Base64Url(currentToken) : undefined;
    const rows = await this.store.listForUser(userId, this.clock.now());
    return Promise.all(
      rows.map(async (row) => ({
        ref: await sessionRef(row.idHash),
        createdAt: row.createdAt,
        authTime: row.authTime,
        lastUsedAt: Math.max(row.lastUsedAt ?? row.createdAt, row.createdAt),
        device: row.device ?? null,
        current: row.idHash === current,
      })),
    );
  }

  /** End the user's session named `ref` (from {@link listFor}); false when there is none. */
  async endByRef(userId: string, ref: string): Promise<boolean> {
    for (const row of await this.store.listForUser(userId, this.clock.now())) {
      if ((await sessionRef(row.idHash)) === ref) return this.store.deleteOne(userId, row.idHash);
    }
    return false;
  }

  async end(token: string): Promise<void> {
    await this.store.delete(await sha256Base64Url(token));
  }

  /** End every session of a user (blocked, password changed, logout everywhere), but the one of `exceptToken`. */
  async endAllFor(userId: string, exceptToken?: string): Promise<void> {
    await this.store.deleteForUser(userId, exceptToken === undefined ? undefined : await sha256Base64Url(exceptToken));
  }
}

/**
 * A session's name in the account page's forms: derived from the stored hash, so the page never
 * shows the session id or the lookup key itself; only meaningful together with the user's id.
 */
async function sessionRef(idHash: string): Promise<string> {
  return (await sha256Base64Url(`session-ref|${idHash}`)).slice(0, 22);
}

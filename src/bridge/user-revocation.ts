import type { Clock } from '../clock.js';
import { IdbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { UserRevocation } from '../users/user-revocation.js';
import type { OutgoingFetch } from '../util/bounded-fetch.js';
import { signRevocation } from '../util/revocation-token.js';
import type { BridgeSessions } from './sessions.js';

/**
 * {@link UserRevocation} as the bridge runs it: its own sessions end here, then the identity
 * service's part (OP sessions, grants and tokens, consents) runs — in the same process
 * (all-in-one) or over {@link RemoteIdentityRevocation} (split).
 */
export class BridgeRevocation implements UserRevocation {
  constructor(
    private readonly sessions: BridgeSessions,
    private readonly identity: UserRevocation,
  ) {}

  /** `keepBridgeSession`: the session token (the cookie's value) of the browser doing it. */
  async revokeAll(userId: string, options: { keepBridgeSession?: string; consents?: boolean } = {}): Promise<void> {
    await this.sessions.endAllFor(userId, options.keepBridgeSession);
    await this.identity.revokeAll(userId, options.consents === undefined ? {} : { consents: options.consents });
  }
}

/**
 * The identity service's part in a split deployment: `POST /ows_revoke` at the identity service
 * (next to the PostBack URL), authenticated by an expiring MAC under the shared API key. A
 * failure throws: a reset must not report success while the user's tokens still work.
 */
export class RemoteIdentityRevocation implements UserRevocation {
  constructor(
    private readonly deps: { url: string; fetch: OutgoingFetch; apiKey: () => Promise<string>; clock: Clock; logger: Logger },
  ) {}

  async revokeAll(userId: string, options: { consents?: boolean } = {}): Promise<void> {
    const consents = options.consents === true;
    const body = new URLSearchParams({
      user_id: userId,
      consents: String(consents),
      token: await signRevocation(await this.deps.apiKey(), userId, consents, this.deps.clock.now()),
    });
    let status: number;
    try {
      const response = await this.deps.fetch(this.deps.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      status = response.status;
    } catch (error) {
      // Refused, reset, timed out: the same answer as a refusal, the reason in the log.
      this.deps.logger.log('error', 'revoke_failed', { user_id: userId, reason: error instanceof Error ? error.message : String(error) });
      throw incomplete();
    }
    if (status !== 200) {
      this.deps.logger.log('error', 'revoke_failed', { user_id: userId, status });
      throw incomplete();
    }
  }
}

function incomplete(): IdbridgeError {
  return new IdbridgeError(
    'server_error',
    'Your password was changed, but signing you out everywhere did not finish. Please ask for a new reset link to try again.',
    { status: 503 },
  );
}

import type { Clock } from '../clock.js';
import { IdbridgeError, invalidRequest } from '../errors.js';
import type { Logger } from '../log.js';
import type { UserRevocation } from '../users/user-revocation.js';
import { revocationMatches } from '../util/revocation-token.js';
import type { GrantStore, OpSessionStore } from './oidc/ports.js';
import type { ConsentStore } from './ports.js';

export interface IdentityRevocationDeps {
  opSessions: OpSessionStore;
  grants: GrantStore;
  consents: ConsentStore;
  clock: Clock;
  logger: Logger;
}

/**
 * The identity service's half of {@link UserRevocation}: its sessions (the `sid` of ID tokens)
 * end, every grant is revoked (refresh and access tokens die with their grant) and, on request,
 * remembered consents are forgotten. `userId` is the bridge's user id, which the identity service
 * knows as the postback's `username`. Bridge sessions are the bridge's (bridge/user-revocation.ts).
 */
export class IdentityRevocation implements UserRevocation {
  constructor(private readonly deps: IdentityRevocationDeps) {}

  async revokeAll(userId: string, options: { consents?: boolean } = {}): Promise<void> {
    const { opSessions, grants, consents, clock, logger } = this.deps;
    await opSessions.deleteForUser(userId);
    await grants.revokeGrantsForUser(userId, clock.now());
    if (options.consents) await consents.revokeAllFor(userId);
    logger.log('info', 'user_revoked', { user_id: userId, consents: options.consents === true });
  }
}

/** `POST /ows_revoke` (server to server): check the bridge's MAC (util/revocation-token.ts), then revoke. */
export async function receiveRevocation(
  form: Record<string, string[]>,
  deps: { apiKey: () => Promise<string | null>; revocation: IdentityRevocation; clock: Clock; logger: Logger },
): Promise<void> {
  const one = (name: string) => {
    const values = form[name];
    if (!values || values.length !== 1 || values[0]!.length > 512) throw invalidRequest(`${name} must be given once`);
    return values[0]!;
  };
  const userId = one('user_id');
  const consents = one('consents');
  if (consents !== 'true' && consents !== 'false') throw invalidRequest('consents must be true or false');
  const key = await deps.apiKey();
  if (!key || !(await revocationMatches(key, one('token'), userId, consents === 'true', deps.clock.now()))) {
    deps.logger.log('warn', 'revoke_unauthorized', {});
    throw new IdbridgeError('unauthorized', 'invalid revocation token');
  }
  await deps.revocation.revokeAll(userId, { consents: consents === 'true' });
}

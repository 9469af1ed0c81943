import { and, eq, isNotNull, lt, notExists, notLike, sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Database } from './database.js';
import {
  associations,
  authRequests,
  bridgeRequests,
  bridgeSessions,
  connectorFlows,
  consents,
  emailTokens,
  loginThrottle,
  oidcClients,
  oidcCodes,
  oidcGrants,
  oidcTokens,
  opSessions,
  signingKeys,
} from './schema.js';

/** Rows deleted per table by one {@link Housekeeping.run}. */
export type PurgeCounts = Record<
  | 'bridge_requests'
  | 'bridge_sessions'
  | 'connector_flows'
  | 'login_throttle'
  | 'auth_requests'
  | 'associations'
  | 'op_sessions'
  | 'oidc_codes'
  | 'oidc_tokens'
  | 'oidc_grants'
  | 'signing_keys'
  | 'consents'
  | 'email_tokens',
  number
>;

export interface HousekeepingOptions {
  db: Database;
  tenant: string;
  clock: Clock;
  /** The login throttle's window: a counter is dead once its window and lockout are both over. */
  throttleWindowSeconds: number;
  /** How long after expiry a row is kept (default one day). */
  graceMs?: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Deletes every row that can no longer be used: expired bridge and identity-service requests,
 * sessions, codes, tokens, associations (including private ones, which stand in for the
 * OpenID 2.0 response nonces), finished throttle counters, grants nothing hangs off any more,
 * signing keys past their publication date and remembered consents of deleted OIDC clients.
 *
 * Rows are kept `graceMs` past their expiry. Why: a late postback or a reloaded page then still
 * meets an "expired" row (410, "this sign-in has expired") rather than an unknown one, and log
 * lines of the last day can still be matched to rows. Expired rows are refused by every lookup
 * anyway, so the grace never extends what they are good for.
 *
 * Every statement is one DELETE (no transaction: D1 has none), each safe to repeat; running two
 * at once only splits the counts. The same code runs on Node (an interval) and on Workers (a cron
 * trigger).
 */
export class Housekeeping {
  constructor(private readonly options: HousekeepingOptions) {}

  /** Purge once; returns the rows deleted per table (the caller logs them). */
  async purge(): Promise<PurgeCounts> {
    const { db, tenant, clock } = this.options;
    const before = clock.now() - (this.options.graceMs ?? DAY_MS);
    const windowMs = this.options.throttleWindowSeconds * 1000;
    const count = async (query: Promise<unknown[]>) => (await query).length;

    const counts: PurgeCounts = {
      bridge_requests: await count(
        db.delete(bridgeRequests).where(and(eq(bridgeRequests.tenant, tenant), lt(bridgeRequests.expiresAt, before))).returning({ k: bridgeRequests.requestId }),
      ),
      bridge_sessions: await count(
        db.delete(bridgeSessions).where(and(eq(bridgeSessions.tenant, tenant), lt(bridgeSessions.expiresAt, before))).returning({ k: bridgeSessions.idHash }),
      ),
      // Upstream round trips (state, PKCE verifier) and link proofs left unused.
      connector_flows: await count(
        db.delete(connectorFlows).where(and(eq(connectorFlows.tenant, tenant), lt(connectorFlows.expiresAt, before))).returning({ k: connectorFlows.idHash }),
      ),
      // A counter matters while its failures still count (window) or while it locks (lockout).
      login_throttle: await count(
        db
          .delete(loginThrottle)
          .where(and(eq(loginThrottle.tenant, tenant), lt(loginThrottle.windowStart, before - windowMs), lt(loginThrottle.lockedUntil, before)))
          .returning({ k: loginThrottle.key }),
      ),
      auth_requests: await count(
        db.delete(authRequests).where(and(eq(authRequests.tenant, tenant), lt(authRequests.expiresAt, before))).returning({ k: authRequests.requestId }),
      ),
      associations: await count(
        db.delete(associations).where(and(eq(associations.tenant, tenant), lt(associations.expiresAt, before))).returning({ k: associations.handle }),
      ),
      op_sessions: await count(
        db.delete(opSessions).where(and(eq(opSessions.tenant, tenant), lt(opSessions.expiresAt, before))).returning({ k: opSessions.idHash }),
      ),
      oidc_codes: await count(
        db.delete(oidcCodes).where(and(eq(oidcCodes.tenant, tenant), lt(oidcCodes.expiresAt, before))).returning({ k: oidcCodes.codeHash }),
      ),
      oidc_tokens: await count(
        db.delete(oidcTokens).where(and(eq(oidcTokens.tenant, tenant), lt(oidcTokens.expiresAt, before))).returning({ k: oidcTokens.tokenHash }),
      ),
      // After codes and tokens: a grant is dead once no code or token refers to it. Only grants
      // older than the grace, so one being issued right now (grant first, then its code) stays.
      oidc_grants: await count(
        db
          .delete(oidcGrants)
          .where(
            and(
              eq(oidcGrants.tenant, tenant),
              lt(oidcGrants.createdAt, before),
              notExists(db.select({ x: sql`1` }).from(oidcCodes).where(and(eq(oidcCodes.tenant, oidcGrants.tenant), eq(oidcCodes.grantId, oidcGrants.grantId)))),
              notExists(db.select({ x: sql`1` }).from(oidcTokens).where(and(eq(oidcTokens.tenant, oidcGrants.tenant), eq(oidcTokens.grantId, oidcGrants.grantId)))),
            ),
          )
          .returning({ k: oidcGrants.grantId }),
      ),
      // Retired keys leave the JWKS at publishUntil, when every token they signed has expired.
      signing_keys: await count(
        db
          .delete(signingKeys)
          .where(and(eq(signingKeys.tenant, tenant), isNotNull(signingKeys.retiredAt), lt(signingKeys.publishUntil, before)))
          .returning({ k: signingKeys.kid }),
      ),
      // Consent audiences are OIDC client ids or OpenID 2.0 realms (URLs, never deleted: a realm
      // has no registration). A client's consents go when the client does.
      consents: await count(
        db
          .delete(consents)
          .where(
            and(
              eq(consents.tenant, tenant),
              notLike(consents.audience, '%://%'),
              notExists(db.select({ x: sql`1` }).from(oidcClients).where(and(eq(oidcClients.tenant, consents.tenant), eq(oidcClients.clientId, consents.audience)))),
            ),
          )
          .returning({ k: consents.audience }),
      ),
      // Mailed links: dead once expired (used ones too: their expiry still bounds them).
      email_tokens: await count(
        db.delete(emailTokens).where(and(eq(emailTokens.tenant, tenant), lt(emailTokens.expiresAt, before))).returning({ k: emailTokens.tokenHash }),
      ),
    };
    return counts;
  }
}

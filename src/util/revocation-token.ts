import { signExpiringMac, verifyExpiringMac } from './expiring-mac.js';

/**
 * The bridge → identity service revocation call of a split deployment (`POST /ows_revoke`): an
 * expiring MAC under the shared API key over [user id, consents flag], so the key itself never
 * travels and a captured call is useless after a minute (replaying it within that minute only
 * revokes the same user again). Shared by both halves, like the probe (bridge-probe.ts).
 */
const PURPOSE = 'revoke-user';
const TTL_SECONDS = 60;

export function signRevocation(apiKey: string, userId: string, consents: boolean, now: number): Promise<string> {
  return signExpiringMac(apiKey, PURPOSE, [userId, String(consents)], now, TTL_SECONDS);
}

export function revocationMatches(apiKey: string, token: string, userId: string, consents: boolean, now: number): Promise<boolean> {
  return verifyExpiringMac(apiKey, PURPOSE, token, [userId, String(consents)], now, TTL_SECONDS);
}

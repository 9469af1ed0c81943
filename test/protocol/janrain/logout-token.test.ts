/** The bridge logout token: bound to the user, the continue URL and a short expiry; MAC-checked. */
import { describe, expect, it } from 'vitest';
import { LOGOUT_TOKEN_TTL_SECONDS, signLogoutToken, verifyLogoutToken } from '../../../src/protocol/janrain/logout-token.js';

const KEY = 'k'.repeat(32);
const NOW = 1_700_000_000_000;
const claims = { userId: 'u_alice', continueUrl: 'https://id.example.com/logout/done' };

describe('bridge logout token', () => {
  it('verifies for exactly the claims it was signed for, until it expires', async () => {
    const token = await signLogoutToken(KEY, claims, NOW);
    expect(token).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(await verifyLogoutToken(KEY, token, claims, NOW)).toBe(true);
    expect(await verifyLogoutToken(KEY, token, claims, NOW + (LOGOUT_TOKEN_TTL_SECONDS - 1) * 1000)).toBe(true);
    expect(await verifyLogoutToken(KEY, token, claims, NOW + LOGOUT_TOKEN_TTL_SECONDS * 1000)).toBe(false);
  });

  it('refuses another user, another continue URL, another key', async () => {
    const token = await signLogoutToken(KEY, claims, NOW);
    expect(await verifyLogoutToken(KEY, token, { ...claims, userId: 'u_bob' }, NOW)).toBe(false);
    expect(await verifyLogoutToken(KEY, token, { ...claims, continueUrl: 'https://id.example.com/logout/done?x=1' }, NOW)).toBe(false);
    expect(await verifyLogoutToken('x'.repeat(32), token, claims, NOW)).toBe(false);
    // No ambiguity between user id and URL boundaries.
    const shifted = await signLogoutToken(KEY, { userId: 'u_alice|https:', continueUrl: '//id.example.com/logout/done' }, NOW);
    expect(await verifyLogoutToken(KEY, shifted, claims, NOW)).toBe(false);
  });

  it('refuses tampered, malformed and far-future tokens', async () => {
    const token = await signLogoutToken(KEY, claims, NOW);
    const [v, exp, mac] = token.split('.') as [string, string, string];
    for (const bad of [
      undefined,
      '',
      'v1',
      `v2.${exp}.${mac}`,
      `${v}.${Number(exp) + 1}.${mac}`,
      `${v}.${exp}.${mac.slice(0, -2)}AA`,
      `${v}.${exp}.${mac}.x`,
      `${v}.-1.${mac}`,
      `${v}.${exp}.!!!`,
      'v1.1.' + 'A'.repeat(200),
    ]) {
      expect(await verifyLogoutToken(KEY, bad, claims, NOW)).toBe(false);
    }
    // A token signed with a long lifetime (not by us) is not accepted either.
    const long = await signLogoutToken(KEY, claims, NOW, 3600);
    expect(await verifyLogoutToken(KEY, long, claims, NOW)).toBe(false);
  });
});

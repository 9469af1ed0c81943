/** Expiring MACs (the bridge logout token): bound to purpose, claims and a short expiry; MAC-checked. */
import { describe, expect, it } from 'vitest';
import { signExpiringMac, verifyExpiringMac } from '../../src/util/expiring-mac.js';

const KEY = 'k'.repeat(32);
const NOW = 1_700_000_000_000;
const TTL = 120;
const claims = ['u_alice', 'https://id.example.com/logout/done'];
const verify = (token: string | undefined, c: readonly string[] = claims, now = NOW, key = KEY, purpose = 'bridge-logout') =>
  verifyExpiringMac(key, purpose, token, c, now, TTL);

describe('expiring MAC tokens', () => {
  it('verify for exactly the claims they were signed for, until they expire', async () => {
    const token = await signExpiringMac(KEY, 'bridge-logout', claims, NOW, TTL);
    expect(token).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(await verify(token)).toBe(true);
    expect(await verify(token, claims, NOW + (TTL - 1) * 1000)).toBe(true);
    expect(await verify(token, claims, NOW + TTL * 1000)).toBe(false);
  });

  it('refuse other claims, another key, another purpose', async () => {
    const token = await signExpiringMac(KEY, 'bridge-logout', claims, NOW, TTL);
    expect(await verify(token, ['u_bob', claims[1]!])).toBe(false);
    expect(await verify(token, [claims[0]!, `${claims[1]}?x=1`])).toBe(false);
    expect(await verify(token, [claims[0]!])).toBe(false);
    expect(await verify(token, claims, NOW, 'x'.repeat(32))).toBe(false);
    expect(await verify(token, claims, NOW, KEY, 'other-purpose')).toBe(false);
    // No ambiguity at claim boundaries.
    const shifted = await signExpiringMac(KEY, 'bridge-logout', ['u_alice|https:', '//id.example.com/logout/done'], NOW, TTL);
    expect(await verify(shifted)).toBe(false);
  });

  it('refuse tampered, malformed and far-future tokens', async () => {
    const token = await signExpiringMac(KEY, 'bridge-logout', claims, NOW, TTL);
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
      expect(await verify(bad)).toBe(false);
    }
    // A token claiming a long lifetime (not one we would sign) is not accepted either.
    expect(await verify(await signExpiringMac(KEY, 'bridge-logout', claims, NOW, 3600))).toBe(false);
  });
});

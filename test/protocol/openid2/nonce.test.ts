import { describe, expect, it } from 'vitest';
import { generateNonce, isNonceFresh, parseNonce } from '../../../src/protocol/openid2/nonce.js';

const NOW = Date.UTC(2024, 1, 29, 23, 59, 58, 750);

describe('response_nonce', () => {
  it('is a UTC second-precision timestamp plus a printable suffix, at most 255 characters', () => {
    const nonce = generateNonce(NOW);
    expect(nonce).toMatch(/^2024-02-29T23:59:58Z[\x21-\x7e]{16,}$/);
    expect(nonce.length).toBeLessThanOrEqual(255);
    expect(parseNonce(nonce)?.timestamp).toBe(Date.UTC(2024, 1, 29, 23, 59, 58));
    // The format node `openid` reads: everything up to the first Z is a Date.parse-able time.
    expect(Date.parse(nonce.slice(0, nonce.indexOf('Z') + 1))).toBe(Date.UTC(2024, 1, 29, 23, 59, 58));
  });

  it('is unique within one second', () => {
    const nonces = new Set(Array.from({ length: 1000 }, () => generateNonce(NOW)));
    expect(nonces.size).toBe(1000);
  });

  it('parses the nonces of others and refuses malformed ones', () => {
    expect(parseNonce('2005-05-15T17:11:51ZUNIQUE')).toEqual({ timestamp: Date.UTC(2005, 4, 15, 17, 11, 51), suffix: 'UNIQUE' });
    expect(parseNonce('2005-05-15T17:11:51Z')?.suffix).toBe('');
    for (const bad of [
      '',
      '2005-05-15 17:11:51Z',
      '2005-05-15T17:11:51',
      '2005-05-15T17:11:51.123Z',
      '2005-05-15T17:11:51+01:00',
      '2005-02-30T00:00:00Z',
      '2005-13-01T00:00:00Z',
      '2005-05-15T24:00:00Z',
      '2005-05-15T17:60:00Z',
      '2005-05-15T17:11:51Z has space',
      `2005-05-15T17:11:51Z${'x'.repeat(300)}`,
    ]) {
      expect(parseNonce(bad), bad).toBeNull();
    }
  });

  it('checks age and future skew', () => {
    const window = { maxAgeMs: 5 * 60_000, maxFutureMs: 60_000 };
    expect(isNonceFresh(generateNonce(NOW), NOW, window)).toBe(true);
    expect(isNonceFresh(generateNonce(NOW - 4 * 60_000), NOW, window)).toBe(true);
    // Timestamps are floored to the second: 5 min ago at .750 s is 5 min 0.75 s old.
    expect(isNonceFresh(generateNonce(NOW - 5 * 60_000), NOW, window)).toBe(false);
    expect(isNonceFresh(generateNonce(NOW - 6 * 60_000), NOW, window)).toBe(false);
    expect(isNonceFresh(generateNonce(NOW + 30_000), NOW, window)).toBe(true);
    expect(isNonceFresh(generateNonce(NOW + 120_000), NOW, window)).toBe(false);
    expect(isNonceFresh('garbage', NOW, window)).toBe(false);
  });
});

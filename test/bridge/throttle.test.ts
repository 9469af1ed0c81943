import { describe, expect, it } from 'vitest';
import type { ThrottleConfig } from '../../src/config.js';
import { lockDurationMs, retryAfterSeconds, windowStartsAfter } from '../../src/bridge/throttle.js';

const policy: ThrottleConfig = {
  accountFreeFailures: 5,
  ipFreeFailures: 20,
  baseLockSeconds: 30,
  maxLockSeconds: 900,
  windowSeconds: 3600,
  ipConcurrency: 8,
  ipQueue: 64,
  queueWaitMs: 10_000,
  lockedIpDelayMs: 3000,
};
const NOW = 1_700_000_000_000;

describe('lockDurationMs', () => {
  it('does not lock below the free count', () => {
    for (let failures = 0; failures < 5; failures++) expect(lockDurationMs(failures, 5, policy)).toBe(0);
    for (let failures = 0; failures < 20; failures++) expect(lockDurationMs(failures, 20, policy)).toBe(0);
  });

  it('locks for the base duration at the free count', () => {
    expect(lockDurationMs(5, 5, policy)).toBe(30_000);
    expect(lockDurationMs(20, 20, policy)).toBe(30_000);
  });

  it('doubles with each further failure', () => {
    expect(lockDurationMs(6, 5, policy)).toBe(60_000);
    expect(lockDurationMs(7, 5, policy)).toBe(120_000);
    expect(lockDurationMs(8, 5, policy)).toBe(240_000);
    expect(lockDurationMs(9, 5, policy)).toBe(480_000);
  });

  it('is capped at maxLockSeconds', () => {
    expect(lockDurationMs(10, 5, policy)).toBe(900_000);
    expect(lockDurationMs(11, 5, policy)).toBe(900_000);
    expect(lockDurationMs(50, 5, policy)).toBe(900_000);
  });

  it('stays finite and capped for huge failure counts', () => {
    const wide: ThrottleConfig = { ...policy, baseLockSeconds: 3600, maxLockSeconds: 86_400 };
    for (const failures of [35, 1_000, 1e9, Number.MAX_SAFE_INTEGER]) {
      const lock = lockDurationMs(failures, 5, wide);
      expect(Number.isFinite(lock)).toBe(true);
      expect(lock).toBe(86_400_000);
      expect(lockDurationMs(failures, 5, policy)).toBe(900_000);
    }
  });

  it('works with a free count of 1', () => {
    expect(lockDurationMs(0, 1, policy)).toBe(0);
    expect(lockDurationMs(1, 1, policy)).toBe(30_000);
    expect(lockDurationMs(2, 1, policy)).toBe(60_000);
  });
});

describe('retryAfterSeconds', () => {
  const counter = (lockedUntil: number) => ({ failures: 7, windowStart: NOW - 1_000, lockedUntil });

  it('is 0 without a counter', () => {
    expect(retryAfterSeconds(null, NOW)).toBe(0);
  });

  it('is 0 when the lock has lapsed or was never set', () => {
    expect(retryAfterSeconds(counter(0), NOW)).toBe(0);
    expect(retryAfterSeconds(counter(NOW - 1), NOW)).toBe(0);
    expect(retryAfterSeconds(counter(NOW), NOW)).toBe(0);
  });

  it('rounds the remaining lock up to whole seconds', () => {
    expect(retryAfterSeconds(counter(NOW + 1), NOW)).toBe(1);
    expect(retryAfterSeconds(counter(NOW + 999), NOW)).toBe(1);
    expect(retryAfterSeconds(counter(NOW + 1_000), NOW)).toBe(1);
    expect(retryAfterSeconds(counter(NOW + 1_001), NOW)).toBe(2);
    expect(retryAfterSeconds(counter(NOW + 30_000), NOW)).toBe(30);
  });
});

describe('windowStartsAfter', () => {
  it('is windowSeconds before now', () => {
    expect(windowStartsAfter(NOW, policy)).toBe(NOW - 3_600_000);
    expect(windowStartsAfter(NOW, { ...policy, windowSeconds: 60 })).toBe(NOW - 60_000);
  });
});

import { describe, expect, it } from 'vitest';
import type { PostbackRetryConfig } from '../../src/config.js';
import {
  backoffDelay,
  isRetryable,
  nextStep,
  parseRetryAfter,
  type AttemptOutcome,
} from '../../src/util/retry-policy.js';

const policy: PostbackRetryConfig = {
  maxAttempts: 4,
  deadlineMs: 10_000,
  attemptTimeoutMs: 5_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
};

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
/** The largest double below 1: what Math.random() can return at most. */
const ALMOST_ONE = 1 - Number.EPSILON / 2;

const response = (status: number, retryAfter: string | null = null): AttemptOutcome => ({
  kind: 'response',
  status,
  retryAfter,
});
const fixed = (value: number) => () => value;

describe('isRetryable', () => {
  it('retries transport failures and timeouts', () => {
    expect(isRetryable({ kind: 'network_error', cause: 'refused' })).toBe(true);
    expect(isRetryable({ kind: 'timeout' })).toBe(true);
  });

  it.each([500, 502, 503, 504])('retries server error %i', (status) => {
    expect(isRetryable(response(status))).toBe(true);
  });

  it.each([408, 429])('retries %i (request timeout / too many requests)', (status) => {
    expect(isRetryable(response(status))).toBe(true);
  });

  it.each([400, 401, 403, 404, 409, 410, 422])('does not retry permanent client error %i', (status) => {
    expect(isRetryable(response(status))).toBe(false);
  });

  it.each([300, 301, 302, 303, 304, 307, 308])('does not retry redirect %i', (status) => {
    expect(isRetryable(response(status))).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('parses delay-seconds into milliseconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1', NOW)).toBe(1_000);
  });

  it('tolerates surrounding whitespace around delay-seconds', () => {
    expect(parseRetryAfter('  5 ', NOW)).toBe(5_000);
  });

  it('parses an HTTP-date in the future as the time remaining until it', () => {
    const date = new Date(NOW + 30_000).toUTCString(); // IMF-fixdate, e.g. "Wed, 15 Jan 2025 12:00:30 GMT"
    expect(parseRetryAfter(date, NOW)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60_000);
  });

  it('clamps an HTTP-date in the past to 0', () => {
    expect(parseRetryAfter(new Date(NOW - 60_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
  });

  it.each(['soon', 'abc', '120s', '5 minutes', '12abc', '1e3', '0x10'])('returns undefined for garbage %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('returns undefined for null, empty and blank values', () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('   ', NOW)).toBeUndefined();
  });

  // RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds, delay-seconds = 1*DIGIT. Fractions and
  // signs are neither; the function promises `undefined` for malformed values.
  it.each(['1.5', '-1', '+5'])('returns undefined for the non-RFC numeric form %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('is 0 when random() returns 0, whatever the attempt', () => {
    for (const attempt of [1, 2, 3, 5, 10]) expect(backoffDelay(attempt, policy, fixed(0))).toBe(0);
  });

  it('stays just below the exponential cap when random() approaches 1', () => {
    expect(backoffDelay(1, policy, fixed(ALMOST_ONE))).toBe(249);
    expect(backoffDelay(2, policy, fixed(ALMOST_ONE))).toBe(499);
    expect(backoffDelay(3, policy, fixed(ALMOST_ONE))).toBe(999);
    expect(backoffDelay(4, policy, fixed(ALMOST_ONE))).toBe(1_999);
    expect(backoffDelay(5, policy, fixed(ALMOST_ONE))).toBe(3_999);
  });

  it('never exceeds maxDelayMs however many attempts were made', () => {
    for (const attempt of [6, 10, 30, 100, 1000]) {
      const delay = backoffDelay(attempt, policy, fixed(ALMOST_ONE));
      expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
      expect(delay).toBe(3_999);
    }
  });

  it('draws uniformly within [0, cap) (full jitter)', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt, policy, Math.random);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(cap);
      }
    }
    expect(backoffDelay(1, policy, fixed(0.5))).toBe(125);
    expect(backoffDelay(3, policy, fixed(0.5))).toBe(500);
  });

  it('uses Retry-After as a floor', () => {
    expect(backoffDelay(1, policy, fixed(0), 3_000)).toBe(3_000);
    // A Retry-After beyond maxDelayMs is honoured: the server said not before then.
    expect(backoffDelay(1, policy, fixed(ALMOST_ONE), 10_000)).toBe(10_000);
  });

  it('keeps the jittered delay when it is longer than Retry-After', () => {
    expect(backoffDelay(3, policy, fixed(0.5), 100)).toBe(500);
    expect(backoffDelay(1, policy, fixed(0.5), 0)).toBe(125);
  });
});

describe('nextStep', () => {
  it.each([200, 201, 204, 299])('is done on success %i', (status) => {
    expect(nextStep(response(status), 1, 0, policy, fixed(0.5), NOW)).toEqual({ action: 'done' });
  });

  it('is done on success even on the last attempt and past the deadline', () => {
    expect(nextStep(response(200), policy.maxAttempts, policy.deadlineMs + 1, policy, fixed(0.5), NOW)).toEqual({
      action: 'done',
    });
  });

  it.each([301, 302, 400, 401, 404, 409, 410])('gives up for good on %i', (status) => {
    expect(nextStep(response(status), 1, 0, policy, fixed(0.5), NOW)).toEqual({ action: 'give_up', reason: 'permanent' });
  });

  it('retries a retryable failure with the backoff delay', () => {
    expect(nextStep({ kind: 'network_error', cause: 'refused' }, 1, 0, policy, fixed(0.5), NOW)).toEqual({ action: 'retry', delayMs: 125 });
    expect(nextStep({ kind: 'timeout' }, 2, 1_000, policy, fixed(0.5), NOW)).toEqual({ action: 'retry', delayMs: 250 });
    expect(nextStep(response(503), 3, 2_000, policy, fixed(0.5), NOW)).toEqual({ action: 'retry', delayMs: 500 });
  });

  it('gives up when the attempts are exhausted', () => {
    expect(nextStep(response(503), policy.maxAttempts, 0, policy, fixed(0), NOW)).toEqual({
      action: 'give_up',
      reason: 'attempts',
    });
    expect(nextStep({ kind: 'network_error', cause: 'refused' }, policy.maxAttempts + 1, 0, policy, fixed(0), NOW)).toEqual({
      action: 'give_up',
      reason: 'attempts',
    });
    // One attempt before the limit still retries.
    expect(nextStep(response(503), policy.maxAttempts - 1, 0, policy, fixed(0), NOW).action).toBe('retry');
  });

  it('gives up instead of sleeping past the deadline', () => {
    // attempt 1 with random≈1 waits 249 ms; 9_900 + 249 > 10_000.
    expect(nextStep({ kind: 'timeout' }, 1, 9_900, policy, fixed(ALMOST_ONE), NOW)).toEqual({
      action: 'give_up',
      reason: 'deadline',
    });
    // The same wait still fits when less time has passed.
    expect(nextStep({ kind: 'timeout' }, 1, 9_700, policy, fixed(ALMOST_ONE), NOW)).toEqual({
      action: 'retry',
      delayMs: 249,
    });
  });

  it('gives up when the wait would end exactly at the deadline', () => {
    expect(nextStep({ kind: 'network_error', cause: 'refused' }, 1, policy.deadlineMs - 125, policy, fixed(0.5), NOW)).toEqual({
      action: 'give_up',
      reason: 'deadline',
    });
  });

  it('gives up when Retry-After is longer than the remaining deadline', () => {
    expect(nextStep(response(503, '30'), 1, 0, policy, fixed(0), NOW)).toEqual({ action: 'give_up', reason: 'deadline' });
    expect(nextStep(response(429, '5'), 1, 6_000, policy, fixed(0), NOW)).toEqual({ action: 'give_up', reason: 'deadline' });
    const date = new Date(NOW + 60_000).toUTCString();
    expect(nextStep(response(503, date), 1, 0, policy, fixed(0), NOW)).toEqual({ action: 'give_up', reason: 'deadline' });
  });

  it('waits at least Retry-After when it fits in the deadline', () => {
    expect(nextStep(response(429, '2'), 1, 0, policy, fixed(0), NOW)).toEqual({ action: 'retry', delayMs: 2_000 });
    const date = new Date(NOW + 3_000).toUTCString();
    expect(nextStep(response(503, date), 1, 1_000, policy, fixed(0), NOW)).toEqual({ action: 'retry', delayMs: 3_000 });
  });

  it('ignores a malformed Retry-After and falls back to the backoff', () => {
    expect(nextStep(response(503, 'soon'), 1, 0, policy, fixed(0.5), NOW)).toEqual({ action: 'retry', delayMs: 125 });
  });
});

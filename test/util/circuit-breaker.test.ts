import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../../src/util/circuit-breaker.js';
import { TestClock } from '../helpers/clock.js';

/** The test clock without real time passing: the tests below count single milliseconds. */
class FrozenClock extends TestClock {
  override now(): number {
    return 1_767_225_600_000 + this.offset;
  }
}

function breaker(failures = 3, resetMs = 10_000) {
  const clock = new FrozenClock();
  const changes: string[] = [];
  const b = new CircuitBreaker(clock, { failures, resetMs, onStateChange: (to: CircuitState, from: CircuitState) => changes.push(`${from}→${to}`) });
  return { b, clock, changes };
}

describe('CircuitBreaker', () => {
  it('stays closed below the failure threshold, and a success resets the count', () => {
    const { b } = breaker(3);
    b.recordFailure();
    b.recordFailure();
    b.recordSuccess();
    b.recordFailure();
    b.recordFailure();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('opens after N consecutive failures and refuses calls until the reset time', () => {
    const { b, clock, changes } = breaker(3, 10_000);
    for (let i = 0; i < 3; i++) b.recordFailure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    clock.advance(9_999);
    expect(b.tryAcquire()).toBe(false);
    expect(changes).toEqual(['closed→open']);
  });

  it('lets exactly one probe through after the reset time; its success closes the circuit', () => {
    const { b, clock, changes } = breaker(2, 10_000);
    b.recordFailure();
    b.recordFailure();
    clock.advance(10_000);
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // the probe is out: others still fail fast
    b.recordSuccess();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    expect(changes).toEqual(['closed→open', 'open→half_open', 'half_open→closed']);
  });

  it("opens again for a full reset time when the probe fails", () => {
    const { b, clock } = breaker(2, 10_000);
    b.recordFailure();
    b.recordFailure();
    clock.advance(10_000);
    expect(b.tryAcquire()).toBe(true);
    b.recordFailure();
    expect(b.state).toBe('open');
    clock.advance(9_000);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1_000);
    expect(b.tryAcquire()).toBe(true);
  });

  it('replaces a probe that never reported back after another reset time', () => {
    const { b, clock } = breaker(1, 5_000);
    b.recordFailure();
    clock.advance(5_000);
    expect(b.tryAcquire()).toBe(true); // this probe is lost
    clock.advance(4_999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.tryAcquire()).toBe(true);
  });

  it('refuses nonsense options', () => {
    const clock = new TestClock();
    expect(() => new CircuitBreaker(clock, { failures: 0, resetMs: 1 })).toThrow(RangeError);
    expect(() => new CircuitBreaker(clock, { failures: 1, resetMs: 0 })).toThrow(RangeError);
  });
});

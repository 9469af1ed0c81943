/** LoginThrottle: bounded concurrent password checks per account and per IP (parallel bursts). */
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../src/bridge/login-throttle.js';
import type { ThrottleCounter, ThrottleStore } from '../../src/bridge/ports.js';
import { testConfig } from '../helpers/config.js';
import { TestClock } from '../helpers/clock.js';

class MemoryThrottleStore implements ThrottleStore {
  readonly rows = new Map<string, ThrottleCounter>();
  async get(key: string) {
    return this.rows.get(key) ?? null;
  }
  async increment(key: string, now: number, windowStartsAfter: number) {
    const row = this.rows.get(key);
    const next = !row || row.windowStart <= windowStartsAfter ? { failures: 1, windowStart: now, lockedUntil: row?.lockedUntil ?? 0 } : { ...row, failures: row.failures + 1 };
    this.rows.set(key, next);
    return next;
  }
  async lockUntil(key: string, lockedUntil: number) {
    const row = this.rows.get(key)!;
    row.lockedUntil = Math.max(row.lockedUntil, lockedUntil);
  }
  async reset(key: string) {
    this.rows.delete(key);
  }
}

function throttle() {
  return new LoginThrottle(new MemoryThrottleStore(), testConfig().bridge.throttle, new TestClock());
}

describe('LoginThrottle.exclusive', () => {
  it('lets at most two checks of one account run at once; the rest are refused, not queued', async () => {
    const t = throttle();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = [t.exclusive('bob', '10.0.0.1', () => gate.then(() => 'a')), t.exclusive('bob', '10.0.0.2', () => gate.then(() => 'b'))];
    expect(await t.exclusive('BOB ', '10.0.0.3', async () => 'c')).toBeUndefined(); // same account, normalised
    expect(await t.exclusive('carol', '10.0.0.4', async () => 'd')).toBe('d'); // other accounts unaffected
    release();
    expect(await Promise.all(running)).toEqual(['a', 'b']);
    expect(await t.exclusive('bob', '10.0.0.1', async () => 'e')).toBe('e'); // slots are released
  });

  it('lets at most eight checks from one IP run at once', async () => {
    const t = throttle();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = Array.from({ length: 8 }, (_, i) => t.exclusive(`user${i}`, '10.9.9.9', () => gate.then(() => i)));
    expect(await t.exclusive('user99', '10.9.9.9', async () => 99)).toBeUndefined();
    release();
    expect((await Promise.all(running)).length).toBe(8);
  });

  it('releases the slot when the check throws', async () => {
    const t = throttle();
    await expect(t.exclusive('dave', '10.0.0.1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(t.exclusive('dave', '10.0.0.1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await t.exclusive('dave', '10.0.0.1', async () => 'ok')).toBe('ok');
  });
});

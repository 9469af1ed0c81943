import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../src/util/ttl-cache.js';
import { TestClock } from '../helpers/clock.js';

describe('TtlCache', () => {
  it('serves an entry until its TTL has passed on the injected clock', () => {
    const clock = new TestClock();
    const cache = new TtlCache<string, number>(clock, { ttlMs: 1000, maxEntries: 10 });
    cache.set('a', 1);
    clock.advance(999);
    expect(cache.get('a')).toBe(1);
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0); // dropped when read expired
  });

  it('honours a per-entry TTL shorter or longer than the default', () => {
    const clock = new TestClock();
    const cache = new TtlCache<string, string>(clock, { ttlMs: 1000, maxEntries: 10 });
    cache.set('short', 's', 10);
    cache.set('long', 'l', 5000);
    clock.advance(10);
    expect(cache.get('short')).toBeUndefined();
    clock.advance(4000);
    expect(cache.get('long')).toBe('l');
  });

  it('keeps at most maxEntries, evicting the oldest first; a re-set entry becomes the youngest', () => {
    const clock = new TestClock();
    const cache = new TtlCache<string, number>(clock, { ttlMs: 60_000, maxEntries: 3 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    cache.set('a', 10); // a is now the youngest
    cache.set('d', 4); // evicts b
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([10, 3, 4]);
  });

  it('delete and clear forget entries', () => {
    const cache = new TtlCache<string, number>(new TestClock(), { ttlMs: 1000, maxEntries: 10 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('load shares one pending load, reloads after expiry, and forgets a rejected load', async () => {
    const clock = new TestClock();
    const cache = new TtlCache<string, Promise<number>>(clock, { ttlMs: 1000, maxEntries: 10 });
    let calls = 0;
    const load = () => Promise.resolve(++calls);
    const [x, y] = [cache.load('k', load), cache.load('k', load)];
    expect(x).toBe(y);
    expect(await x).toBe(1);
    clock.advance(1000);
    expect(await cache.load('k', load)).toBe(2);

    const failing = cache.load('f', () => Promise.reject(new Error('down')));
    await expect(failing).rejects.toThrow('down');
    expect(await cache.load('f', load)).toBe(3); // retried, not the cached failure
  });

  it('a rejected load does not drop a newer entry set meanwhile', async () => {
    const cache = new TtlCache<string, Promise<number>>(new TestClock(), { ttlMs: 1000, maxEntries: 10 });
    let fail!: (e: Error) => void;
    const first = cache.load('k', () => new Promise<number>((_, reject) => (fail = reject)));
    const newer = Promise.resolve(7);
    cache.set('k', newer);
    fail(new Error('late'));
    await expect(first).rejects.toThrow('late');
    expect(cache.get('k')).toBe(newer);
  });

  it('refuses a bound that would not cache or not bound anything', () => {
    const clock = new TestClock();
    expect(() => new TtlCache(clock, { ttlMs: 0, maxEntries: 1 })).toThrow(/ttlMs > 0/);
    expect(() => new TtlCache(clock, { ttlMs: 1000, maxEntries: 0 })).toThrow(/maxEntries ≥ 1/);
    expect(() => new TtlCache(clock, { ttlMs: 1000, maxEntries: Number.POSITIVE_INFINITY })).toThrow(/maxEntries/);
  });
});

describe('TtlCache with dataVersion', () => {
  it('drops every entry when the data version changes, and only then', () => {
    const clock = new TestClock();
    let version = 1;
    const cache = new TtlCache<string, number>(clock, { ttlMs: 30_000, maxEntries: 10, dataVersion: () => version });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    version = 2; // another process committed
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('a', 3);
    expect(cache.get('a')).toBe(3);
  });
});

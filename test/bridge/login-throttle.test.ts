/**
 * LoginThrottle: HMAC keys, per-/64 counting, bounded queues instead of refusals, device cookies
 * (OWASP) against lockout denial of service, and the IP lock that slows instead of refusing.
 */
import { describe, expect, it } from 'vitest';
import { LoginThrottle, parseDeviceEntries, type DeviceEntry } from '../../src/bridge/login-throttle.js';
import type { ThrottleCounter, ThrottleStore } from '../../src/bridge/ports.js';
import type { Clock } from '../../src/clock.js';
import { sha256Base64Url, utf8 } from '../../src/util/bytes.js';
import { testConfig } from '../helpers/config.js';

class MemoryThrottleStore implements ThrottleStore {
  readonly rows = new Map<string, ThrottleCounter>();
  async get(key: string) {
    return this.rows.get(key) ?? null;
  }
  async getMany(keys: readonly string[]) {
    return keys.map((key) => this.rows.get(key) ?? null);
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

/** A clock whose sleeps are recorded and instant (the slow lane's delay). */
class RecordingClock implements Clock {
  readonly sleeps: number[] = [];
  offset = 0;
  now() {
    return Date.now() + this.offset;
  }
  async sleep(ms: number) {
    this.sleeps.push(ms);
  }
}

function setup(env: Record<string, string> = {}, key = 'throttle-key') {
  const store = new MemoryThrottleStore();
  const clock = new RecordingClock();
  const policy = testConfig({ IDBRIDGE_THROTTLE_ACCOUNT_FAILURES: '3', IDBRIDGE_THROTTLE_IP_FAILURES: '6', ...env }).bridge.throttle;
  return { store, clock, policy, throttle: new LoginThrottle(store, policy, clock, utf8(key)) };
}

type Outcome = 'ok' | 'wrong';
const verdict = (o: Outcome) => (o === 'ok' ? ('success' as const) : ('failure' as const));
const gate = () => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
};

describe('LoginThrottle keys', () => {
  it('are HMACs under the derived key: not the plain SHA-256 of the identifier or address, and different under another key', async () => {
    const a = setup();
    await a.throttle.attempt('Bob@Example.com', '192.0.2.7', [], async () => 'wrong' as Outcome, verdict);
    const keys = [...a.store.rows.keys()];
    expect(keys).toHaveLength(2);
    for (const plain of ['acct:bob@example.com', 'ip:192.0.2.7', 'bob@example.com', '192.0.2.7']) {
      expect(keys).not.toContain(await sha256Base64Url(plain));
    }
    const b = setup({}, 'another-key');
    await b.throttle.attempt('bob@example.com', '192.0.2.7', [], async () => 'wrong' as Outcome, verdict);
    expect([...b.store.rows.keys()].some((k) => keys.includes(k))).toBe(false);
  });

  it('counts an IPv6 /64 as one client, and a mapped IPv4 as that IPv4 client', async () => {
    const { throttle, store } = setup();
    await throttle.attempt('u1', '2001:db8:1:2::1', [], async () => 'wrong' as Outcome, verdict);
    await throttle.attempt('u2', '2001:db8:1:2:ffff:1:2:3', [], async () => 'wrong' as Outcome, verdict);
    await throttle.attempt('u3', '10.1.2.3', [], async () => 'wrong' as Outcome, verdict);
    await throttle.attempt('u4', '::ffff:10.1.2.3', [], async () => 'wrong' as Outcome, verdict);
    const failures = [...store.rows.values()].map((r) => r.failures).sort();
    // Four account keys with one failure each, two network keys with two each.
    expect(failures).toEqual([1, 1, 1, 1, 2, 2]);
  });
});

describe('LoginThrottle concurrency: checks beyond the cap wait in a bounded queue', () => {
  it('64 concurrent correct sign-ins from one IP: none refused, at most the cap running at once', async () => {
    const { throttle } = setup();
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        throttle.attempt(`user${i}@example.com`, '203.0.113.9', [], async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running -= 1;
          return 'ok' as Outcome;
        }, verdict),
      ),
    );
    expect(results.filter((r) => r.kind !== 'checked')).toEqual([]);
    expect(peak).toBe(8);
  });

  it('a flood beyond the queue is refused (busy), the queued ones still run', async () => {
    const { throttle } = setup({ IDBRIDGE_LOGIN_CONCURRENCY_PER_IP: '2', IDBRIDGE_LOGIN_QUEUE_PER_IP: '3' });
    const hold = gate();
    const flood = Array.from({ length: 10 }, (_, i) =>
      throttle.attempt(`flood${i}`, '203.0.113.10', [], () => hold.promise.then(() => 'ok' as Outcome), verdict),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    hold.open();
    const kinds = (await Promise.all(flood)).map((r) => r.kind);
    expect(kinds.filter((k) => k === 'checked')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'busy')).toHaveLength(5);
  });

  it('a queued check waits at most the configured time', async () => {
    const { throttle } = setup({ IDBRIDGE_LOGIN_CONCURRENCY_PER_IP: '1', IDBRIDGE_LOGIN_QUEUE_WAIT_MS: '100' });
    const hold = gate();
    const first = throttle.attempt('w1', '203.0.113.11', [], () => hold.promise.then(() => 'ok' as Outcome), verdict);
    expect((await throttle.attempt('w2', '203.0.113.11', [], async () => 'ok' as Outcome, verdict)).kind).toBe('busy');
    hold.open();
    expect((await first).kind).toBe('checked');
  });

  it('queues a third parallel check of one account instead of refusing it, and it sees the lock the first failures set', async () => {
    const { throttle } = setup();
    const hold = gate();
    let checks = 0;
    const check = () => hold.promise.then(() => (checks++, 'wrong' as Outcome));
    const burst = Array.from({ length: 6 }, (_, i) => throttle.attempt('BOB ', `198.51.100.${i}`, [], check, verdict));
    hold.open();
    const kinds = (await Promise.all(burst)).map((r) => r.kind);
    expect(kinds).not.toContain('busy');
    // Three failures lock the account; the queued attempts after that are answered without a check.
    expect(checks).toBeLessThanOrEqual(4);
    expect(kinds.filter((k) => k === 'locked').length).toBeGreaterThanOrEqual(2);
  });

  it('a check that waited in the queue while the network got locked takes the slow lane', async () => {
    const { throttle, clock } = setup({ IDBRIDGE_LOGIN_CONCURRENCY_PER_IP: '6' });
    const hold = gate();
    // Six guesses on six accounts run at once; a seventh waits for a slot meanwhile.
    const running = Array.from({ length: 6 }, (_, i) => throttle.attempt(`acct${i}`, '203.0.113.12', [], () => hold.promise.then(() => 'wrong' as Outcome), verdict));
    const queued = throttle.attempt('acct-late', '203.0.113.12', [], async () => 'wrong' as Outcome, verdict);
    hold.open();
    expect((await Promise.all(running)).map((r) => r.kind === 'checked' && r.slowed)).toEqual(Array(6).fill(false));
    const late = await queued;
    expect(late).toMatchObject({ kind: 'checked', slowed: true });
    expect(clock.sleeps).toEqual([testConfig({}).bridge.throttle.lockedIpDelayMs]);
  });

  it('releases the slots when the check throws', async () => {
    const { throttle } = setup({ IDBRIDGE_LOGIN_CONCURRENCY_PER_IP: '1', IDBRIDGE_LOGIN_QUEUE_PER_IP: '0' });
    for (let i = 0; i < 3; i++) {
      await expect(throttle.attempt('dave', '10.0.0.1', [], async () => Promise.reject(new Error('boom')), verdict)).rejects.toThrow('boom');
    }
    expect((await throttle.attempt('dave', '10.0.0.1', [], async () => 'ok' as Outcome, verdict)).kind).toBe('checked');
  });
});

describe('LoginThrottle device cookies (OWASP): lockout is no denial of service', () => {
  async function trustedDevice(throttle: LoginThrottle, userId: string, identifier: string): Promise<DeviceEntry[]> {
    return throttle.rememberDevice([], userId, [identifier]);
  }

  it('a locked account refuses unknown devices but still checks a trusted device; that device’s failures lock only that device', async () => {
    const { throttle } = setup();
    const device = await trustedDevice(throttle, 'u_alice', 'alice@example.com');
    for (let i = 0; i < 3; i++) await throttle.attempt('alice@example.com', `198.51.100.${i}`, [], async () => 'wrong' as Outcome, verdict);
    // Locked for everyone else, correct password included…
    expect((await throttle.attempt('alice@example.com', '192.0.2.50', [], async () => 'ok' as Outcome, verdict)).kind).toBe('locked');
    // …but not for the device alice signed in from before (normalised identifier).
    expect((await throttle.attempt(' ALICE@example.com', '192.0.2.50', device, async () => 'ok' as Outcome, verdict)).kind).toBe('checked');

    // A device cookie for another user, or for another identifier, is no key to alice's account.
    const mallory = await trustedDevice(throttle, 'u_mallory', 'mallory@example.com');
    expect((await throttle.attempt('alice@example.com', '192.0.2.51', mallory, async () => 'ok' as Outcome, verdict)).kind).toBe('locked');

    // Failures from the trusted device lock that device, then it is treated as unknown (locked account).
    for (let i = 0; i < 3; i++) {
      expect((await throttle.attempt('alice@example.com', '192.0.2.50', device, async () => 'wrong' as Outcome, verdict)).kind).toBe('checked');
    }
    expect((await throttle.attempt('alice@example.com', '192.0.2.50', device, async () => 'ok' as Outcome, verdict)).kind).toBe('locked');
    // A fresh device entry (another browser of alice's) is unaffected.
    const laptop = await trustedDevice(throttle, 'u_alice', 'alice@example.com');
    expect((await throttle.attempt('alice@example.com', '192.0.2.52', laptop, async () => 'ok' as Outcome, verdict)).kind).toBe('checked');
  });

  it('a trusted device’s failures do not lock the account for everyone else', async () => {
    const { throttle } = setup();
    const device = await trustedDevice(throttle, 'u_carol', 'carol');
    for (let i = 0; i < 5; i++) await throttle.attempt('carol', '192.0.2.60', device, async () => 'wrong' as Outcome, verdict);
    expect((await throttle.attempt('carol', '192.0.2.61', [], async () => 'ok' as Outcome, verdict)).kind).toBe('checked');
  });

  it('a locked IP slows unknown devices down (one at a time, after the delay) instead of refusing them; trusted devices pass at once', async () => {
    const { throttle, clock } = setup({ IDBRIDGE_THROTTLE_LOCKED_IP_DELAY_MS: '1500' });
    const proxy = '203.0.113.77';
    for (let i = 0; i < 6; i++) await throttle.attempt(`made-up-${i}@example.com`, proxy, [], async () => 'wrong' as Outcome, verdict);
    expect(clock.sleeps).toEqual([]);
    // An employee behind the same proxy, first sign-in on this browser: checked, after the delay.
    expect((await throttle.attempt('erin@example.com', proxy, [], async () => 'ok' as Outcome, verdict)).kind).toBe('checked');
    expect(clock.sleeps).toEqual([1500]);
    // One with a device cookie: no delay.
    const device = await trustedDevice(throttle, 'u_frank', 'frank@example.com');
    expect((await throttle.attempt('frank@example.com', proxy, device, async () => 'ok' as Outcome, verdict)).kind).toBe('checked');
    expect(clock.sleeps).toEqual([1500]);

    // The slow lane admits one check at a time.
    const hold = gate();
    let running = 0;
    let peak = 0;
    const slow = Array.from({ length: 4 }, (_, i) =>
      throttle.attempt(`staff${i}@example.com`, proxy, [], async () => {
        running += 1;
        peak = Math.max(peak, running);
        await hold.promise;
        running -= 1;
        return 'ok' as Outcome;
      }, verdict),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    hold.open();
    expect((await Promise.all(slow)).map((r) => r.kind)).toEqual(['checked', 'checked', 'checked', 'checked']);
    expect(peak).toBe(1);
  });

  it('rememberDevice keeps other users’ entries (newest first, bounded) and renews this user’s nonce', async () => {
    const { throttle } = setup();
    let devices: DeviceEntry[] = [];
    const keyOf: Record<string, string> = {};
    for (let i = 0; i < 7; i++) {
      devices = await throttle.rememberDevice(devices, `u_${i}`, [`user${i}`]);
      keyOf[`u_${i}`] = devices[0]!.u;
    }
    expect(devices.map((d) => d.u)).toEqual(['u_6', 'u_5', 'u_4', 'u_3', 'u_2'].map((u) => keyOf[u]));
    const renewed = await throttle.rememberDevice(devices, 'u_4', ['user4', 'user4@example.com', null]);
    expect(renewed.map((d) => d.u)).toEqual(['u_4', 'u_6', 'u_5', 'u_3', 'u_2'].map((u) => keyOf[u]));
    expect(renewed[0]!.n).not.toBe(devices.find((d) => d.u === keyOf.u_4)!.n);
    expect(renewed[0]!.k).toHaveLength(2);
  });

  it('device entries hold no readable identifier (the cookie is signed, not sealed); a plain-id entry of an old sealed cookie is replaced', async () => {
    const { throttle } = setup();
    const entries = await throttle.rememberDevice([{ u: 'u_alice', n: 'old-nonce', k: ['old'] }], 'u_alice', ['alice@example.com', 'alice']);
    expect(entries).toHaveLength(1);
    const text = JSON.stringify(entries);
    for (const readable of ['u_alice', 'alice@example.com', 'alice', 'example.com', 'old-nonce']) expect(text).not.toContain(readable);
    // The same user always gets the same key (so the entry is renewed in place), another user another.
    expect((await throttle.rememberDevice([], 'u_alice', ['alice']))[0]!.u).toBe(entries[0]!.u);
    expect((await throttle.rememberDevice([], 'u_bob', ['bob']))[0]!.u).not.toBe(entries[0]!.u);
  });

  it('parseDeviceEntries drops malformed entries', () => {
    expect(parseDeviceEntries(undefined)).toEqual([]);
    expect(parseDeviceEntries('x')).toEqual([]);
    expect(parseDeviceEntries([{ u: 'a', n: 'b', k: ['c'] }, { u: 1 }, null, { u: 'a', n: 'b', k: [2] }])).toEqual([{ u: 'a', n: 'b', k: ['c'] }]);
  });
});

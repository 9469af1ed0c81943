import type { Clock } from '../clock.js';
import type { ThrottleConfig } from '../config.js';
import { hmacSha256, randomToken, toBase64Url, utf8, type Bytes } from '../util/bytes.js';
import { throttleNetwork } from './client-address.js';
import { ConcurrencyGates, type GateLimits } from './concurrency-gate.js';
import type { ThrottleStore } from './ports.js';
import { lockDurationMs, retryAfterSeconds, windowStartsAfter } from './throttle.js';

/**
 * One entry of the device cookie (OWASP "device cookies"): this browser signed in successfully as
 * the user whose key is `u` with one of the identifiers whose throttle keys are `k`; `n` is the
 * device nonce its own failure counter is kept under. Every field is an HMAC under the throttle
 * key or a random nonce, so the cookie is only signed (MACed), not sealed: reading it on a shared
 * computer tells nobody which account signed in, and it cannot be forged. Why not sealed: the seal
 * (iron-session: two PBKDF2 derivations, AES-CBC and HMAC, each a WebCrypto job) ran on every
 * password sign-in and hid nothing these values do not already hide.
 */
export interface DeviceEntry {
  u: string;
  n: string;
  k: string[];
}

/** How a sign-in attempt fared at the throttle. */
export type ThrottledAttempt<T> =
  | { kind: 'locked'; retryAfter: number }
  | { kind: 'busy' }
  | { kind: 'checked'; result: T; /** Whether it went through the locked network's slow lane. */ slowed: boolean };

/** What the password check found, as far as the throttle cares. */
export type CheckVerdict = 'success' | 'failure' | 'neutral';

/** Password checks one account may have running at once, and waiting for a slot. */
const ACCOUNT_LIMITS = { concurrency: 2, queue: 8 };
/** Device entries one cookie keeps (several people may share a browser). */
const MAX_DEVICE_ENTRIES = 5;

/**
 * Failed-sign-in throttling per account identifier, per client network and per trusted device.
 *
 * - Keys are HMACs under a key derived from the deployment secret, so the table reveals neither
 *   the identifiers typed nor the addresses, and they cannot be confirmed by hashing guesses.
 * - Unknown identifiers are counted exactly like real ones: the throttle reveals nothing about
 *   which accounts exist.
 * - Device cookies stop the lockout from being a denial of service: a browser that signed in as
 *   this account before has its own failure counter and ignores the account lock and the IP lock,
 *   so an attacker's failures elsewhere cannot keep the owner out. When that device is over its
 *   own limit, it falls back to the untrusted rules (OWASP).
 * - The IP lock slows unknown devices down instead of refusing them: from a locked network, one
 *   password check at a time, each after a delay. Guessing from there stays slow, while the users
 *   behind a shared address (a company proxy, or everyone when the proxy is not trusted) still get
 *   in with a correct password.
 */
export class LoginThrottle {
  readonly #gates = new ConcurrencyGates();
  readonly #key: Promise<Bytes>;

  constructor(
    private readonly store: ThrottleStore,
    private readonly policy: ThrottleConfig,
    private readonly clock: Clock,
    /** Key material for the throttle keys (derived from the deployment secret for this purpose). */
    key: Promise<Bytes> | Bytes,
  ) {
    this.#key = Promise.resolve(key);
  }

  /**
   * Run one password check under the throttle: refuse it when locked, queue it behind the
   * concurrency caps (refused only when the queue overflows), and count what `check` found.
   * Counters are read again once the slots are held, so a queued burst sees the lock the first
   * failures set.
   */
  async attempt<T>(
    identifier: string,
    ip: string,
    devices: readonly DeviceEntry[],
    check: () => Promise<T>,
    verdict: (result: T) => CheckVerdict,
  ): Promise<ThrottledAttempt<T>> {
    const keys = await this.keys(identifier, ip);
    const device = await this.trustedDevice(devices, keys.account);
    const first = await this.standing(keys, device);
    if (first.kind === 'locked') return first;

    const releases: Array<() => void> = [];
    const releaseAll = () => {
      for (const release of releases.splice(0).reverse()) release();
    };
    try {
      const limits = this.limits();
      let slowed = first.slowed;
      let slowLane = false;
      for (;;) {
        if (slowed && !slowLane) {
          // A locked network: one unknown-device check at a time, each after the delay.
          const slot = await this.#gates.acquire(`slow:${keys.ip}`, { concurrency: 1, queue: limits.queue, maxWaitMs: limits.maxWaitMs + this.policy.lockedIpDelayMs });
          if (!slot) return { kind: 'busy' };
          releases.push(slot);
          slowLane = true;
          await this.clock.sleep(this.policy.lockedIpDelayMs);
        }
        for (const [key, gate] of [
          [`a:${keys.account}`, { ...ACCOUNT_LIMITS, maxWaitMs: limits.maxWaitMs }],
          [`i:${keys.ip}`, limits],
        ] as const) {
          const slot = await this.#gates.acquire(key, gate);
          if (!slot) return { kind: 'busy' };
          releases.push(slot);
        }
        const now = await this.standing(keys, device);
        if (now.kind === 'locked') return now;
        if (now.slowed && !slowLane) {
          // The network was locked while this check waited in the queue (a concurrent burst):
          // give the slots back and go through the slow lane like any later attempt.
          releaseAll();
          slowed = true;
          continue;
        }
        const result = await check();
        // Recorded before the slots are released, so the next queued check sees it.
        const found = verdict(result);
        if (found === 'failure') await this.recordFailure(keys, now.device);
        else if (found === 'success') await this.recordSuccess(keys, now.device, now.accountFailures);
        return { kind: 'checked', result, slowed };
      }
    } finally {
      releaseAll();
    }
  }

  /**
   * The device cookie after a successful sign-in as `userId` with `identifier`: a fresh nonce for
   * this user (its old failures are forgotten), other users' entries kept, newest first.
   */
  async rememberDevice(devices: readonly DeviceEntry[], userId: string, identifiers: Array<string | null | undefined>): Promise<DeviceEntry[]> {
    const k = [...new Set(await Promise.all(identifiers.filter((i): i is string => Boolean(i)).map((i) => this.accountKey(i))))];
    const u = await this.mac(`user:${userId}`);
    // `d.u === userId`: an entry from a sealed cookie of an earlier version held the plain id.
    const others = devices.filter((d) => d.u !== u && d.u !== userId);
    return [{ u, n: randomToken(128), k }, ...others].slice(0, MAX_DEVICE_ENTRIES);
  }

  /** The config's queue limits for one client network. */
  private limits(): GateLimits {
    return { concurrency: this.policy.ipConcurrency, queue: this.policy.ipQueue, maxWaitMs: this.policy.queueWaitMs };
  }

  /**
   * OWASP's decision: a device trusted for this account and not itself locked ignores the account
   * and IP locks; otherwise the account lock refuses and the IP lock slows down.
   */
  private async standing(
    keys: { account: string; ip: string },
    device: { key: string } | null,
  ): Promise<{ kind: 'locked'; retryAfter: number } | { kind: 'go'; device: { key: string } | null; slowed: boolean; accountFailures: boolean }> {
    const now = this.clock.now();
    // One read for every counter the decision may need (the device's, the account's, the network's).
    const counters = await this.store.getMany(device ? [device.key, keys.account, keys.ip] : [keys.account, keys.ip]);
    if (device && retryAfterSeconds(counters[0] ?? null, now) === 0) return { kind: 'go', device, slowed: false, accountFailures: false };
    const [account = null, address = null] = device ? counters.slice(1) : counters;
    const wait = retryAfterSeconds(account, now);
    if (wait > 0) return { kind: 'locked', retryAfter: wait };
    return { kind: 'go', device: null, slowed: retryAfterSeconds(address, now) > 0, accountFailures: account !== null };
  }

  private async recordFailure(keys: { account: string; ip: string }, device: { key: string } | null): Promise<void> {
    const now = this.clock.now();
    const since = windowStartsAfter(now, this.policy);
    // A trusted device's failures are its own: they never lock the account for everyone else.
    const counted: Array<[string, number]> = [
      device ? [device.key, this.policy.accountFreeFailures] : [keys.account, this.policy.accountFreeFailures],
      [keys.ip, this.policy.ipFreeFailures],
    ];
    for (const [key, free] of counted) {
      const counter = await this.store.increment(key, now, since);
      const lock = lockDurationMs(counter.failures, free, this.policy);
      if (lock > 0) await this.store.lockUntil(key, now + lock);
    }
  }

  /**
   * A correct password clears the counter it was checked under: the device's, or the account's
   * (an untrusted success only happens while the account is not locked). Never the IP's: one good
   * account must not launder an address, and a trusted device must not reset an attacker's
   * budget against the account.
   */
  private async recordSuccess(keys: { account: string }, device: { key: string } | null, accountFailures: boolean): Promise<void> {
    if (device) await this.store.reset(device.key);
    else if (accountFailures) await this.store.reset(keys.account);
  }

  private async trustedDevice(devices: readonly DeviceEntry[], accountKey: string): Promise<{ key: string } | null> {
    const entry = devices.find((d) => Array.isArray(d.k) && d.k.includes(accountKey) && typeof d.n === 'string');
    return entry ? { key: await this.mac(`dev:${entry.n}`) } : null;
  }

  private async keys(identifier: string, ip: string): Promise<{ account: string; ip: string }> {
    return { account: await this.accountKey(identifier), ip: await this.mac(`ip:${throttleNetwork(ip)}`) };
  }

  private accountKey(identifier: string): Promise<string> {
    return this.mac(`acct:${identifier.trim().toLowerCase()}`);
  }

  private async mac(text: string): Promise<string> {
    return toBase64Url(await hmacSha256(await this.#key, utf8(text)));
  }
}

/** The device cookie's entries, keeping only well-formed ones (the MAC guarantees we wrote them, not their shape across versions). */
export function parseDeviceEntries(value: unknown): DeviceEntry[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (d): d is DeviceEntry =>
        typeof d === 'object' &&
        d !== null &&
        typeof d.u === 'string' &&
        typeof d.n === 'string' &&
        Array.isArray(d.k) &&
        d.k.every((k: unknown) => typeof k === 'string'),
    )
    .slice(0, MAX_DEVICE_ENTRIES);
}

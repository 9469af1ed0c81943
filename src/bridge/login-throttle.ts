import type { Clock } from '../clock.js';
import type { ThrottleConfig } from '../config.js';
import { sha256Base64Url } from '../util/bytes.js';
import type { ThrottleStore } from './ports.js';
import { lockDurationMs, retryAfterSeconds, windowStartsAfter } from './throttle.js';

/**
 * Failed-sign-in throttling per account identifier and per client IP. Keys are hashed so the table
 * holds neither typed identifiers nor addresses. Unknown identifiers are counted exactly like real
 * ones, so the throttle reveals nothing about which accounts exist.
 */
/** Password checks one account, or one client IP, may have running at the same time. */
const MAX_IN_FLIGHT_PER_ACCOUNT = 2;
const MAX_IN_FLIGHT_PER_IP = 8;

export class LoginThrottle {
  /**
   * Checks in progress per key. Why: the counters are read before the (slow) password check and
   * written after it, so a burst of parallel attempts would all pass the same check; capping
   * concurrent checks bounds how many guesses, and scrypt runs, a burst can get.
   */
  #inFlight = new Map<string, number>();

  constructor(
    private readonly store: ThrottleStore,
    private readonly policy: ThrottleConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Seconds the caller must wait (0 = go ahead), and whether the account has failures on record
   * (so that a success needs to clear them).
   */
  async check(identifier: string, ip: string): Promise<{ wait: number; accountFailures: boolean }> {
    const now = this.clock.now();
    const [account, address] = await Promise.all([
      this.store.get(await accountKey(identifier)),
      this.store.get(await ipKey(ip)),
    ]);
    return { wait: Math.max(retryAfterSeconds(account, now), retryAfterSeconds(address, now)), accountFailures: account !== null };
  }

  /**
   * Run `check` as one of the bounded concurrent password checks for this account and IP, or
   * return undefined when too many are already running (the caller answers 429).
   */
  async exclusive<T>(identifier: string, ip: string, check: () => Promise<T>): Promise<T | undefined> {
    const keys: Array<[string, number]> = [
      [`a:${await accountKey(identifier)}`, MAX_IN_FLIGHT_PER_ACCOUNT],
      [`i:${await ipKey(ip)}`, MAX_IN_FLIGHT_PER_IP],
    ];
    if (keys.some(([key, max]) => (this.#inFlight.get(key) ?? 0) >= max)) return undefined;
    for (const [key] of keys) this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    try {
      return await check();
    } finally {
      for (const [key] of keys) {
        const left = (this.#inFlight.get(key) ?? 1) - 1;
        if (left <= 0) this.#inFlight.delete(key);
        else this.#inFlight.set(key, left);
      }
    }
  }

  async recordFailure(identifier: string, ip: string): Promise<void> {
    const now = this.clock.now();
    const since = windowStartsAfter(now, this.policy);
    const keys: Array<[string, number]> = [
      [await accountKey(identifier), this.policy.accountFreeFailures],
      [await ipKey(ip), this.policy.ipFreeFailures],
    ];
    for (const [key, free] of keys) {
      const counter = await this.store.increment(key, now, since);
      const lock = lockDurationMs(counter.failures, free, this.policy);
      if (lock > 0) await this.store.lockUntil(key, now + lock);
    }
  }

  /** A correct password clears the account's counter (not the IP's: one good account must not launder an IP). */
  async recordSuccess(identifier: string): Promise<void> {
    await this.store.reset(await accountKey(identifier));
  }
}

function accountKey(identifier: string): Promise<string> {
  return sha256Base64Url(`acct:${identifier.trim().toLowerCase()}`);
}

function ipKey(ip: string): Promise<string> {
  return sha256Base64Url(`ip:${ip}`);
}

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
export class LoginThrottle {
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

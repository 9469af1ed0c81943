import type { ThrottleConfig } from '../config.js';
import type { ThrottleCounter } from './ports.js';

/**
 * Sign-in throttling policy (pure). Failures are counted per account identifier, per client
 * network and per trusted device within a sliding window. After `free` failures each further
 * failure locks the key for a delay that doubles: base, 2·base, 4·base … up to max. A locked
 * account or device is answered 429 without checking the password, so guessing is slowed without
 * letting an attacker burn our CPU on scrypt; a locked network only slows its unknown devices down
 * (see LoginThrottle).
 */
export function lockDurationMs(failures: number, free: number, policy: ThrottleConfig): number {
  if (failures < free) return 0;
  const exponent = Math.min(failures - free, 30);
  return Math.min(policy.maxLockSeconds, policy.baseLockSeconds * 2 ** exponent) * 1000;
}

/** Seconds until the counter unlocks (0 when not locked). */
export function retryAfterSeconds(counter: ThrottleCounter | null, now: number): number {
  if (!counter || counter.lockedUntil <= now) return 0;
  return Math.ceil((counter.lockedUntil - now) / 1000);
}

/** Start of the window that still counts at `now`. */
export function windowStartsAfter(now: number, policy: ThrottleConfig): number {
  return now - policy.windowSeconds * 1000;
}

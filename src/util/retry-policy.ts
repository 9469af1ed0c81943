import type { NetworkFailure } from './network-error.js';

/**
 * Retry decisions for outgoing HTTP calls, pure: the bridge's postback to the identity service and
 * the HTTP directory's idempotent lookups use the same rules (which outcomes are worth repeating,
 * backoff with full jitter, `Retry-After`, an attempt count and one total deadline).
 */

/** How hard to try: `PostbackRetryConfig` is one. */
export interface RetryPolicy {
  /** Attempts at most, the first included (1 = never retry). */
  maxAttempts: number;
  /** One deadline for all attempts and the waits between them, from the first attempt's start. */
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What one attempt came to: an HTTP answer, a transport failure (with its cause), or our own timeout. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; retryAfter: string | null }
  | ({ kind: 'network_error' } & NetworkFailure)
  | { kind: 'timeout' };

/**
 * Retry only what a later attempt can fix: transport failures, timeouts, 5xx, 408 (request
 * timeout) and 429 (too many requests). Other 4xx mean the server refused this request for good
 * (for the postback: unknown or expired request, bad key) and repeating it would only repeat the
 * refusal.
 */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.kind !== 'response') return true;
  const { status } = outcome;
  return status >= 500 || status === 408 || status === 429;
}

/**
 * Parse `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds from
 * `now`, or undefined when absent or malformed.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only the IMF-fixdate form RFC 9110 requires senders to use; Date.parse alone is too lenient.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): exponential backoff with full jitter
 * (delay drawn uniformly from [0, min(max, base·2^(attempt-1))]) so that many clients retrying
 * after one outage do not hit the server in lockstep. A `Retry-After` from the server
 * is a floor.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
  retryAfterMs?: number,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * cap);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
}

/**
 * Decide what follows attempt `attempt`: stop (success, permanent failure, attempts or deadline
 * spent) or wait `delayMs` and try again. `elapsedMs` is the time since the first attempt began.
 */
export function nextStep(
  outcome: AttemptOutcome,
  attempt: number,
  elapsedMs: number,
  policy: RetryPolicy,
  random: () => number,
  now: number,
): { action: 'done' } | { action: 'give_up'; reason: 'permanent' | 'attempts' | 'deadline' } | { action: 'retry'; delayMs: number } {
  if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) return { action: 'done' };
  if (!isRetryable(outcome)) return { action: 'give_up', reason: 'permanent' };
  if (attempt >= policy.maxAttempts) return { action: 'give_up', reason: 'attempts' };
  const retryAfterMs = outcome.kind === 'response' ? parseRetryAfter(outcome.retryAfter, now) : undefined;
  const delayMs = backoffDelay(attempt, policy, random, retryAfterMs);
  // Waiting past the deadline is pointless: give up now instead of making the user wait for nothing.
  if (elapsedMs + delayMs >= policy.deadlineMs) return { action: 'give_up', reason: 'deadline' };
  return { action: 'retry', delayMs };
}

import type { Clock } from '../clock.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failures: number;
  /** How long the circuit stays open before one probe call may test the backend again, in ms. */
  resetMs: number;
  /** Told of every state change (for the log). */
  onStateChange?: (to: CircuitState, from: CircuitState) => void;
}

/**
 * A circuit breaker for calls to a backend that may be down, so that a dead backend fails fast
 * instead of making every caller wait for its own timeout:
 *
 * - **closed**: calls go out; `failures` consecutive failures open the circuit (a success resets
 *   the count).
 * - **open**: {@link tryAcquire} refuses every call until `resetMs` have passed since it opened.
 * - **half_open**: exactly one probe call goes out; its success closes the circuit, its failure
 *   opens it again for another `resetMs`. Other callers are refused while the probe is out. A probe
 *   that never reports back (its caller crashed) is replaced by a new one after `resetMs`.
 *
 * Time is the injected {@link Clock}; nothing runs in the background (Workers has no timers
 * between requests). One instance per backend, shared by all its callers in the process.
 */
export class CircuitBreaker {
  #state: CircuitState = 'closed';
  #consecutiveFailures = 0;
  /** When the circuit last opened, or when the current probe went out. */
  #since = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: CircuitBreakerOptions,
  ) {
    if (!Number.isInteger(options.failures) || options.failures < 1 || !(options.resetMs > 0)) {
      throw new RangeError(`CircuitBreaker needs an integer failures ≥ 1 and resetMs > 0, got ${options.failures} and ${options.resetMs}.`);
    }
  }

  /** The state now (an open circuit whose reset time has passed reads as half_open). */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#resetDue()) return 'half_open';
    return this.#state;
  }

  /**
   * May a call go out now? true in the closed state, and for the one probe of the half-open state;
   * every `true` must be followed by {@link recordSuccess} or {@link recordFailure}.
   */
  tryAcquire(): boolean {
    switch (this.#state) {
      case 'closed':
        return true;
      case 'open':
      case 'half_open':
        // Open: wait out the reset time. Half-open: one probe at a time, unless it went missing.
        if (!this.#resetDue()) return false;
        this.#transition('half_open');
        this.#since = this.clock.now();
        return true;
    }
  }

  /** The call reached the backend and got a good answer. */
  recordSuccess(): void {
    this.#consecutiveFailures = 0;
    if (this.#state !== 'closed') this.#transition('closed');
  }

  /** The call failed in a way that says the backend is unwell (unreachable, timeout, 5xx, garbage). */
  recordFailure(): void {
    this.#consecutiveFailures++;
    if (this.#state === 'half_open' || (this.#state === 'closed' && this.#consecutiveFailures >= this.options.failures)) {
      this.#since = this.clock.now();
      this.#transition('open');
    }
  }

  #resetDue(): boolean {
    return this.clock.now() - this.#since >= this.options.resetMs;
  }

  #transition(to: CircuitState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.options.onStateChange?.(to, from);
  }
}

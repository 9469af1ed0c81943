/** How many holders a key admits at once, and how many more may wait (for how long) for a slot. */
export interface GateLimits {
  concurrency: number;
  queue: number;
  maxWaitMs: number;
}

interface Waiter {
  grant: (release: (() => void) | undefined) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Counting semaphores by key, each with a bounded FIFO queue. A caller beyond the concurrency waits
 * for a slot instead of being refused; only a full queue, or a wait longer than `maxWaitMs`, is
 * refused. State lives in this process only (what it protects, the CPU, is per process too).
 */
export class ConcurrencyGates {
  #keys = new Map<string, { running: number; waiting: Waiter[] }>();

  /** A release function once a slot is held, or undefined when the queue is full or the wait ran out. */
  acquire(key: string, limits: GateLimits): Promise<(() => void) | undefined> {
    let entry = this.#keys.get(key);
    if (!entry) {
      entry = { running: 0, waiting: [] };
      this.#keys.set(key, entry);
    }
    if (entry.running < limits.concurrency) {
      entry.running += 1;
      return Promise.resolve(this.#releaser(key));
    }
    if (entry.waiting.length >= limits.queue) return Promise.resolve(undefined);
    const current = entry;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          const at = current.waiting.indexOf(waiter);
          if (at >= 0) current.waiting.splice(at, 1);
          resolve(undefined);
        }, limits.maxWaitMs),
      };
      current.waiting.push(waiter);
    });
  }

  /** Slots in use and callers waiting for `key` (for tests and diagnostics). */
  usage(key: string): { running: number; waiting: number } {
    const entry = this.#keys.get(key);
    return { running: entry?.running ?? 0, waiting: entry?.waiting.length ?? 0 };
  }

  #releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const entry = this.#keys.get(key)!;
      const next = entry.waiting.shift();
      if (next) {
        // The slot passes straight to the next waiter: the running count stays.
        clearTimeout(next.timer);
        next.grant(this.#releaser(key));
        return;
      }
      entry.running -= 1;
      if (entry.running === 0) this.#keys.delete(key);
    };
  }
}

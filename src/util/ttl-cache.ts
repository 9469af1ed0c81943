import type { Clock } from '../clock.js';

export interface TtlCacheOptions {
  /** How long an entry is served, in milliseconds (a `set` may ask for less or more). */
  ttlMs: number;
  /** Most entries kept; when full, the oldest entry makes room. */
  maxEntries: number;
  /**
   * A value that changes when another process may have changed the cached data (SQLite's
   * `PRAGMA data_version` on Node, see `AppDeps.dataVersion`); every entry is dropped when it does.
   */
  dataVersion?: () => number;
}

/**
 * A small in-process cache whose entries expire on the injected {@link Clock}, with a size bound
 * (oldest out first). For read-mostly values on hot paths (sealed cookies, clients, keys): a hit is
 * one Map lookup and one clock read. Expired entries are dropped when read or when they are the
 * oldest and room is needed; nothing runs in the background (Workers has no timers between requests).
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; until: number }>();
  #seenVersion: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly options: TtlCacheOptions,
  ) {
    if (!(options.ttlMs > 0) || !Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`TtlCache needs ttlMs > 0 and an integer maxEntries ≥ 1, got ${options.ttlMs} and ${options.maxEntries}.`);
    }
  }

  /** The live value for `key`, or undefined (also when it has expired). */
  get(key: K): V | undefined {
    this.#followDataVersion();
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.until > this.clock.now()) return hit.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keep `value` for `ttlMs` (default: the cache's TTL), replacing any entry for `key`. */
  set(key: K, value: V, ttlMs = this.options.ttlMs): void {
    this.#followDataVersion();
    // Re-inserting moves the key to the young end, so eviction stays oldest-first.
    this.#entries.delete(key);
    if (this.#entries.size >= this.options.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, until: this.clock.now() + ttlMs });
  }

  /** Another process wrote to the database since the last look: nothing cached may still be true. */
  #followDataVersion(): void {
    if (!this.options.dataVersion) return;
    const version = this.options.dataVersion();
    if (version === this.#seenVersion) return;
    this.#entries.clear();
    this.#seenVersion = version;
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The cached promise for `key`, or else `load()`'s, cached at once (concurrent callers share one
   * load) and dropped again if it rejects, so a failure is retried by the next caller.
   */
  load<T>(this: TtlCache<K, Promise<T>>, key: K, load: () => Promise<T>): Promise<T> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = load();
    this.set(key, value);
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }
}

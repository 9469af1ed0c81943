import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import {
  discoverRelyingParty,
  parseRealm,
  returnToVerdict,
  XRDS_CONTENT_TYPE,
  type RelyingPartyEndpoints,
  type RpDiscoveryResult,
  type YadisGet,
} from '../protocol/openid2/index.js';
import { TtlCache } from '../util/ttl-cache.js';
import { FetchRefusedError, type BoundedFetch, type BoundedFetchLimits } from '../util/bounded-fetch.js';

/**
 * The smallest cache interface discovery needs: entries expire after their own TTL, read through
 * the injected clock. Any TTL cache with this shape can be passed in.
 */
export interface DiscoveryCache {
  get(key: string): RelyingPartyEndpoints | undefined;
  set(key: string, value: RelyingPartyEndpoints, ttlMs: number): void;
}

/** The runtime's way of fetching a realm, and whether work may outlive the request that started it. */
export interface RelyingPartyFetch {
  fetch: BoundedFetch;
  /**
   * true (Node): discovery started at checkid runs on in the background and a later request
   * joins it. false (Workers): a request's I/O is cancelled when it ends, and a promise started
   * in one request must not be awaited in another; each request then discovers on its own
   * (still served from the cache of settled results).
   */
  background: boolean;
}

export interface RelyingPartyDiscoveryOptions {
  clock: Clock;
  /** Defaults to an in-memory cache of {@link DEFAULT_CACHE_ENTRIES} entries. */
  cache?: DiscoveryCache;
  /** How long a realm's published return_to list is trusted. */
  positiveTtlMs?: number;
  /** How long a failure is remembered (shorter: the site may fix it, or it was a hiccup). */
  negativeTtlMs?: number;
  /** At most this many discoveries in flight; more answer `fetch_failed:busy` (background only). */
  maxInFlight?: number;
}

export const DEFAULT_CACHE_ENTRIES = 1000;

/**
 * Limits of the realm fetch (a URL an attacker chose): 3 s for everything, 64 KiB, 3 redirects
 * (for the XRDS location only; the realm itself must not redirect). Production reaches only
 * public https URLs; development also http, loopback and private addresses (sites on the
 * developer's machine or network); tests http and loopback (so a test can prove private is refused).
 */
export function rpFetchLimits(environment: Config['environment']): BoundedFetchLimits {
  return {
    timeoutMs: 3_000,
    maxBytes: 64 * 1024,
    maxRedirects: 3,
    allowHttp: environment !== 'production',
    addresses: { loopback: environment !== 'production', private: environment === 'development' },
  };
}

/** No relying-party fetch configured (an embedding that did not provide one): every realm is unverified. */
export const NO_RP_FETCH: RelyingPartyFetch = {
  fetch: async () => Promise.reject(new FetchRefusedError('network')),
  background: false,
};

/**
 * Relying-party discovery (OpenID 2.0 §13) with a cache of settled results per discovery URL.
 * A signal, never a gate: it only decides whether the consent page warns.
 */
export class RelyingPartyDiscovery {
  readonly #fetch: RelyingPartyFetch;
  readonly #clock: Clock;
  readonly #cache: DiscoveryCache;
  readonly #positiveTtlMs: number;
  readonly #negativeTtlMs: number;
  readonly #maxInFlight: number;
  readonly #inFlight = new Map<string, Promise<RelyingPartyEndpoints>>();

  constructor(fetch: RelyingPartyFetch, options: RelyingPartyDiscoveryOptions) {
    this.#fetch = fetch;
    this.#clock = options.clock;
    this.#positiveTtlMs = options.positiveTtlMs ?? 3600_000;
    // The project's one TTL cache; each entry carries its own TTL (positive or negative result).
    this.#cache = options.cache ?? new TtlCache(options.clock, { ttlMs: this.#positiveTtlMs, maxEntries: DEFAULT_CACHE_ENTRIES });
    this.#negativeTtlMs = options.negativeTtlMs ?? 300_000;
    this.#maxInFlight = options.maxInFlight ?? 16;
  }

  /** Begin discovering `realm` in the background, so the result is ready when it is needed. */
  start(realm: string): void {
    if (!this.#fetch.background) return;
    this.#endpoints(realm).catch(() => undefined);
  }

  /** Is `returnTo` one of the return_to URLs the realm publishes? */
  async verify(realm: string, returnTo: string): Promise<RpDiscoveryResult> {
    return returnToVerdict(await this.#endpoints(realm), returnTo);
  }

  async #endpoints(realmValue: string): Promise<RelyingPartyEndpoints> {
    let realm;
    try {
      realm = parseRealm(realmValue.split('#', 1)[0]!); // the realm defaults to return_to, which may carry a fragment
    } catch {
      return { failed: 'fetch_failed:invalid_url' };
    }
    const key = realm.value;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    if (!this.#fetch.background) return this.#discover(realm, key);
    const running = this.#inFlight.get(key);
    if (running) return running;
    // Why: each discovery is a request to a site the RP named; bound how many run at once so
    // idbridge cannot be turned into a request amplifier.
    if (this.#inFlight.size >= this.#maxInFlight) return { failed: 'fetch_failed:busy' };
    const task = this.#discover(realm, key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, task);
    return task;
  }

  async #discover(realm: ReturnType<typeof parseRealm>, key: string): Promise<RelyingPartyEndpoints> {
    // A signal must never break a sign-in: anything unexpected is one more failure.
    const result: RelyingPartyEndpoints = await discoverRelyingParty(realm, this.#yadisGet).catch(() => ({ failed: 'fetch_failed:error' as const }));
    this.#cache.set(key, result, 'failed' in result ? this.#negativeTtlMs : this.#positiveTtlMs);
    return result;
  }

  readonly #yadisGet: YadisGet = async (url, followRedirects) => {
    try {
      const res = await this.#fetch.fetch(url, { accept: `${XRDS_CONTENT_TYPE}, text/html;q=0.5`, followRedirects });
      return {
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        xrdsLocation: res.headers.get('x-xrds-location'),
        body: res.body,
      };
    } catch (error) {
      return { failed: error instanceof FetchRefusedError ? error.reason : 'network' };
    }
  };
}


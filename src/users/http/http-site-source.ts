import type { Clock } from '../../clock.js';
import { checkOutgoingUrl } from '../../config.js';
import type { HttpDirectoryConfig } from '../../config/document.js';
import type { Logger } from '../../log.js';
import { FetchRefusedError, readCapped, type OutgoingFetch } from '../../util/bounded-fetch.js';
import { randomToken, utf8, type Bytes } from '../../util/bytes.js';
import { CircuitBreaker } from '../../util/circuit-breaker.js';
import { classifyNetworkError } from '../../util/network-error.js';
import { nextStep, type AttemptOutcome, type RetryPolicy } from '../../util/retry-policy.js';
import { TtlCache } from '../../util/ttl-cache.js';
import { DirectoryUnavailableError, type SiteCredentialResult, type SiteUserRecord, type SiteUserSource } from '../site-source.js';
import { answerSchema, MAX_RESPONSE_BYTES, OPERATIONS, toSiteUserRecord, type Operation } from './contract.js';
import { SIGNATURE_HEADERS, signRequest, verifyResponse } from './signature.js';

/** The settings of an HTTP directory: the `directory:` section of the config file with `kind: http`. */
export type HttpSiteSourceOptions = Pick<HttpDirectoryConfig, 'url' | 'secret' | 'timeoutMs' | 'retries' | 'cacheSeconds' | 'breaker'>;

export interface HttpSiteSourceDeps {
  /** Outgoing HTTP: undici on Node, the global fetch on Workers (TLS always verified). */
  fetch: OutgoingFetch;
  clock: Clock;
  logger: Logger;
  /** For the retry jitter. */
  random: () => number;
}

/** Backoff between lookup attempts: short, since a user is waiting for the page. */
const RETRY_BASE_DELAY_MS = 50;
const RETRY_MAX_DELAY_MS = 500;
/** Get-by-id answers kept at most (one per recently active user). */
const CACHE_ENTRIES = 10_000;

/**
 * Create the HTTP directory source: the site's own application answers the signed contract of
 * docs/directory-http.md (verify a password, get a user by id, find one by email).
 *
 * Throws at once when the URL is not https (plain http only to loopback, for development and
 * tests): the requests carry passwords.
 */
export function createHttpSiteSource(options: HttpSiteSourceOptions, deps: HttpSiteSourceDeps): HttpSiteSource {
  return new HttpSiteSource(options, deps);
}

/**
 * {@link SiteUserSource} over the HTTP directory contract. Runs on Node and Workers (Web fetch,
 * HMAC from util/bytes).
 *
 * - Every request is signed (timestamp, random nonce, HMAC-SHA256 under the shared secret), and
 *   every 200 answer must be signed by the site over our request's signature: an answer that is
 *   not (a forged or replayed "password ok") is refused as `bad_response`.
 * - Each attempt has `timeoutMs` for the whole exchange, body included, and the body is capped.
 * - Lookups (by id, by email) are idempotent and retried up to `retries` times with jittered
 *   backoff; a credential check is sent exactly once (a retried check could count twice against
 *   the user at the site's own lockout, and a password should travel no more often than needed).
 * - Get-by-id answers are cached for `cacheSeconds` (it runs on every bridge session reuse); a
 *   successful credential check fills the cache too. A change at the site (a user blocked) is seen
 *   after at most `cacheSeconds`.
 * - A circuit breaker opens after `breaker.failures` consecutive failed attempts; while open,
 *   calls fail fast with `circuit_open` and nothing is sent, and after `breaker.resetSeconds` one
 *   probe call tests the site again.
 *
 * Every failure is a {@link DirectoryUnavailableError} (the bridge shows "temporarily
 * unavailable", 503), never a "wrong password"; its reason and detail go to the log, without the
 * login, email or password.
 */
export class HttpSiteSource implements SiteUserSource {
  readonly kind = 'http' as const;
  readonly #base: string;
  readonly #secret: Bytes;
  readonly #breaker: CircuitBreaker;
  readonly #cache: TtlCache<string, Promise<SiteUserRecord | null>> | null;

  constructor(
    private readonly options: HttpSiteSourceOptions,
    private readonly deps: HttpSiteSourceDeps,
  ) {
    const problem = checkOutgoingUrl(options.url);
    if (problem) throw new Error(`directory.url: ${problem}`);
    if (options.secret.length < 32) throw new Error('directory.secret: must be at least 32 characters');
    this.#base = options.url.replace(/\/+$/, '');
    this.#secret = utf8(options.secret);
    this.#breaker = new CircuitBreaker(deps.clock, {
      failures: options.breaker.failures,
      resetMs: options.breaker.resetSeconds * 1000,
      onStateChange: (to, from) => deps.logger.log(to === 'open' ? 'error' : 'info', 'directory_circuit', { directory: 'http', from, to }),
    });
    this.#cache = options.cacheSeconds > 0 ? new TtlCache(deps.clock, { ttlMs: options.cacheSeconds * 1000, maxEntries: CACHE_ENTRIES }) : null;
  }

  /**
   * One signed call, sent once. Unknown user and wrong password are one answer on the wire
   * (`{"user": null}`) and one code path here, so idbridge adds the same few microseconds to
   * both; the site's own password check dominates the time, and the contract asks the site to
   * spend it on unknown users too (the reference implementation hashes against a dummy).
   */
  async verifyCredentials(login: string, password: string): Promise<SiteCredentialResult> {
    const user = await this.#call('verify', { login, password }, false);
    if (user === null) return { ok: false };
    this.#cache?.set(user.key, Promise.resolve(user));
    return { ok: true, record: user, format: 'http' };
  }

  findByKey(key: string): Promise<SiteUserRecord | null> {
    const lookup = async () => {
      const user = await this.#call('byId', { id: key }, true);
      // A site that answers for another id would hand this session to another person.
      if (user !== null && user.key !== key) throw this.#unavailable('byId', 'bad_response', 'the site answered by-id with another user id', 1);
      return user;
    };
    return this.#cache ? this.#cache.load(key, lookup) : lookup();
  }

  findByEmail(email: string): Promise<SiteUserRecord | null> {
    return this.#call('byEmail', { email }, true);
  }

  async close(): Promise<void> {
    this.#cache?.clear();
  }

  /** POST `payload` to the operation, with the retries it allows, and return the validated user. */
  async #call(operation: Operation, payload: Record<string, string>, idempotent: boolean): Promise<SiteUserRecord | null> {
    const { clock } = this.deps;
    const body = JSON.stringify(payload);
    const url = this.#base + OPERATIONS[operation];
    const path = new URL(url).pathname;
    const policy: RetryPolicy = {
      maxAttempts: idempotent ? this.options.retries + 1 : 1,
      deadlineMs: this.options.timeoutMs * (idempotent ? this.options.retries + 1 : 1),
      baseDelayMs: RETRY_BASE_DELAY_MS,
      maxDelayMs: RETRY_MAX_DELAY_MS,
    };
    const started = clock.now();
    for (let attempt = 1; ; attempt++) {
      if (!this.#breaker.tryAcquire()) throw this.#unavailable(operation, 'circuit_open', 'the circuit breaker is open after repeated failures; nothing was sent', attempt - 1);
      const result = await this.#attempt(url, path, body);
      if (result.kind === 'answer') {
        this.#breaker.recordSuccess();
        return result.user;
      }
      this.#breaker.recordFailure();
      const { outcome, reason, detail } = result;
      this.deps.logger.log('warn', 'directory_http_attempt', { operation, attempt, status: outcome.kind === 'response' ? outcome.status : null, reason, detail });
      // A bad answer to a 2xx is final: a retry would not make a forged or garbled answer right.
      const step = reason === 'bad_response' ? { action: 'give_up' as const } : nextStep(outcome, attempt, clock.now() - started, policy, this.deps.random, clock.now());
      if (step.action === 'retry') {
        await clock.sleep(step.delayMs);
        continue;
      }
      throw this.#unavailable(operation, reason, detail, attempt);
    }
  }

  async #attempt(
    url: string,
    path: string,
    body: string,
  ): Promise<{ kind: 'answer'; user: SiteUserRecord | null } | { kind: 'failure'; outcome: AttemptOutcome; reason: DirectoryUnavailableError['reason']; detail: string }> {
    const timestamp = Math.floor(this.deps.clock.now() / 1000);
    const nonce = randomToken(128);
    const signature = await signRequest(this.#secret, { timestamp, nonce, method: 'POST', path, body });
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let status: number;
    let headers: Headers;
    let text: string;
    try {
      const response = await this.deps.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          [SIGNATURE_HEADERS.timestamp]: String(timestamp),
          [SIGNATURE_HEADERS.nonce]: nonce,
          [SIGNATURE_HEADERS.signature]: `v1=${signature}`,
        },
        body,
        // A redirect would carry the password wherever it points; the contract has none.
        redirect: 'manual',
        signal,
      });
      status = response.status;
      headers = response.headers;
      text = await readCapped(response, MAX_RESPONSE_BYTES);
    } catch (error) {
      if (signal.aborted) return { kind: 'failure', outcome: { kind: 'timeout' }, reason: 'timeout', detail: `no complete answer within ${this.options.timeoutMs} ms` };
      if (error instanceof FetchRefusedError && error.reason === 'too_large') {
        return { kind: 'failure', outcome: { kind: 'response', status: 200, retryAfter: null }, reason: 'bad_response', detail: `answer larger than ${MAX_RESPONSE_BYTES} bytes` };
      }
      const failure = classifyNetworkError(error);
      return { kind: 'failure', outcome: { kind: 'network_error', ...failure }, reason: 'unreachable', detail: `network: ${failure.cause}${failure.code ? ` (${failure.code})` : ''}` };
    }

    const outcome: AttemptOutcome = { kind: 'response', status, retryAfter: headers.get('retry-after') };
    if (status !== 200) {
      // Retryable statuses: the site cannot answer now. Other refusals (401 signature, 409 replay,
      // 400 contract, 404 wrong base URL, redirects) will not mend themselves: a configuration problem.
      const retryable = status >= 500 || status === 408 || status === 429;
      return { kind: 'failure', outcome, reason: retryable ? 'unreachable' : 'misconfigured', detail: `HTTP ${status}${siteErrorCode(text)}` };
    }
    const check = await verifyResponse(this.#secret, signature, { status, headers, body: text }, Math.floor(this.deps.clock.now() / 1000));
    if (!check.ok) return { kind: 'failure', outcome, reason: 'bad_response', detail: `response signature ${check.problem}` };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: 'failure', outcome, reason: 'bad_response', detail: 'answer is not JSON' };
    }
    const parsed = answerSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return { kind: 'failure', outcome, reason: 'bad_response', detail: `answer does not match the contract: ${first?.path.join('.') || '(body)'}: ${first?.message}` };
    }
    return { kind: 'answer', user: parsed.data.user === null ? null : toSiteUserRecord(parsed.data.user) };
  }

  #unavailable(operation: Operation, reason: DirectoryUnavailableError['reason'], detail: string, attempts: number): DirectoryUnavailableError {
    this.deps.logger.log('error', 'directory_unavailable', { directory: 'http', operation, reason, detail, attempts });
    return new DirectoryUnavailableError(reason, `${operation}: ${detail}`);
  }
}

/** `: bad_signature` from the site's `{"error": "bad_signature"}`, for the log (a short token only). */
function siteErrorCode(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    return typeof error === 'string' && /^[a-z_]{1,40}$/.test(error) ? `: ${error}` : '';
  } catch {
    return '';
  }
}

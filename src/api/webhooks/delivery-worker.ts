import type { Clock } from '../../clock.js';
import type { Logger } from '../../log.js';
import { randomToken } from '../../util/bytes.js';
import { parseRetryAfter } from '../../util/retry-policy.js';
import type { AttemptRecord, ClaimedDelivery, WebhookStore } from './ports.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import { snapshotResource } from './snapshot.js';

/** How deliveries are attempted. Defaults: {@link DEFAULT_DELIVERY_POLICY}. */
export interface DeliveryPolicy {
  /** One attempt's deadline: connecting, sending and the answer's status line and excerpt. */
  timeoutMs: number;
  /** First retry delay; doubled per attempt up to `maxDelayMs`, each drawn with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Attempts stop after this long from the delivery's creation: the delivery is `failed`. */
  maxAgeMs: number;
  /** Deliveries attempted at once (different users or endpoints only). */
  concurrency: number;
  /** One run stops claiming after this long (a Workers cron run is bounded). */
  runBudgetMs: number;
  /** Finished deliveries, their log and their events are kept this long. */
  retentionMs: number;
}

const HOUR = 3_600_000;

/**
 * 30 s, 1 min, 2 min … then hourly, for 72 hours: a receiver down for a day or a weekend still
 * gets every event, in order, once it is back.
 */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  timeoutMs: 10_000,
  baseDelayMs: 30_000,
  maxDelayMs: HOUR,
  maxAgeMs: 72 * HOUR,
  concurrency: 8,
  runBudgetMs: 25_000,
  retentionMs: 30 * 24 * HOUR,
};

export interface DeliveryWorkerDeps {
  store: WebhookStore;
  /** Opens an endpoint's sealed signing secret. */
  openSecret: (sealed: string) => Promise<string>;
  /** Outgoing HTTP: redirects are never followed (`redirect: 'manual'`). */
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  clock: Clock;
  logger: Logger;
  tenant: string;
  random?: () => number;
  policy?: Partial<DeliveryPolicy>;
}

export interface DeliveryRunCounts {
  fanned_out: number;
  delivered: number;
  retrying: number;
  failed: number;
  purged: number;
}

const EXCERPT = 200;

/**
 * The webhook delivery worker: fans new outbox events out to the endpoints subscribed to them
 * (one delivery per event × endpoint), then sends due deliveries, at least once each:
 * - each attempt is leased with one conditional UPDATE, so two processes (servers, a CLI, Workers
 *   isolates) never send the same attempt at once; a crashed worker's lease runs out and another
 *   retries (hence at-least-once, with the event id for receivers to drop duplicates);
 * - a user's events reach an endpoint in order: the next waits until the earlier one is delivered
 *   or failed;
 * - anything but a 2xx is retried with exponential backoff and jitter until `maxAgeMs`, then the
 *   delivery is `failed` (visible in the delivery log); redirects are not followed.
 * The runtimes schedule {@link run}: an interval on Node ({@link start}), the cron trigger on Workers.
 */
export class DeliveryWorker {
  private readonly policy: DeliveryPolicy;
  private readonly random: () => number;
  private lastPurge = 0;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...deps.policy };
    this.random = deps.random ?? Math.random;
  }

  /** One run: fan out, deliver what is due (until nothing is or the budget is spent), purge hourly. */
  async run(): Promise<DeliveryRunCounts> {
    const { store, clock } = this.deps;
    const started = clock.now();
    const counts: DeliveryRunCounts = { fanned_out: 0, delivered: 0, retrying: 0, failed: 0, purged: 0 };
    for (let n = -1; n !== 0; ) counts.fanned_out += n = await store.fanOut(clock.now(), 500);
    while (clock.now() - started < this.policy.runBudgetMs) {
      const owner = randomToken(96);
      const now = clock.now();
      // The lease outlasts the attempt's own deadline, so it never runs out while we still send.
      const claimed = await store.claim({ now, owner, leaseUntil: now + 2 * this.policy.timeoutMs + 5_000, limit: this.policy.concurrency });
      if (claimed.length === 0) break;
      const outcomes = await Promise.all(claimed.map((delivery) => this.attempt(delivery, owner)));
      for (const outcome of outcomes) counts[outcome]++;
    }
    if (clock.now() - this.lastPurge >= HOUR) {
      counts.purged = await store.purge(clock.now() - this.policy.retentionMs);
      this.lastPurge = clock.now();
    }
    if (counts.fanned_out + counts.delivered + counts.retrying + counts.failed + counts.purged > 0) {
      this.deps.logger.log('info', 'webhooks', { ...counts, ms: clock.now() - started });
    }
    return counts;
  }

  /**
   * Run every `intervalMs` until stopped (Node). `stop()` waits for the run in progress, so a
   * graceful shutdown never cuts an attempt off midway (its lease would make it wait for a retry).
   */
  start(intervalMs: number): { stop(): Promise<void> } {
    let stopped = false;
    let current: Promise<unknown> = Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      current = this.run()
        .catch((error: unknown) => this.deps.logger.log('error', 'webhooks_failed', { error: (error as Error)?.message ?? String(error) }))
        .finally(() => {
          if (!stopped) schedule();
        });
    };
    const schedule = () => {
      timer = setTimeout(tick, intervalMs);
      (timer as { unref?: () => void }).unref?.();
    };
    schedule();
    return {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await current;
      },
    };
  }

  /** The request body: the same bytes on every attempt (only the signature's timestamp changes). */
  body(delivery: ClaimedDelivery): string {
    let snapshot: Record<string, unknown> = {};
    try {
      snapshot = JSON.parse(delivery.data) as Record<string, unknown>;
    } catch {
      // an unreadable snapshot still notifies (id and type), never blocks the user's queue
    }
    return JSON.stringify({
      id: delivery.eventId,
      type: delivery.type,
      occurred_at: new Date(delivery.occurredAt).toISOString(),
      sequence: delivery.sequence,
      data: { user: snapshotResource(this.deps.tenant, snapshot) },
    });
  }

  private async attempt(delivery: ClaimedDelivery, owner: string): Promise<'delivered' | 'retrying' | 'failed'> {
    const { clock, store } = this.deps;
    const startedAt = clock.now();
    const { retryAfter: retryAfterHeader, ...result } = await this.send(delivery);
    const at = clock.now();
    const record: AttemptRecord = { startedAt, durationMs: Math.max(0, at - startedAt), ...result };
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    let outcome: 'delivered' | 'retrying' | 'failed';
    let held: boolean;
    if (ok) {
      outcome = 'delivered';
      held = await store.finish(delivery, owner, record, { status: 'delivered', at });
    } else {
      const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (delivery.attempt - 1));
      // "Equal jitter": at least half the backoff, so retries really spread out over time.
      let delay = Math.floor(cap / 2 + this.random() * (cap / 2));
      const retryAfter = result.status === 429 || result.status === 503 ? parseRetryAfter(retryAfterHeader, at) : undefined;
      if (retryAfter !== undefined) delay = Math.min(this.policy.maxDelayMs, Math.max(delay, retryAfter));
      const nextAttemptAt = at + delay;
      if (nextAttemptAt - delivery.createdAt > this.policy.maxAgeMs) {
        outcome = 'failed';
        held = await store.finish(delivery, owner, record, { status: 'failed', at });
      } else {
        outcome = 'retrying';
        held = await store.finish(delivery, owner, record, { status: 'pending', nextAttemptAt });
      }
    }
    this.deps.logger.log(ok ? 'info' : 'warn', 'webhook_attempt', {
      endpoint: delivery.endpointId,
      event: delivery.eventId,
      type: delivery.type,
      attempt: delivery.attempt,
      status: result.status,
      error: result.error,
      outcome,
      lease_lost: !held,
    });
    return outcome;
  }

  private async send(delivery: ClaimedDelivery): Promise<Omit<AttemptRecord, 'startedAt' | 'durationMs'> & { retryAfter: string | null }> {
    const body = this.body(delivery);
    let secret: string;
    try {
      secret = await this.deps.openSecret(delivery.sealedSecret);
    } catch {
      return { status: null, error: 'secret_unreadable', response: null, retryAfter: null };
    }
    const timestamp = Math.floor(this.deps.clock.now() / 1000);
    const signal = AbortSignal.timeout(this.policy.timeoutMs);
    try {
      const response = await this.deps.fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'idbridge-webhooks/1',
          [SIGNATURE_HEADER]: await signatureHeader(secret, timestamp, body),
          'Idbridge-Event-Id': delivery.eventId,
          'Idbridge-Event-Type': delivery.type,
          'Idbridge-Delivery-Attempt': String(delivery.attempt),
        },
        body,
        // Never follow: the target of a redirect was not checked as an endpoint URL.
        redirect: 'manual',
        signal,
      });
      const excerpt = await readExcerpt(response, signal);
      const status = response.status;
      const error = status >= 300 && status < 400 ? 'redirect_not_followed' : status >= 200 && status < 300 ? null : 'http_status';
      return { status, error, response: excerpt, retryAfter: response.headers.get('retry-after') };
    } catch (error) {
      return { status: null, error: signal.aborted ? 'timeout' : connectionError(error), response: null, retryAfter: null };
    }
  }
}

/** The first {@link EXCERPT} characters of the answer, printable only; the rest is not read. */
async function readExcerpt(response: Response, signal: AbortSignal): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < EXCERPT * 4 && !signal.aborted) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // a body cut off after the status still counts as that status
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  // eslint-disable-next-line no-control-regex
  const text = new TextDecoder().decode(bytes).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, EXCERPT);
  return text || null;
}

/** A stable word for a transport failure (connection refused, reset, DNS…), never a stack. */
function connectionError(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]{3,40}$/.test(code)) return `connection_failed:${code}`;
    current = (current as { cause?: unknown }).cause;
  }
  return 'connection_failed';
}

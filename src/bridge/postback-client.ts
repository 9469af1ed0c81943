import type { Clock } from '../clock.js';
import { checkOutgoingUrl, type PostbackRetryConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { OutgoingFetch } from '../util/bounded-fetch.js';
import { utf8 } from '../util/bytes.js';
import { classifyNetworkError } from '../util/network-error.js';
import { nextStep, type AttemptOutcome } from '../util/retry-policy.js';

/** The outgoing-HTTP port (declared in util/, where the HTTP directory can use it too). */
export type { OutgoingFetch };

export type PostbackResult =
  | { ok: true; status: number; attempts: number }
  | {
      ok: false;
      reason: 'permanent' | 'attempts' | 'deadline';
      status: number | null;
      attempts: number;
      /** How the last attempt failed when it got no HTTP answer (`timeout`, `dns`, `refused`, …). */
      lastCause: string | null;
    };

export interface PostbackDeps {
  fetch: OutgoingFetch;
  clock: Clock;
  logger: Logger;
  random: () => number;
  policy: PostbackRetryConfig;
}

/**
 * POST the form to the identity service with bounded retries (attempt count and total deadline).
 * Each attempt is logged with request_id, attempt number, status and latency — never the form,
 * which holds the API key and profile values.
 */
export async function sendPostback(
  url: string,
  form: URLSearchParams,
  requestId: string,
  deps: PostbackDeps,
): Promise<PostbackResult> {
  const problem = checkOutgoingUrl(url);
  // Why: re-checked here, not only at start, so no code path can ever post secrets over plain http.
  if (problem) throw new Error(`refusing to post back: the PostBack URL ${problem}`);

  const { clock, logger, policy } = deps;
  const started = clock.now();
  const body = form.toString();
  let lastStatus: number | null = null;
  let lastCause: string | null = null;

  for (let attempt = 1; ; attempt++) {
    const attemptStart = clock.now();
    const remaining = policy.deadlineMs - (attemptStart - started);
    const timeout = Math.max(1, Math.min(policy.attemptTimeoutMs, remaining));
    const outcome = await attemptOnce(deps.fetch, url, body, timeout);
    const latencyMs = clock.now() - attemptStart;
    if (outcome.kind === 'response') lastStatus = outcome.status;
    lastCause = outcome.kind === 'response' ? null : outcome.kind === 'timeout' ? 'timeout' : outcome.cause;
    logger.log(outcome.kind === 'response' && outcome.status < 300 ? 'info' : 'warn', 'postback_attempt', {
      request_id: requestId,
      attempt,
      status: outcome.kind === 'response' ? outcome.status : null,
      error: outcome.kind === 'response' ? undefined : outcome.kind,
      // Why: "network_error" alone does not tell an operator whether to fix DNS, a firewall, a
      // certificate or a slow identity service.
      cause: lastCause ?? undefined,
      code: outcome.kind === 'network_error' ? outcome.code : undefined,
      timeout_ms: outcome.kind === 'timeout' ? timeout : undefined,
      latency_ms: latencyMs,
    });

    const step = nextStep(outcome, attempt, clock.now() - started, policy, deps.random, clock.now());
    if (step.action === 'done') return { ok: true, status: lastStatus!, attempts: attempt };
    if (step.action === 'give_up') {
      logger.log('error', 'postback_failed', {
        request_id: requestId,
        attempts: attempt,
        reason: step.reason,
        status: lastStatus,
        cause: lastCause ?? undefined,
      });
      return { ok: false, reason: step.reason, status: lastStatus, attempts: attempt, lastCause };
    }
    await clock.sleep(step.delayMs);
  }
}

async function attemptOnce(fetch: OutgoingFetch, url: string, body: string, timeoutMs: number): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      // The length declared (the body is urlencoded ASCII): the receiving body limit then need not
      // count the bytes through a wrapping stream — in all-in-one mode the postback is handed to
      // the app in-process as a Request, which carries no length of its own.
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(utf8(body).byteLength), accept: 'text/plain' },
      body,
      redirect: 'manual', // a redirect would carry the API key to wherever it points
      signal: controller.signal,
    });
    // Drain the short text body so the connection can be reused; it is for logs, not users.
    await response.arrayBuffer().catch(() => undefined);
    return { kind: 'response', status: response.status, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    return controller.signal.aborted ? { kind: 'timeout' } : { kind: 'network_error', ...classifyNetworkError(error) };
  } finally {
    clearTimeout(timer);
  }
}

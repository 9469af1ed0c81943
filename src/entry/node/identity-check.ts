import { probeIdentityService, type ProbeOutcome } from '../../bridge/identity-probe.js';
import type { OutgoingFetch } from '../../bridge/postback-client.js';
import { ConfigError, type Config } from '../../config.js';
import type { Logger } from '../../log.js';

export interface IdentityCheck {
  /** Stop retrying in the background (server shutdown). */
  stop(): void;
}

export interface IdentityCheckOptions {
  /** First wait before probing again while the identity service is unreachable (doubles, capped). */
  retryAfterMs?: number;
  maxRetryAfterMs?: number;
}

/**
 * A bridge's start-up check of its PostBack URL and API key (IDBRIDGE_ROLE=bridge): one signed
 * probe to the identity service before the bridge serves anyone. What an operator gets:
 *
 * - the key is refused (401): start-up fails with a {@link ConfigError} naming IDBRIDGE_API_KEY
 *   (exit 1). A wrong key never fixes itself, and failing here beats every user seeing "Sign-in
 *   could not be completed" with `401 permanent` in the log.
 * - the identity service is unreachable or answers 5xx: a warning, and the bridge starts anyway,
 *   probing again in the background (5 s, doubling up to 5 min) until it answers. Services are
 *   started in any order and an outage elsewhere must not keep this one down (or crash-loop it);
 *   postbacks in the meantime are retried as usual. A refusal found by a later probe is logged as
 *   an error (`identity_probe_rejected`); the bridge is then already serving and keeps running.
 * - anything else (404: a wrong PostBack URL, or an identity service without the probe): a warning.
 */
export async function checkIdentityService(
  config: Config,
  fetch: OutgoingFetch,
  logger: Logger,
  options: IdentityCheckOptions = {},
): Promise<IdentityCheck> {
  const apiKey = config.bridge.apiKey;
  if (config.role !== 'bridge' || !apiKey) return { stop: () => undefined };
  const probe = () => probeIdentityService(config.bridge.postbackUrl, apiKey, fetch, config.bridge.postback.attemptTimeoutMs);

  const first = await probe();
  if (first.kind === 'rejected') throw new ConfigError([rejectedMessage(config, first)]);
  report(logger, config, first, false);
  if (first.kind !== 'unreachable') return { stop: () => undefined };

  let delay = options.retryAfterMs ?? 5_000;
  const maxDelay = options.maxRetryAfterMs ?? 5 * 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const again = () => {
    timer = setTimeout(async () => {
      const outcome = await probe();
      if (stopped) return;
      report(logger, config, outcome, true);
      if (outcome.kind !== 'unreachable') return;
      delay = Math.min(delay * 2, maxDelay);
      again();
    }, delay);
    timer.unref();
  };
  again();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function rejectedMessage(config: Config, outcome: ProbeOutcome & { kind: 'rejected' }): string {
  return (
    `IDBRIDGE_API_KEY: the identity service refused this key (HTTP ${outcome.status} from ${outcome.url}). ` +
    `Set it to the key \`idbridge aw show\` prints on the identity service${config.bridge.postbackUrl ? ` behind ${config.bridge.postbackUrl}` : ''}.`
  );
}

function report(logger: Logger, config: Config, outcome: ProbeOutcome, retry: boolean): void {
  switch (outcome.kind) {
    case 'ok':
      logger.log('info', 'identity_service_checked', { probe_url: outcome.url, after_retry: retry });
      return;
    case 'rejected':
      logger.log('error', 'identity_probe_rejected', { probe_url: outcome.url, status: outcome.status, message: rejectedMessage(config, outcome) });
      return;
    case 'unreachable':
      logger.log('warn', 'identity_service_unreachable', {
        probe_url: outcome.url,
        cause: outcome.cause,
        code: outcome.code,
        status: outcome.status,
        message: `The identity service behind IDBRIDGE_POSTBACK_URL (${config.bridge.postbackUrl}) did not answer (${outcome.cause}); starting anyway and checking again in the background. Sign-ins fail until it answers.`,
      });
      return;
    case 'unexpected':
      logger.log('warn', 'identity_probe_unexpected', {
        probe_url: outcome.url,
        status: outcome.status,
        message: `IDBRIDGE_POSTBACK_URL (${config.bridge.postbackUrl}): the probe next to it ${outcome.detail}; check that the PostBack URL is the identity service's /ows_auth.`,
      });
  }
}

import { IdbridgeError, invalidRequest } from '../errors.js';
import type { Logger } from '../log.js';
import { PROBE_NONCE, probeSignature, probeSignatureMatches } from '../util/bridge-probe.js';

export interface ProbeReceiverDeps {
  /** The current API key, or null when none exists yet (the probe never creates one). */
  apiKey: () => Promise<string | null>;
  logger: Logger;
}

/**
 * `POST /ows_probe` at the identity service: the bridge's start-up check of its API key (see
 * util/bridge-probe.ts). Answers the signed proof that this service holds the same key, or
 * 401. Touches nothing but the key: no request, session or counter is created.
 */
export async function answerProbe(form: Record<string, string[]>, deps: ProbeReceiverDeps): Promise<string> {
  const one = (name: string) => {
    const values = form[name];
    if (!values || values.length !== 1) throw invalidRequest(`${name} must be given once`);
    return values[0]!;
  };
  const nonce = one('nonce');
  if (!PROBE_NONCE.test(nonce)) throw invalidRequest('malformed nonce');
  const signature = one('signature');
  const key = await deps.apiKey();
  if (!key || !(await probeSignatureMatches(key, 'request', nonce, signature))) {
    deps.logger.log('warn', 'probe_unauthorized', {});
    throw new IdbridgeError('unauthorized', 'invalid api_key');
  }
  deps.logger.log('info', 'probe_answered', {});
  return `signature=${await probeSignature(key, 'answer', nonce)}\n`;
}

import { probeSignature, probeSignatureMatches, probeUrl } from '../util/bridge-probe.js';
import { randomToken } from '../util/bytes.js';
import { classifyNetworkError, type NetworkCause } from '../util/network-error.js';
import type { OutgoingFetch } from './postback-client.js';

/** What the identity service said to the bridge's probe. */
export type ProbeOutcome =
  /** It holds the same API key (and proved it). */
  | { kind: 'ok'; url: string }
  /** It answered 401: the bridge's IDBRIDGE_API_KEY is not its key. */
  | { kind: 'rejected'; url: string; status: number }
  /** No answer, or a temporary one (5xx, 408, 429): worth trying again later. */
  | { kind: 'unreachable'; url: string; cause: NetworkCause | 'timeout' | 'unavailable'; code?: string; status?: number }
  /** An answer that is not an idbridge identity service's (404, a redirect, a wrong proof). */
  | { kind: 'unexpected'; url: string; status: number; detail: string };

/**
 * Send one signed probe to the probe endpoint next to `postbackUrl` (see util/bridge-probe.ts).
 * Never throws for network trouble; the key never leaves the bridge (only an HMAC under it).
 */
export async function probeIdentityService(postbackUrl: string, apiKey: string, fetch: OutgoingFetch, timeoutMs: number): Promise<ProbeOutcome> {
  const url = probeUrl(postbackUrl);
  const nonce = randomToken(256);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/plain' },
      body: new URLSearchParams({ nonce, signature: await probeSignature(apiKey, 'request', nonce) }).toString(),
      redirect: 'manual',
      signal: controller.signal,
    });
    body = (await response.text()).slice(0, 1024);
  } catch (error) {
    if (controller.signal.aborted) return { kind: 'unreachable', url, cause: 'timeout' };
    return { kind: 'unreachable', url, ...classifyNetworkError(error) };
  } finally {
    clearTimeout(timer);
  }
  const { status } = response;
  if (status === 401) return { kind: 'rejected', url, status };
  if (status >= 500 || status === 408 || status === 429) return { kind: 'unreachable', url, cause: 'unavailable', status };
  if (status !== 200) return { kind: 'unexpected', url, status, detail: `answered HTTP ${status}` };
  const signature = /^signature=([A-Za-z0-9_-]+)\s*$/.exec(body)?.[1];
  if (!signature || !(await probeSignatureMatches(apiKey, 'answer', nonce, signature))) {
    return { kind: 'unexpected', url, status, detail: 'answered without proof of the same API key' };
  }
  return { kind: 'ok', url };
}

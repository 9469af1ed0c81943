import { Agent, fetch as undiciFetch } from 'undici';
import type { OutgoingFetch } from '../../bridge/postback-client.js';

/**
 * Outgoing HTTP on Node: undici with a pooled keep-alive agent. TLS certificates are always
 * verified (undici's default; never disabled here), so the postback cannot be intercepted.
 */
export function nodeFetch(): OutgoingFetch {
  const dispatcher = new Agent({ connect: { timeout: 5_000 }, keepAliveTimeout: 10_000, connections: 64 });
  return (input, init) => undiciFetch(input, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
}

/**
 * A GET to a URL someone else chose (an OpenID 2.0 relying party's realm), with hard bounds: one
 * total deadline for all hops and the body, a byte cap, a redirect limit with every hop
 * re-checked, https only unless allowed, and IP-literal hosts checked against an address policy.
 *
 * Runtime-agnostic over any Web `fetch`. Host names are not resolved here: the Node entry checks
 * the addresses they resolve to when it connects; Cloudflare Workers cannot reach private
 * addresses at all.
 */
import { addressAllowed, classifyAddress, type AddressPolicy } from './ip-address.js';

export interface BoundedFetchLimits {
  /** One deadline for the whole exchange: every redirect hop and the body. */
  timeoutMs: number;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Redirects followed at most (when the caller follows them at all). */
  maxRedirects: number;
  /** Allow plain http (development and tests only). */
  allowHttp: boolean;
  addresses: AddressPolicy;
}

/** Why a bounded fetch gave up. Stable strings: they end up in logs. */
export type FetchFailure =
  | 'timeout'
  | 'too_large'
  | 'too_many_redirects'
  | 'redirected'
  | 'insecure_scheme'
  | 'address_refused'
  | 'invalid_url'
  | 'network';

export class FetchRefusedError extends Error {
  constructor(readonly reason: FetchFailure) {
    super(`outgoing request refused: ${reason}`);
    this.name = 'FetchRefusedError';
  }
}

export interface BoundedResponse {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  headers: Headers;
  /** The body as UTF-8 text (at most `maxBytes` bytes). */
  body: string;
}

export interface BoundedGet {
  accept: string;
  /** false: a redirect is a failure (`redirected`), not followed. */
  followRedirects: boolean;
}

/** The port: GET `url` within the limits; throws {@link FetchRefusedError}, never anything else. */
export type BoundedFetch = (url: string, options: BoundedGet) => Promise<BoundedResponse>;

/** The outgoing-HTTP port: undici's fetch on Node, the global fetch on Workers. */
export type OutgoingFetch = (input: string, init: RequestInit) => Promise<Response>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Wrap a Web `fetch` in the limits. `classify` maps a runtime's own errors (e.g. the Node
 * connector's address refusal) to a {@link FetchFailure}; anything unknown is `network`.
 */
export function boundedFetch(fetch: OutgoingFetch, limits: BoundedFetchLimits, classify?: (error: unknown) => FetchFailure | undefined): BoundedFetch {
  const check = (raw: string, base?: string): URL => {
    let url: URL;
    try {
      url = new URL(raw, base);
    } catch {
      throw new FetchRefusedError('invalid_url');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && limits.allowHttp)) throw new FetchRefusedError('insecure_scheme');
    if (url.username !== '' || url.password !== '') throw new FetchRefusedError('invalid_url');
    if (classifyAddress(url.hostname) !== null && !addressAllowed(url.hostname, limits.addresses)) {
      throw new FetchRefusedError('address_refused');
    }
    return url;
  };

  return async (raw, options) => {
    const signal = AbortSignal.timeout(limits.timeoutMs);
    try {
      let url = check(raw);
      for (let hop = 0; ; hop++) {
        const response = await fetch(url.toString(), {
          method: 'GET',
          headers: { accept: options.accept },
          // Redirects are ours to follow: each target is checked like the first URL.
          redirect: 'manual',
          signal,
        });
        const location = response.headers.get('location');
        if (REDIRECTS.has(response.status) && location !== null) {
          await response.body?.cancel().catch(() => undefined);
          if (!options.followRedirects) throw new FetchRefusedError('redirected');
          if (hop >= limits.maxRedirects) throw new FetchRefusedError('too_many_redirects');
          url = check(location, url.toString());
          continue;
        }
        return { url: url.toString(), status: response.status, headers: response.headers, body: await readCapped(response, limits.maxBytes) };
      }
    } catch (error) {
      if (error instanceof FetchRefusedError) throw error;
      if (signal.aborted) throw new FetchRefusedError('timeout');
      throw new FetchRefusedError(classify?.(error) ?? 'network');
    }
  };
}

/** Read at most `maxBytes` of the body; more is `too_large` (and the rest is not read). */
export async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchRefusedError('too_large');
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new FetchRefusedError('too_large');
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder('utf-8').decode(bytes);
}

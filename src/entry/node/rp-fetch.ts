import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import type { RelyingPartyFetch } from '../../provider/rp-discovery.js';
import { boundedFetch, type BoundedFetch, type BoundedFetchLimits, type FetchFailure } from '../../util/bounded-fetch.js';
import { addressAllowed, type AddressPolicy } from '../../util/ip-address.js';

const REFUSED = 'IDBRIDGE_ADDRESS_REFUSED';

function refused(host: string): Error {
  return Object.assign(new Error(`refusing to connect to ${host}: not a public address`), { code: REFUSED });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` that fails when any address the name resolves to is not allowed: a name with
 * one public and one private address must not reach the private one.
 */
function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.length === 0 || addresses.some((a) => !addressAllowed(a.address, policy))) return callback(refused(hostname), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * The undici connector with the address check at connect time: the addresses a host name
 * resolves to are checked in the lookup undici's socket uses (so a DNS answer that changes
 * between a check and the connection cannot slip past), IP literals before connecting, and the
 * connected peer once more.
 */
function guardedConnector(policy: AddressPolicy, timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, lookup: guardedLookup(policy) } as buildConnector.BuildOptions);
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !addressAllowed(host, policy)) return callback(refused(host), null);
    connect(options, (error, socket) => {
      if (error) return callback(error, null);
      const peer = (socket as Socket).remoteAddress;
      if (peer === undefined || !addressAllowed(peer, policy)) {
        socket!.destroy();
        return callback(refused(peer ?? host), null);
      }
      callback(null, socket!);
    });
  };
}

function classify(error: unknown): FetchFailure | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: string }).code === REFUSED) return 'address_refused';
  }
  return undefined;
}

/** The bounded fetch on Node: undici through {@link guardedConnector}. */
export function nodeBoundedFetch(limits: BoundedFetchLimits): BoundedFetch {
  const dispatcher = new Agent({
    connect: guardedConnector(limits.addresses, limits.timeoutMs),
    keepAliveTimeout: 1_000,
    connections: 4,
  });
  return boundedFetch((input, init) => undiciFetch(input, { ...(init as object), dispatcher }) as unknown as Promise<Response>, limits, classify);
}

/** Relying-party discovery's fetch on Node (discovery may run on after the response). */
export function nodeRpFetch(limits: BoundedFetchLimits): RelyingPartyFetch {
  return { fetch: nodeBoundedFetch(limits), background: true };
}

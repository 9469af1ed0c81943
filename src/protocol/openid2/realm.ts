/**
 * Realms and return_to URLs (OpenID 2.0 §9.2).
 *
 * A realm names the part of URL space an authentication request is for and is what the user is
 * asked to trust; the return_to URL, where the assertion is delivered, must lie inside it. Getting
 * this wrong makes the OP an open redirector that hands signed assertions to the wrong site.
 */
import { invalidRequest } from '../../errors.js';

/** A validated realm. */
export interface Realm {
  /** The realm as the RP sent it (shown to the user, passed to the bridge). */
  readonly value: string;
  readonly protocol: 'http:' | 'https:';
  /** Host without the `*.` wildcard, lower-case, IDNs in punycode. */
  readonly host: string;
  /** Did the realm start with `*.`, matching the host and all its sub-domains? */
  readonly wildcard: boolean;
  /** Effective port (explicit or the scheme's default). */
  readonly port: string;
  /** Path prefix; never empty (at least `/`). */
  readonly path: string;
}

export const MAX_URL_LENGTH = 2048;

/**
 * Second-level labels that, under a two-letter country code, are registries rather than sites
 * (`co.uk`, `com.au`, …). A heuristic, not the Public Suffix List: it catches the usual overly
 * broad wildcards like `*.co.uk` that §9.2 asks OPs to protect users from.
 */
const REGISTRY_SECOND_LEVEL: ReadonlySet<string> = new Set([
  'ac', 'co', 'com', 'edu', 'gob', 'gov', 'go', 'govt', 'ltd', 'me', 'mil', 'ne', 'net', 'nic', 'nom',
  'or', 'org', 'plc', 'sch',
]);

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

function parseHttpUrl(value: string, what: string): URL {
  if (value.length === 0 || value.length > MAX_URL_LENGTH) throw invalidRequest(`The ${what} is missing or too long.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest(`The ${what} is not an absolute URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidRequest(`The ${what} must be an http or https URL.`);
  }
  // Credentials in a URL are a classic way to make `https://trusted@evil/` look trusted.
  if (url.username !== '' || url.password !== '') throw invalidRequest(`The ${what} must not contain credentials.`);
  return url;
}

function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || /^[0-9.]+$/.test(host) || /\.(?:0x[0-9a-f]*|[0-9]+)$/.test(host);
}

/** Is a wildcard over this base domain too broad to be one site (`*.com`, `*.co.uk`)? */
function isTooBroad(base: string): boolean {
  const labels = base.split('.');
  if (labels.length < 2) return true;
  if (labels.length === 2) {
    const [second, tld] = labels as [string, string];
    if (tld.length === 2 && REGISTRY_SECOND_LEVEL.has(second)) return true;
  }
  return false;
}

/**
 * Validate a realm (§9.2): absolute http(s) URL without fragment or credentials; a wildcard only
 * as a leading `*.` label over a domain that is not a bare TLD, a registry suffix or an IP address.
 * A query in the realm is allowed and plays no part in matching. Throws `invalid_request`.
 */
export function parseRealm(value: string): Realm {
  if (value.includes('#')) throw invalidRequest('The realm must not contain a fragment.');
  const url = parseHttpUrl(value, 'realm');
  let host = url.hostname;
  const wildcard = host.startsWith('*.');
  if (wildcard) host = host.slice(2);
  if (host.length === 0 || host.includes('*')) {
    throw invalidRequest('A realm may use a wildcard only as its leftmost label ("*.example.com").');
  }
  if (wildcard && (isIpLiteral(host) || isTooBroad(host))) {
    throw invalidRequest('The realm wildcard covers more than one site.');
  }
  return {
    value,
    protocol: url.protocol as 'http:' | 'https:',
    host,
    wildcard,
    port: url.port || defaultPort(url.protocol),
    path: url.pathname || '/',
  };
}

/**
 * Validate a return_to URL: absolute http(s), no credentials. It may carry a query (echoed back
 * unchanged) and a fragment, but no `openid.*` query parameters: the assertion adds those, and a
 * duplicate would let the RP read a value other than the one we signed.
 */
export function parseReturnTo(value: string): URL {
  const url = parseHttpUrl(value, 'return_to URL');
  for (const key of url.searchParams.keys()) {
    if (key.startsWith('openid.')) throw invalidRequest('The return_to URL must not carry openid.* parameters.');
  }
  return url;
}

/** Is `path` equal to the realm path or below it (`/a` covers `/a`, `/a/b`, not `/ab`)? */
function pathWithin(realmPath: string, path: string): boolean {
  if (path === realmPath) return true;
  const prefix = realmPath.endsWith('/') ? realmPath : `${realmPath}/`;
  return path.startsWith(prefix);
}

/**
 * Does the return_to URL lie within the realm (§9.2)? Same scheme, same effective port, the same
 * host (or, with a wildcard, a sub-domain of it), and a path equal to or below the realm's path.
 * The return_to's query and fragment do not matter.
 */
export function returnToMatchesRealm(realm: Realm, returnTo: URL): boolean {
  if (returnTo.protocol !== realm.protocol) return false;
  if ((returnTo.port || defaultPort(returnTo.protocol)) !== realm.port) return false;
  const host = returnTo.hostname;
  const hostOk = realm.wildcard ? host === realm.host || host.endsWith(`.${realm.host}`) : host === realm.host;
  if (!hostOk) return false;
  return pathWithin(realm.path, returnTo.pathname || '/');
}

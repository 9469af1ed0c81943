/**
 * Relying-party discovery (OpenID 2.0 §13, used for return_to verification per §9.2.1).
 *
 * An RP publishes, by Yadis on its realm, an XRDS document whose service of type
 * `http://specs.openid.net/auth/2.0/return_to` lists its return_to URLs. The OP discovers it
 * (a wildcard realm at `www.` in place of `*`) and checks that the request's return_to matches one
 * of them. idbridge uses the outcome as a signal shown to the user, never as a gate.
 *
 * Pure: the network is the {@link YadisGet} port. The documents are attacker-chosen, so the
 * parsing below is linear in the input (no backtracking regular expressions over the body).
 */
import { RETURN_TO_SERVICE_TYPE } from './constants.js';
import { escapeMarkup, XRDS_CONTENT_TYPE } from './discovery.js';
import { parseRealm, returnToMatchesRealm, type Realm } from './realm.js';

/** What discovery concluded for one request. Stable strings: they end up in logs. */
export type RpDiscoveryResult = 'verified' | 'no_xrds' | 'return_to_not_listed' | `fetch_failed:${string}`;

/** What the RP's realm published: its return_to URLs, or why there is nothing to compare with. */
export type RelyingPartyEndpoints = { returnTo: string[] } | { failed: 'no_xrds' | `fetch_failed:${string}` };

export interface YadisResponse {
  status: number;
  contentType: string;
  /** The `X-XRDS-Location` response header, if any. */
  xrdsLocation: string | null;
  body: string;
}

/**
 * The network port: GET `url` with `Accept: application/xrds+xml`. Resolves with the response or
 * `{ failed: reason }` (timeout, too_large, redirected, …); never rejects.
 */
export type YadisGet = (url: string, followRedirects: boolean) => Promise<YadisResponse | { failed: string }>;

/** The XRDS a relying party publishes at its realm (§13), listing its return_to URLs. */
export function relyingPartyXrds(returnToUrls: readonly string[]): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">',
    '<XRD>',
    '<Service>',
    `<Type>${RETURN_TO_SERVICE_TYPE}</Type>`,
    ...returnToUrls.map((url) => `<URI>${escapeMarkup(url)}</URI>`),
    '</Service>',
    '</XRD>',
    '</xrds:XRDS>',
  ];
  return `${lines.join('\n')}\n`;
}

/** The URL to discover a realm at (§9.2.1): the realm itself, `*.` replaced by `www.`. */
export function relyingPartyDiscoveryUrl(realm: Realm): string {
  const url = new URL(realm.value);
  if (realm.wildcard) url.hostname = `www.${realm.host}`;
  url.hash = '';
  return url.toString();
}

/**
 * Yadis on the realm (Yadis 1.0 §6.2): an XRDS answer, or a pointer to one (`X-XRDS-Location`
 * header or HTML `<meta http-equiv>`), fetched in turn. §9.2.1: if the realm itself redirects,
 * verification has failed, so the first GET does not follow redirects; the XRDS location may.
 */
export async function discoverRelyingParty(realm: Realm, get: YadisGet): Promise<RelyingPartyEndpoints> {
  const url = relyingPartyDiscoveryUrl(realm);
  const first = await get(url, false);
  if ('failed' in first) return { failed: `fetch_failed:${first.failed}` };
  if (first.status !== 200) return { failed: `fetch_failed:http_${first.status}` };
  let body = first.body;
  if (!isXrdsType(first.contentType)) {
    const location = first.xrdsLocation ?? (isHtmlType(first.contentType) ? metaXrdsLocation(first.body) : null);
    if (location !== null) {
      let next: string;
      try {
        next = new URL(location, url).toString();
      } catch {
        return { failed: 'fetch_failed:invalid_url' };
      }
      const second = await get(next, true);
      if ('failed' in second) return { failed: `fetch_failed:${second.failed}` };
      if (second.status !== 200) return { failed: `fetch_failed:http_${second.status}` };
      body = second.body;
    }
  }
  // An XRDS served with another content type still counts (as python-openid and others accept).
  const returnTo = returnToUrlsFromXrds(body);
  return returnTo === null ? { failed: 'no_xrds' } : { returnTo };
}

/** The verdict for one return_to, given what discovery found. */
export function returnToVerdict(endpoints: RelyingPartyEndpoints, returnTo: string): RpDiscoveryResult {
  if ('failed' in endpoints) return endpoints.failed;
  return returnToListed(endpoints.returnTo, returnTo) ? 'verified' : 'return_to_not_listed';
}

/**
 * Does `returnTo` match one of the discovered return_to URLs? Each is used as a realm (§9.2
 * rules: scheme, host, port, path prefix) and must not contain a wildcard (§9.2.1).
 */
export function returnToListed(endpoints: readonly string[], returnTo: string): boolean {
  let target: URL;
  try {
    target = new URL(returnTo);
  } catch {
    return false;
  }
  return endpoints.some((endpoint) => {
    try {
      const realm = parseRealm(endpoint);
      return !realm.wildcard && returnToMatchesRealm(realm, target);
    } catch {
      return false; // a malformed entry matches nothing
    }
  });
}

function mediaType(contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}

function isXrdsType(contentType: string): boolean {
  return mediaType(contentType) === XRDS_CONTENT_TYPE;
}

function isHtmlType(contentType: string): boolean {
  const type = mediaType(contentType);
  return type === 'text/html' || type === 'application/xhtml+xml';
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decode the XML/HTML character references a URL may contain. */
function decodeEntities(text: string): string {
  return text.replace(/&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z]{2,4}));/g, (all, hex: string, dec: string, name: string) => {
    if (name !== undefined) return ENTITIES[name] ?? all;
    const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

/** Tag name without its namespace prefix. */
function localName(tag: string): string {
  const name = /^\/?\s*([^\s/>]+)/.exec(tag)?.[1] ?? '';
  const colon = name.lastIndexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : name;
}

/**
 * The return_to URLs an XRDS document lists: the URIs of every service of type
 * {@link RETURN_TO_SERVICE_TYPE} in its last XRD (Yadis: the final XRD describes the resource).
 * Elements are matched by local name. `null` when the text is not an XRDS document.
 */
export function returnToUrlsFromXrds(xml: string): string[] | null {
  let sawXrds = false;
  // One entry per XRD element: the return_to URIs found in it.
  const xrds: string[][] = [];
  let service = null as { types: string[]; uris: string[] } | null;
  let capture = null as { into: 'types' | 'uris'; text: string } | null;
  let pos = 0;
  for (;;) {
    const open = xml.indexOf('<', pos);
    if (capture) capture.text += xml.slice(pos, open < 0 ? xml.length : open);
    if (open < 0) break;
    if (xml.startsWith('<!--', open)) {
      const end = xml.indexOf('-->', open + 4);
      if (end < 0) break;
      pos = end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', open)) {
      const end = xml.indexOf(']]>', open + 9);
      if (end < 0) break;
      if (capture) capture.text += xml.slice(open + 9, end).replace(/&/g, '&amp;'); // literal text, kept as is by the decode below
      pos = end + 3;
      continue;
    }
    const close = xml.indexOf('>', open + 1);
    if (close < 0) break;
    pos = close + 1;
    const tag = xml.slice(open + 1, close);
    if (tag.startsWith('?') || tag.startsWith('!')) continue; // declarations, processing instructions
    const name = localName(tag);
    const closing = tag.startsWith('/');
    const empty = !closing && tag.endsWith('/');
    if (name === 'XRDS' && !closing) sawXrds = true;
    else if (name === 'XRD' && !closing) {
      xrds.push([]);
      service = null;
    } else if (name === 'Service' && xrds.length > 0) {
      if (closing && service) {
        if (service.types.includes(RETURN_TO_SERVICE_TYPE)) xrds.at(-1)!.push(...service.uris);
        service = null;
      } else if (!closing && !empty) {
        service = { types: [], uris: [] };
      }
    } else if ((name === 'Type' || name === 'URI') && service) {
      const into = name === 'Type' ? 'types' : 'uris';
      if (closing && capture?.into === into) {
        const value = decodeEntities(capture.text).trim();
        if (value !== '') service[into].push(value);
        capture = null;
      } else if (!closing && !empty) {
        capture = { into, text: '' };
      }
    }
  }
  if (!sawXrds || xrds.length === 0) return null;
  return xrds.at(-1)!;
}

/** `<meta http-equiv="X-XRDS-Location" content="…">` in an HTML head (Yadis 1.0 §6.2.5). */
export function metaXrdsLocation(html: string): string | null {
  const lower = html.toLowerCase();
  const headEnd = lower.indexOf('</head');
  const limit = headEnd < 0 ? lower.length : headEnd;
  let pos = 0;
  for (;;) {
    const open = lower.indexOf('<meta', pos);
    if (open < 0 || open >= limit) return null;
    const close = lower.indexOf('>', open);
    if (close < 0) return null;
    pos = close + 1;
    // A Map: attribute names are attacker-chosen (`__proto__`). The lookbehind starts a name only
    // at the beginning of a run of name characters, which keeps the match linear.
    const attrs = new Map<string, string>();
    for (const m of html.slice(open + 5, close).matchAll(/(?<![a-zA-Z:-])([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
      attrs.set(m[1]!.toLowerCase(), m[2] ?? m[3] ?? m[4] ?? '');
    }
    const content = attrs.get('content');
    if ((attrs.get('http-equiv') ?? '').toLowerCase() === 'x-xrds-location' && content) return decodeEntities(content).trim();
  }
}

/**
 * Discovery documents (OpenID 2.0 §7.3): XRDS for the OP identifier and for claimed identifiers,
 * and the HTML `<link>` elements for HTML-based discovery.
 *
 * RPs compare the advertised endpoint and local identifier with the assertion's `op_endpoint` and
 * `identity` character for character, and some (node `openid`) read these documents with regular
 * expressions and without unescaping: use URLs that need no escaping (no `&`, quotes, `<`, `>`).
 * They are escaped all the same, so an unusual value cannot inject markup.
 */
import { AX_1_0_NS, SERVER_SERVICE_TYPE, SIGNON_SERVICE_TYPE, SREG_1_0_NS, SREG_1_1_NS } from './constants.js';

export const XRDS_CONTENT_TYPE = 'application/xrds+xml';

/** Escape text for XML/HTML element content and double- or single-quoted attribute values. */
export function escapeMarkup(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Extension types advertised next to the OpenID service type. */
const EXTENSION_TYPES = [SREG_1_1_NS, SREG_1_0_NS, AX_1_0_NS] as const;

function xrds(serviceType: string, opEndpoint: string, localId?: string): string {
  // One element per line, default namespace, no prefixes: simple regex-based parsers rely on it.
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">',
    '<XRD>',
    '<Service priority="0">',
    `<Type>${escapeMarkup(serviceType)}</Type>`,
    ...EXTENSION_TYPES.map((type) => `<Type>${escapeMarkup(type)}</Type>`),
    `<URI>${escapeMarkup(opEndpoint)}</URI>`,
    ...(localId === undefined ? [] : [`<LocalID>${escapeMarkup(localId)}</LocalID>`]),
    '</Service>',
    '</XRD>',
    '</xrds:XRDS>',
  ];
  return `${lines.join('\n')}\n`;
}

/** XRDS for the OP identifier (identifier_select): service type `…/2.0/server` at `opEndpoint`. */
export function opIdentifierXrds(opEndpoint: string): string {
  return xrds(SERVER_SERVICE_TYPE, opEndpoint);
}

/** XRDS for a claimed identifier: service type `…/2.0/signon` at `opEndpoint`, with `LocalID`. */
export function claimedIdentifierXrds(opEndpoint: string, localId: string): string {
  return xrds(SIGNON_SERVICE_TYPE, opEndpoint, localId);
}

/**
 * `<link>` elements for the `<head>` of a claimed identifier's HTML page (§7.3.3). Each on a line of
 * its own, the first one too: node `openid` matches a link tag from the first `<link` on a line
 * and takes the first `href` after it, so another `<link>` earlier on the same line would win.
 */
export function htmlDiscoveryLinks(opEndpoint: string, localId?: string): string {
  const links = [`<link rel="openid2.provider" href="${escapeMarkup(opEndpoint)}">`];
  if (localId !== undefined) links.push(`<link rel="openid2.local_id" href="${escapeMarkup(localId)}">`);
  return `\n${links.join('\n')}\n`;
}

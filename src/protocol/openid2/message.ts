/**
 * OpenID 2.0 protocol messages as they arrive over HTTP (§4.1.2) and the generic replies to them.
 *
 * Input is the request's parameters as a plain record: the HTTP layer has already read the query
 * (indirect requests) or the form body (direct requests) and rejected any repeated parameter, so
 * every key here is unique. Only `openid.*` keys belong to the message; anything else (for example
 * the RP's own query parameters that a stateless RP copies into `check_authentication`) is ignored.
 */
import { invalidRequest, type IdbridgeError } from '../../errors.js';
import { OPENID2_NS } from './constants.js';

/** The `openid.*` fields of a message, keyed without the `openid.` prefix (`mode`, `ns.sreg`, …). */
export type OpenIdFields = Readonly<Record<string, string>>;

/** A parsed OpenID 2.0 message. */
export interface OpenIdMessage {
  /** `openid.mode`. */
  readonly mode: string;
  /** Every `openid.*` field without its prefix, `ns` and `mode` included. Null prototype. */
  readonly fields: OpenIdFields;
}

/** Size limits applied before anything else looks at a message. */
export interface MessageLimits {
  /** Most `openid.*` parameters in one message. */
  maxParams: number;
  /** Longest parameter name, prefix included. */
  maxKeyLength: number;
  /** Longest parameter value. */
  maxValueLength: number;
  /** Most characters over all `openid.*` names and values. */
  maxTotalLength: number;
}

export const DEFAULT_MESSAGE_LIMITS: Readonly<MessageLimits> = Object.freeze({
  maxParams: 200,
  maxKeyLength: 200,
  maxValueLength: 4096,
  maxTotalLength: 65536,
});

const PREFIX = 'openid.';
/** Parameter names: printable ASCII without spaces (§4.1.1 forbids `:`/newline; we are stricter). */
const KEY_PATTERN = /^openid\.[\x21-\x39\x3b-\x7e]+$/;
/**
 * Control characters are refused in every value. Why: values are echoed into signed Key-Value
 * data (a newline would forge a line), and the WHATWG URL parser silently drops tabs and newlines,
 * so a URL could be checked in one form and echoed in another.
 */
const CONTROL_CHARS = /[\x00-\x1f\x7f]/;

/**
 * Parse the `openid.*` parameters of an HTTP request into an OpenID 2.0 message.
 *
 * Rejects (with `invalid_request`): a message without `openid.ns` = {@link OPENID2_NS} (OpenID
 * 1.x is not spoken), a missing `openid.mode`, oversized input, malformed names, control
 * characters in values.
 */
export function parseOpenIdMessage(
  params: Readonly<Record<string, string>>,
  limits: Readonly<MessageLimits> = DEFAULT_MESSAGE_LIMITS,
): OpenIdMessage {
  const fields = Object.create(null) as Record<string, string>;
  let count = 0;
  let total = 0;
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(PREFIX)) continue;
    count += 1;
    total += key.length + value.length;
    if (count > limits.maxParams || total > limits.maxTotalLength) {
      throw invalidRequest('The OpenID message is too large.');
    }
    if (key.length > limits.maxKeyLength || !KEY_PATTERN.test(key)) {
      throw invalidRequest('The OpenID message has a malformed parameter name.');
    }
    if (value.length > limits.maxValueLength) {
      throw invalidRequest(`The parameter ${key} is too long.`);
    }
    if (CONTROL_CHARS.test(value)) {
      throw invalidRequest(`The parameter ${key} contains control characters.`);
    }
    fields[key.slice(PREFIX.length)] = value;
  }
  if (count === 0) throw invalidRequest('This is not an OpenID message.');
  if (fields['ns'] !== OPENID2_NS) {
    throw invalidRequest(`Only OpenID 2.0 is supported: openid.ns must be ${OPENID2_NS}.`);
  }
  const mode = fields['mode'];
  if (mode === undefined || mode === '') throw invalidRequest('openid.mode is missing.');
  return { mode, fields };
}

/** Prefix field names with `openid.` for an indirect message (redirect query or form post). */
export function toHttpParams(fields: Iterable<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of fields) out[PREFIX + key] = value;
  return out;
}

/**
 * Namespace aliases declared in a message (§12): `ns.<alias>` = URI. Returns URI → alias.
 *
 * Rejects an alias containing a period or equal to a core field name, and a URI bound to two
 * aliases (§12 allows one alias per namespace per message).
 */
export function namespaceAliases(fields: OpenIdFields): Map<string, string> {
  const byUri = new Map<string, string>();
  for (const [key, uri] of Object.entries(fields)) {
    if (!key.startsWith('ns.')) continue;
    const alias = key.slice(3);
    if (alias.length === 0 || alias.includes('.') || RESERVED_ALIASES.has(alias)) {
      throw invalidRequest(`openid.ns.${alias} is not a valid namespace alias.`);
    }
    if (byUri.has(uri)) throw invalidRequest(`The namespace ${uri} is declared twice.`);
    byUri.set(uri, alias);
  }
  return byUri;
}

/** Aliases §12 reserves for the core protocol. */
const RESERVED_ALIASES: ReadonlySet<string> = new Set([
  'assoc_handle', 'assoc_type', 'claimed_id', 'contact', 'delegate', 'dh_consumer_public', 'dh_gen',
  'dh_modulus', 'error', 'identity', 'invalidate_handle', 'mode', 'ns', 'op_endpoint', 'openid',
  'realm', 'reference', 'response_nonce', 'return_to', 'server', 'session_type', 'sig', 'signed',
  'trust_root',
]);

/** Make free text safe for a Key-Value line and short enough to show. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 500);
}

/**
 * Fields of a direct error response (§5.1.2.2), to be sent with the error's HTTP status (400) in
 * Key-Value form: `ns`, `error`, `error_code`, plus the error's extra fields (for
 * `unsupported-type`: the preferred `assoc_type` / `session_type`, §8.2.4).
 */
export function directErrorFields(error: IdbridgeError): Record<string, string> {
  const out: Record<string, string> = { ns: OPENID2_NS, error: oneLine(error.description), error_code: error.code };
  for (const [key, value] of Object.entries(error.extra)) {
    if (!(key in out)) out[key] = oneLine(value);
  }
  return out;
}

/**
 * `openid.*` parameters of an indirect error response (§5.2.3), for a redirect to a return_to
 * that has already been checked against the realm. `return_to` is echoed because node `openid`
 * refuses any response without it before reading the mode.
 */
export function indirectErrorParams(returnTo: string, description: string): Record<string, string> {
  return toHttpParams([
    ['ns', OPENID2_NS],
    ['mode', 'error'],
    ['error', oneLine(description)],
    ['return_to', returnTo],
  ]);
}

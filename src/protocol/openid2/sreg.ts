/**
 * Simple Registration 1.0 / 1.1: `sreg.required`, `sreg.optional`, `sreg.policy_url` in requests,
 * `sreg.<field>` in responses.
 */
import { SREG_FIELDS, isSregField, releasableValue, splitList, type AttributeValues, type SregField } from './attributes.js';
import { SREG_1_0_NS, SREG_1_1_NS } from './constants.js';
import type { OpenIdFields } from './message.js';

export interface SregRequest {
  /** The namespace URI the RP declared, or `null` for SREG 1.0 sent without a declaration. */
  readonly namespace: typeof SREG_1_1_NS | typeof SREG_1_0_NS | null;
  /** The alias the RP used (`sreg` when undeclared). */
  readonly alias: string;
  readonly required: readonly SregField[];
  /** Optional fields that are not also required. */
  readonly optional: readonly SregField[];
  /** `sreg.policy_url` when it is an absolute http(s) URL (otherwise dropped: it may be shown as a link). */
  readonly policyUrl: string | null;
}

function httpUrlOrNull(value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : null;
  } catch {
    return null;
  }
}

/**
 * Find an SREG request in a message: under the alias declared for SREG 1.1 or 1.0, or, when no
 * `ns.sreg` is declared at all, under the `sreg.` prefix (SREG 1.0 predates namespaces and many
 * RPs still send it that way). Unknown field names are ignored. `null` when there is none.
 */
export function parseSregRequest(fields: OpenIdFields, aliases: ReadonlyMap<string, string>): SregRequest | null {
  let namespace: SregRequest['namespace'];
  let alias: string;
  const alias11 = aliases.get(SREG_1_1_NS);
  const alias10 = aliases.get(SREG_1_0_NS);
  if (alias11 !== undefined) {
    namespace = SREG_1_1_NS;
    alias = alias11;
  } else if (alias10 !== undefined) {
    namespace = SREG_1_0_NS;
    alias = alias10;
  } else if (fields['ns.sreg'] === undefined && Object.keys(fields).some((key) => key.startsWith('sreg.'))) {
    namespace = null;
    alias = 'sreg';
  } else {
    return null;
  }
  const required = splitList(fields[`${alias}.required`]).filter(isSregField);
  const optional = splitList(fields[`${alias}.optional`]).filter((f) => isSregField(f) && !required.includes(f));
  const order = (list: string[]): SregField[] => SREG_FIELDS.filter((f) => list.includes(f));
  return {
    namespace,
    alias,
    required: order(required),
    optional: order(optional),
    policyUrl: httpUrlOrNull(fields[`${alias}.policy_url`]),
  };
}

/**
 * Response fields (unprefixed, e.g. `ns.sreg`, `sreg.email`) for the requested fields that have a
 * value, in the alias and version the RP used. An undeclared SREG 1.0 request is answered with an
 * explicit `ns.sreg` = SREG 1.0, since OpenID 2.0 messages must declare their extensions (§12).
 * Nothing at all when no value is released.
 */
export function sregResponseFields(request: SregRequest, values: AttributeValues): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const field of SREG_FIELDS) {
    if (!request.required.includes(field) && !request.optional.includes(field)) continue;
    const value = releasableValue(values, field);
    if (value !== undefined) out.push([`${request.alias}.${field}`, value]);
  }
  if (out.length === 0) return out;
  return [[`ns.${request.alias}`, request.namespace ?? SREG_1_0_NS], ...out];
}

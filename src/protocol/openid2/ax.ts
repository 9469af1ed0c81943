/**
 * Attribute Exchange 1.0 fetch requests and responses: attributes that map onto SREG fields (see
 * {@link AX_TYPE_TO_SREG}), and other type URIs only when the caller supplies values for them (the
 * operator's custom fields); the rest are acknowledged but never answered.
 */
import { AX_TYPE_TO_SREG, releasableValue, splitList, type AttributeValues, type SregField } from './attributes.js';
import { invalidRequest } from '../../errors.js';
import { AX_1_0_NS } from './constants.js';
import type { OpenIdFields } from './message.js';

export interface AxAttributeRequest {
  /** The RP's alias for the attribute, echoed in the response. */
  readonly alias: string;
  /** The type URI as the RP sent it, echoed in the response. */
  readonly typeUri: string;
  /** The SREG field it maps to, or `null` when we do not know the type. */
  readonly field: SregField | null;
  /** Listed in `required` (else `if_available`). */
  readonly required: boolean;
  /** `count.<alias>` when the RP sent one (then values go in the `value.<alias>.<n>` form). */
  readonly count: number | 'unlimited' | null;
}

export interface AxFetchRequest {
  /** The RP's alias for the AX namespace. */
  readonly alias: string;
  readonly attributes: readonly AxAttributeRequest[];
}

/** Attribute aliases must not contain `.` or `,` (AX 1.0 §5.1) and must fit a parameter name. */
const ATTRIBUTE_ALIAS = /^[\x21-\x2b\x2d\x2f-\x39\x3b-\x7e]{1,64}$/;

function parseCount(value: string | undefined): AxAttributeRequest['count'] {
  if (value === undefined) return null;
  if (value === 'unlimited') return 'unlimited';
  // A malformed count still asks for the counted form; answer it with one value.
  return /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : 1;
}

/**
 * Find an AX `fetch_request` in a message (under the alias declared for AX 1.0). Other AX modes
 * (`store_request`) are not supported and read as "no request". Attributes named in `required`
 * or `if_available` without a `type.<alias>` are skipped.
 */
export function parseAxFetchRequest(fields: OpenIdFields, aliases: ReadonlyMap<string, string>): AxFetchRequest | null {
  const alias = aliases.get(AX_1_0_NS);
  if (alias === undefined || fields[`${alias}.mode`] !== 'fetch_request') return null;
  const required = splitList(fields[`${alias}.required`]);
  const optional = splitList(fields[`${alias}.if_available`]).filter((a) => !required.includes(a));
  const attributes: AxAttributeRequest[] = [];
  for (const [names, isRequired] of [[required, true], [optional, false]] as const) {
    for (const name of names) {
      if (!ATTRIBUTE_ALIAS.test(name)) continue;
      const typeUri = fields[`${alias}.type.${name}`];
      if (typeUri === undefined || typeUri === '') continue;
      attributes.push({
        alias: name,
        typeUri,
        field: AX_TYPE_TO_SREG.get(typeUri) ?? null,
        required: isRequired,
        count: parseCount(fields[`${alias}.count.${name}`]),
      });
    }
  }
  return { alias, attributes };
}

/**
 * `fetch_response` fields (unprefixed) under the RP's aliases: `ns.<ax>`, `<ax>.mode`, and for
 * each attribute with a value `type.<a>` plus either `value.<a>` or, when the RP sent a count,
 * `count.<a>` = 1 and `value.<a>.1`. Attributes without a value are left out. `byTypeUri` answers
 * attributes of other type URIs (the operator's own, for custom fields) by their type URI.
 * Throws `invalid_request` for a value with control characters.
 */
export function axResponseFields(request: AxFetchRequest, values: AttributeValues, byTypeUri: ReadonlyMap<string, string> = new Map()): Array<[string, string]> {
  const ax = request.alias;
  const out: Array<[string, string]> = [
    [`ns.${ax}`, AX_1_0_NS],
    [`${ax}.mode`, 'fetch_response'],
  ];
  for (const attribute of request.attributes) {
    const value = attribute.field === null ? releasableTypeValue(byTypeUri, attribute.typeUri) : releasableValue(values, attribute.field);
    if (value === undefined) continue;
    out.push([`${ax}.type.${attribute.alias}`, attribute.typeUri]);
    if (attribute.count === null) {
      out.push([`${ax}.value.${attribute.alias}`, value]);
    } else {
      out.push([`${ax}.count.${attribute.alias}`, '1'], [`${ax}.value.${attribute.alias}.1`, value]);
    }
  }
  return out;
}

function releasableTypeValue(byTypeUri: ReadonlyMap<string, string>, typeUri: string): string | undefined {
  const value = byTypeUri.get(typeUri);
  if (value === undefined || value === '') return undefined;
  // Signed Key-Value data: a newline would forge a field.
  if (/[\x00-\x1f\x7f]/.test(value)) throw invalidRequest('An attribute value contains control characters.');
  return value;
}

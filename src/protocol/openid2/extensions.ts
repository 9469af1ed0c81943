/**
 * The attribute side of a checkid request as one unit: which SREG fields the RP asked for through
 * SREG and/or AX, and the response fields that release them in the extension(s) it used.
 */
import { SREG_FIELDS, type AttributeValues, type SregField } from './attributes.js';
import { axResponseFields, parseAxFetchRequest, type AxFetchRequest } from './ax.js';
import { namespaceAliases, type OpenIdFields } from './message.js';
import { parseSregRequest, sregResponseFields, type SregRequest } from './sreg.js';

export interface AttributeRequest {
  readonly sreg: SregRequest | null;
  readonly ax: AxFetchRequest | null;
}

/** Parse SREG and AX requests out of a message's fields. Throws `invalid_request` for bad aliases. */
export function parseAttributeRequest(fields: OpenIdFields): AttributeRequest {
  const aliases = namespaceAliases(fields);
  return { sreg: parseSregRequest(fields, aliases), ax: parseAxFetchRequest(fields, aliases) };
}

export interface RequestedFields {
  /** Fields some extension marked required. */
  readonly required: readonly SregField[];
  /** Fields only asked for optionally. */
  readonly optional: readonly SregField[];
  /** All requested fields, in SREG order. */
  readonly all: readonly SregField[];
}

/** The union of the SREG fields requested through SREG and AX; "required" wins over "optional". */
export function requestedFields(request: AttributeRequest): RequestedFields {
  const required = new Set<SregField>(request.sreg?.required ?? []);
  const any = new Set<SregField>([...required, ...(request.sreg?.optional ?? [])]);
  for (const attribute of request.ax?.attributes ?? []) {
    if (attribute.field === null) continue;
    any.add(attribute.field);
    if (attribute.required) required.add(attribute.field);
  }
  const all = SREG_FIELDS.filter((f) => any.has(f));
  return { required: all.filter((f) => required.has(f)), optional: all.filter((f) => !required.has(f)), all };
}

/** The bridge's `requested_attributes`: requested fields as `sreg_<field>` names. */
export function requestedAttributeNames(request: AttributeRequest): string[] {
  return requestedFields(request).all.map((field) => `sreg_${field}`);
}

/**
 * Extension fields for a positive assertion (unprefixed keys), releasing `values` for what was
 * requested, in the extensions and aliases the RP used (`axByTypeUri`: values of custom AX types). All of them must be signed; the assertion
 * builder does that. Throws `invalid_request` for a value with control characters.
 */
export function buildExtensionResponse(request: AttributeRequest, values: AttributeValues, axByTypeUri?: ReadonlyMap<string, string>): Array<[string, string]> {
  return [
    ...(request.sreg ? sregResponseFields(request.sreg, values) : []),
    ...(request.ax ? axResponseFields(request.ax, values, axByTypeUri) : []),
  ];
}

/** AX type URIs the RP asked for that are no SREG field (candidates for the operator's custom fields). */
export function requestedOtherAxTypes(request: AttributeRequest): string[] {
  return [...new Set((request.ax?.attributes ?? []).filter((a) => a.field === null).map((a) => a.typeUri))];
}

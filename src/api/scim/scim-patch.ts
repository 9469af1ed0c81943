/**
 * SCIM PATCH (RFC 7644 §3.5.2): a `PatchOp` message's add / replace / remove operations, with
 * and without `path`, applied to a User in canonical form ({@link ScimDoc}). Accepts what
 * provisioning clients send: `op` in any case (`"Replace"`, Entra ID), booleans as strings
 * (`"value": "False"`), path-less operations whose value object has attribute paths as keys
 * (`{"name.givenName": "Ada"}`) or URN-qualified names, and value paths such as
 * `emails[type eq "work"].value`. Operations on standard attributes idbridge does not store (and
 * on any extension schema) are accepted and have no effect; unknown attributes are `invalidPath`,
 * read-only ones `mutability`.
 */
import { parseValueFilter, type ValueFilter } from './scim-filter.js';
import { scimError } from './scim-errors.js';
import { PATCH_OP_SCHEMA, findSubAttribute, type AttributeDefinition } from './scim-schema.js';
import { canonicalScalar, canonicalValue, resolveAttribute, type MultiValue, type ScimDoc } from './scim-user.js';

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOpName;
  path?: string;
  value?: unknown;
}

/** At most this many operations in one request. */
export const MAX_OPERATIONS = 100;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validate a PatchOp message (its `schemas`, `Operations`, each op) into operations. */
export function parsePatchRequest(body: Record<string, unknown>): PatchOperation[] {
  const schemas = body['schemas'];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw scimError('invalidSyntax', `schemas must be ["${PATCH_OP_SCHEMA}"].`);
  }
  // Attribute names are case-insensitive, and some clients spell it "operations".
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const operations = key === undefined ? undefined : body[key];
  if (!Array.isArray(operations) || operations.length === 0) throw scimError('invalidSyntax', 'Operations must be a non-empty array.');
  if (operations.length > MAX_OPERATIONS) throw scimError('invalidSyntax', `At most ${MAX_OPERATIONS} operations per request.`);
  return operations.map((raw, i) => {
    if (!isObject(raw)) throw scimError('invalidSyntax', `Operations[${i}] must be an object.`);
    const get = (name: string) => raw[Object.keys(raw).find((k) => k.toLowerCase() === name) ?? name];
    const op = get('op');
    if (typeof op !== 'string' || !['add', 'replace', 'remove'].includes(op.toLowerCase())) {
      throw scimError('invalidSyntax', `Operations[${i}].op must be add, replace or remove.`);
    }
    const path = get('path');
    if (path !== undefined && (typeof path !== 'string' || path.trim() === '' || path.length > 1024)) throw scimError('invalidPath', `Operations[${i}].path must be a non-empty string.`);
    const value = get('value');
    const name = op.toLowerCase() as PatchOpName;
    if (name !== 'remove' && value === undefined) throw scimError('invalidSyntax', `Operations[${i}] (${name}) needs a value.`);
    if (name === 'remove' && path === undefined) throw scimError('noTarget', `Operations[${i}] (remove) needs a path.`);
    if (path === undefined && !isObject(value)) throw scimError('invalidSyntax', `Operations[${i}] without a path needs an object value.`);
    return { op: name, ...(path !== undefined ? { path: path.trim() } : {}), ...(value !== undefined ? { value } : {}) };
  });
}

/** A parsed PATCH path: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`. */
interface Target {
  def: AttributeDefinition;
  sub?: AttributeDefinition;
  filter?: ValueFilter;
}

function parsePath(path: string): Target | 'skip' {
  // `[` starts a value filter; the attribute name before it may be URN-qualified (with dots in "2.0").
  const bracket = path.indexOf('[');
  let attrPart: string;
  let filterText: string | undefined;
  let subName: string | undefined;
  if (bracket >= 0) {
    const close = path.lastIndexOf(']');
    if (close < bracket) throw scimError('invalidPath', `The path ${JSON.stringify(path)} has an unclosed "[".`);
    attrPart = path.slice(0, bracket);
    filterText = path.slice(bracket + 1, close);
    const rest = path.slice(close + 1);
    if (rest !== '') {
      if (!/^\.[A-Za-z$][\w$-]*$/.test(rest)) throw scimError('invalidPath', `The path ${JSON.stringify(path)} is malformed after "]".`);
      subName = rest.slice(1);
    }
  } else {
    attrPart = path;
  }
  if (!/^[A-Za-z][\w:.$-]*$/.test(attrPart)) throw scimError('invalidPath', `The path ${JSON.stringify(path)} is malformed.`);
  let resolved = resolveAttribute(attrPart);
  if (resolved.kind === 'unknown' && bracket < 0) {
    // `name.givenName`, `urn:…:User:name.givenName`: the last dot separates the sub-attribute
    // (a URN's own dots, as in "2.0", come before its last colon).
    const dot = attrPart.lastIndexOf('.');
    if (dot > attrPart.lastIndexOf(':')) {
      const parent = resolveAttribute(attrPart.slice(0, dot));
      if (parent.kind !== 'unknown') {
        resolved = parent;
        subName = attrPart.slice(dot + 1);
      }
    }
  }
  if (resolved.kind === 'ignored') return 'skip';
  if (resolved.kind === 'readOnly') throw scimError('mutability', `${attrPart} is read-only.`);
  if (resolved.kind !== 'stored') throw scimError('invalidPath', `${attrPart} is not an attribute of the User schema.`);
  const def = resolved.def;
  if (def.mutability === 'readOnly') throw scimError('mutability', `${def.name} is read-only.`);
  const target: Target = { def };
  if (filterText !== undefined) {
    if (!def.multiValued) throw scimError('invalidPath', `${def.name} is not multi-valued; it has no value filter.`);
    target.filter = parseValueFilter(filterText, def.name);
  }
  if (subName !== undefined) {
    const sub = findSubAttribute(def, subName);
    if (!sub) {
      if (def.name === 'name' && /^(middleName|honorificPrefix|honorificSuffix)$/i.test(subName)) return 'skip';
      throw scimError('invalidPath', `${def.name}.${subName} is not an attribute of the User schema.`);
    }
    target.sub = sub;
  }
  return target;
}

const ciEqual = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

function matches(filter: ValueFilter, element: MultiValue): boolean {
  return (
    (filter.type === undefined || ciEqual(element.type, filter.type)) &&
    (filter.value === undefined || ciEqual(element.value, filter.value)) &&
    (filter.primary === undefined || (element.primary === true) === filter.primary)
  );
}

/** The element a filter describes, for a filtered add/replace that matched nothing. */
function elementFor(filter: ValueFilter): MultiValue {
  return { ...(filter.type !== undefined ? { type: filter.type } : {}), ...(filter.value !== undefined ? { value: filter.value } : {}), ...(filter.primary !== undefined ? { primary: filter.primary } : {}) };
}

type Doc = Record<string, unknown>;

/** Apply one operation at a parsed target. */
function applyAt(doc: Doc, op: PatchOpName, t: Target, value: unknown): void {
  const name = t.def.name;
  if (op === 'remove') {
    if (t.def.multiValued && (t.filter || t.sub)) {
      const items = (doc[name] as MultiValue[] | undefined) ?? [];
      const selected = (e: MultiValue) => (t.filter ? matches(t.filter, e) : true);
      const next = t.sub
        ? items.map((e) => (selected(e) ? (Object.fromEntries(Object.entries(e).filter(([k]) => k !== t.sub!.name)) as MultiValue) : e))
        : items.filter((e) => !selected(e));
      if (next.length === 0) delete doc[name];
      else doc[name] = next;
    } else if (t.sub) {
      const complex = { ...((doc[name] as Doc | undefined) ?? {}) };
      delete complex[t.sub.name];
      if (Object.keys(complex).length === 0) delete doc[name];
      else doc[name] = complex;
    } else {
      delete doc[name];
    }
    return;
  }
  if (t.def.multiValued) {
    const items = [...((doc[name] as MultiValue[] | undefined) ?? [])];
    if (t.filter || t.sub) {
      // A value path: the matching elements (all of them without a filter); when none match, a
      // new element as the filter describes it. RFC 7644 §3.5.2.3 answers a replace that matches
      // nothing with noTarget, but Entra ID replaces `emails[type eq "work"].value` and
      // `phoneNumbers[type eq "mobile"].value` on users that never had that type, expecting
      // it to be set; idbridge keeps one value of each, so setting it is what the client means.
      const newValue = t.sub ? canonicalScalar(t.sub, value, `${name}.${t.sub.name}`) : (canonicalValue({ ...t.def, multiValued: false }, value, name) as Doc);
      const update = (e: MultiValue): MultiValue => {
        if (!t.sub) return op === 'replace' ? (newValue as MultiValue) : { ...e, ...(newValue as MultiValue) };
        const copy: Doc = { ...e };
        if (newValue === undefined) delete copy[t.sub.name];
        else copy[t.sub.name] = newValue;
        return copy as MultiValue;
      };
      const hit = items.some((e) => (t.filter ? matches(t.filter, e) : true));
      doc[name] = hit ? items.map((e) => (t.filter && !matches(t.filter, e) ? e : update(e))) : [...items, update(t.filter ? elementFor(t.filter) : {})];
      return;
    }
    const values = (canonicalValue(t.def, value) as MultiValue[] | undefined) ?? [];
    if (op === 'replace') doc[name] = values;
    else doc[name] = [...items, ...values.filter((v) => !items.some((e) => ciEqual(e.value, v.value ?? '') && e.type === v.type))];
    return;
  }
  if (t.def.type === 'complex') {
    const current = { ...((doc[name] as Doc | undefined) ?? {}) };
    if (t.sub) {
      const v = canonicalScalar(t.sub, value, `${name}.${t.sub.name}`);
      if (v === undefined) delete current[t.sub.name];
      else current[t.sub.name] = v;
    } else {
      // Add and replace of a complex attribute both merge sub-attributes (RFC 7644 §3.5.2.1, .3).
      Object.assign(current, canonicalValue(t.def, value) ?? {});
    }
    if (Object.keys(current).length === 0) delete doc[name];
    else doc[name] = current;
    return;
  }
  const v = canonicalScalar(t.def, value, name);
  if (v === undefined) delete doc[name];
  else doc[name] = v;
}

/** Apply the operations in order to a copy of `doc` (all or nothing: the first failure throws). */
export function applyPatch(base: ScimDoc, operations: readonly PatchOperation[]): ScimDoc {
  const doc = structuredClone(base) as Doc;
  for (const operation of operations) {
    if (operation.path !== undefined) {
      const target = parsePath(operation.path);
      if (target !== 'skip') applyAt(doc, operation.op, target, operation.value);
      continue;
    }
    // No path: each member of the value object is an attribute (or an attribute path) to add or replace.
    for (const [key, value] of Object.entries(operation.value as Record<string, unknown>)) {
      if (key === 'schemas') continue;
      // An extension's object (`"urn:…:enterprise:2.0:User": {…}`) is ignored like its attributes.
      const target = parsePath(key);
      if (target !== 'skip') applyAt(doc, operation.op, target, value);
    }
  }
  return doc as ScimDoc;
}

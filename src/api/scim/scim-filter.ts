/**
 * The SCIM filter subset idbridge answers (RFC 7644 §3.4.2.2): `eq` comparisons on `userName`,
 * `externalId` and `emails.value` — also written as the value path `emails[type eq "work"].value`
 * or `emails[type eq "work" and value eq "x"]` — joined with `and`. That is what provisioning
 * clients send to find a user before creating it. Everything else (other operators, `or`, `not`,
 * grouping, other attributes, malformed text) is refused with `invalidFilter`: answering an
 * unsupported filter with an empty list would make a client create a duplicate.
 */
import { scimError } from './scim-errors.js';
import { stripCoreUrn } from './scim-schema.js';

/** One `eq` comparison, normalised to the attribute it is about. */
export type FilterTerm =
  | { attribute: 'userName' | 'externalId'; value: string }
  /** An email address, optionally of the element with this `type` / `primary` flag. */
  | { attribute: 'emails'; value: string; type?: string; primary?: boolean };

/** A parsed filter: every term must hold (`and`). */
export type ScimFilter = FilterTerm[];

type Token = { kind: 'word'; text: string } | { kind: 'string'; value: string } | { kind: '[' | ']' | '(' | ')' };

const OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr']);
export const MAX_FILTER_LENGTH = 1024;

const invalid = (detail: string) => scimError('invalidFilter', detail);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t') {
      i++;
    } else if (ch === '[' || ch === ']' || ch === '(' || ch === ')') {
      tokens.push({ kind: ch });
      i++;
    } else if (ch === '"') {
      // A JSON string (RFC 7644: compValue is JSON): find its end, honouring escapes.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw invalid('The filter has an unterminated string.');
      try {
        tokens.push({ kind: 'string', value: JSON.parse(text.slice(i, j + 1)) as string });
      } catch {
        throw invalid('The filter has a malformed string.');
      }
      i = j + 1;
    } else {
      const m = /^[A-Za-z0-9:._$+-]+/.exec(text.slice(i));
      if (!m) throw invalid(`The filter has an unexpected character ${JSON.stringify(ch)}.`);
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

class Parser {
  #pos = 0;
  constructor(private readonly tokens: Token[]) {}

  /** The token `offset` places after the cursor (0: the next one). */
  peek(offset = 0): Token | undefined {
    return this.tokens[this.#pos + offset];
  }

  next(): Token | undefined {
    return this.tokens[this.#pos++];
  }

  keyword(): string | undefined {
    const t = this.peek();
    return t?.kind === 'word' ? t.text.toLowerCase() : undefined;
  }

  /** `attrPath op value`; op must be `eq`. */
  comparison(): { path: string; value: Token } {
    const path = this.next();
    if (path?.kind === '(') throw invalid('Grouping with parentheses is not supported; use "and" of eq comparisons.');
    if (path?.kind !== 'word') throw invalid('The filter must start with an attribute name.');
    if (path.text.toLowerCase() === 'not') throw invalid('"not" is not supported.');
    const op = this.next();
    if (op?.kind !== 'word') throw invalid(`Expected an operator after ${path.text}.`);
    const opName = op.text.toLowerCase();
    if (!OPERATORS.has(opName)) throw invalid(`Unknown operator ${JSON.stringify(op.text)}.`);
    if (opName !== 'eq') throw invalid(`The operator "${opName}" is not supported; only "eq" is.`);
    const value = this.next();
    if (!value || value.kind === '[' || value.kind === ']' || value.kind === '(' || value.kind === ')') throw invalid(`Expected a value after ${path.text} eq.`);
    return { path: path.text, value };
  }
}

function stringValue(token: Token, attribute: string): string {
  if (token.kind !== 'string') throw invalid(`${attribute} is compared with a string ("…").`);
  return token.value;
}

/** A value filter of a multi-valued attribute (`emails[type eq "work"]`): which elements. */
export interface ValueFilter {
  type?: string;
  primary?: boolean;
  value?: string;
}

/** The sub-filter of `emails[…]`: `type eq "x"`, `primary eq true`, `value eq "x"`, joined with and. */
function valueFilter(parser: Parser, attribute = 'emails'): ValueFilter {
  const out: ValueFilter = {};
  for (;;) {
    const { path, value } = parser.comparison();
    const sub = path.toLowerCase();
    if (sub === 'type') out.type = stringValue(value, `${attribute}.type`);
    else if (sub === 'value') out.value = stringValue(value, `${attribute}.value`);
    else if (sub === 'primary') {
      if (value.kind !== 'word' || !['true', 'false'].includes(value.text.toLowerCase())) throw invalid(`${attribute}.primary is compared with true or false.`);
      out.primary = value.text.toLowerCase() === 'true';
    } else throw invalid(`${attribute}[${path} …] is not supported (type, primary, value are).`);
    const next = parser.peek();
    if (next?.kind === ']') return out;
    const kw = parser.keyword();
    if (kw === 'and') {
      parser.next();
      continue;
    }
    if (kw === 'or') throw invalid('"or" is not supported.');
    throw invalid('Expected "]" or "and" in the value filter.');
  }
}

/**
 * The filter inside the brackets of a PATCH path (`emails[type eq "work"]` → `type eq "work"`):
 * the same comparisons as in a search filter's value path, or `invalidFilter`.
 */
export function parseValueFilter(text: string, attribute: string): ValueFilter {
  if (text.length > MAX_FILTER_LENGTH) throw invalid(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  const parser = new Parser([...tokenize(text), { kind: ']' }]);
  const filter = valueFilter(parser, attribute);
  parser.next();
  if (parser.peek() !== undefined) throw invalid(`Unexpected "]" in the value filter of ${attribute}.`);
  return filter;
}

/** Parse a filter into its terms, or throw `invalidFilter` naming what is not supported. */
export function parseFilter(text: string): ScimFilter {
  if (text.trim() === '') throw invalid('The filter is empty.');
  if (text.length > MAX_FILTER_LENGTH) throw invalid(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  const parser = new Parser(tokenize(text));
  const terms: ScimFilter = [];
  for (;;) {
    terms.push(term(parser));
    const kw = parser.keyword();
    if (parser.peek() === undefined) return terms;
    if (kw === 'and') {
      parser.next();
      if (parser.peek() === undefined) throw invalid('The filter ends after "and".');
      continue;
    }
    if (kw === 'or') throw invalid('"or" is not supported; send one filter per lookup.');
    throw invalid('Expected "and" or the end of the filter.');
  }
}

function term(parser: Parser): FilterTerm {
  const first = parser.peek();
  if (first?.kind === 'word' && first.text.toLowerCase() === 'not') throw invalid('"not" is not supported.');
  if (first?.kind === '(') throw invalid('Grouping with parentheses is not supported; use "and" of eq comparisons.');
  // A value path: `emails[…]` alone, or `emails[…].value eq "x"`.
  const second = parser.peek(1);
  if (first?.kind === 'word' && second?.kind === '[') {
    const attribute = stripCoreUrn(first.text).toLowerCase();
    if (attribute !== 'emails') throw invalid(`Value filters are supported on emails only, not ${first.text}.`);
    parser.next();
    parser.next();
    const inner = valueFilter(parser);
    parser.next(); // ]
    const after = parser.peek();
    if (after?.kind === 'word' && after.text.startsWith('.')) {
      parser.next();
      if (after.text.toLowerCase() !== '.value') throw invalid(`emails[…]${after.text} is not supported; use emails[…].value.`);
      if (inner.value !== undefined) throw invalid('Compare the value inside the brackets or after them, not both.');
      const op = parser.next();
      if (op?.kind !== 'word') throw invalid('Expected an operator after emails[…].value.');
      if (!OPERATORS.has(op.text.toLowerCase())) throw invalid(`Unknown operator ${JSON.stringify(op.text)}.`);
      if (op.text.toLowerCase() !== 'eq') throw invalid(`The operator "${op.text.toLowerCase()}" is not supported; only "eq" is.`);
      const value = parser.next();
      if (!value) throw invalid('Expected a value after emails[…].value eq.');
      inner.value = stringValue(value, 'emails.value');
    }
    if (inner.value === undefined) throw invalid('An emails value filter must compare the value (emails[type eq "work"].value eq "…").');
    return { attribute: 'emails', value: inner.value, ...(inner.type !== undefined ? { type: inner.type } : {}), ...(inner.primary !== undefined ? { primary: inner.primary } : {}) };
  }
  const { path, value } = parser.comparison();
  const name = stripCoreUrn(path).toLowerCase();
  if (name === 'username') return { attribute: 'userName', value: stringValue(value, 'userName') };
  if (name === 'externalid') return { attribute: 'externalId', value: stringValue(value, 'externalId') };
  if (name === 'emails.value' || name === 'emails') return { attribute: 'emails', value: stringValue(value, 'emails.value') };
  throw invalid(`Filtering on ${JSON.stringify(path)} is not supported (userName, externalId, emails.value are).`);
}

/** The parts of a user a filter compares (from its SCIM representation). */
export interface FilterSubject {
  userName: string;
  externalId?: string | null;
  emails?: ReadonlyArray<{ value?: unknown; type?: unknown; primary?: unknown }>;
}

const sameText = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

/**
 * Whether a user matches every term. userName, emails.value and emails.type are caseExact=false
 * (RFC 7643 §4.1.1, §2.4), so they compare case-insensitively; externalId is caseExact.
 */
export function matchesFilter(filter: ScimFilter, user: FilterSubject): boolean {
  return filter.every((t) => {
    if (t.attribute === 'userName') return sameText(user.userName, t.value);
    if (t.attribute === 'externalId') return user.externalId === t.value;
    if (t.attribute !== 'emails') return false;
    const { value, type, primary } = t;
    return (user.emails ?? []).some(
      (e) => sameText(e.value, value) && (type === undefined || sameText(e.type, type)) && (primary === undefined || (e.primary === true) === primary),
    );
  });
}

import type { Context } from 'hono';
import { IdbridgeError, invalidRequest } from '../errors.js';

/**
 * Every value of every parameter, by name. Built from attacker-chosen names, so it is a
 * null-prototype record: a parameter called `__proto__`, `constructor` or `toString` is an
 * ordinary key, never something inherited from `Object.prototype`.
 */
export type Params = Record<string, string[]>;

/** Every value of every query parameter. */
export function queryParams(c: Context): Params {
  const search = new URL(c.req.url).search;
  if (search.length > 8192) throw invalidRequest('The request URL is too long.');
  return parseUrlEncoded(search.slice(1));
}

/**
 * Every value of every field of an `application/x-www-form-urlencoded` body. Other content types
 * are refused (CSRF-safe forms and the postback both use urlencoded).
 */
export async function formParams(c: Context): Promise<Params> {
  if (mediaType(c) !== 'application/x-www-form-urlencoded') {
    throw new IdbridgeError('invalid_request', 'Expected an application/x-www-form-urlencoded body.', { status: 415 });
  }
  return parseUrlEncoded(await c.req.text());
}

/**
 * The JSON object of an `application/json` body. Every object in it has a null prototype, so a
 * `"__proto__"` member is plain data wherever the value travels.
 */
export async function jsonBody(c: Context, mediaTypes: readonly string[] = ['application/json']): Promise<Record<string, unknown>> {
  if (!mediaTypes.includes(mediaType(c))) throw new IdbridgeError('invalid_request', `Expected a JSON body (${mediaTypes.join(' or ')}).`, { status: 415 });
  let value: unknown;
  try {
    value = JSON.parse(await c.req.text(), (_key, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.assign(Object.create(null) as object, v) : v,
    );
  } catch (error) {
    if (error instanceof IdbridgeError) throw error; // e.g. the body limit
    throw invalidRequest('The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest('The body must be a JSON object.');
  return value as Record<string, unknown>;
}

/** The single value of a parameter; a repeated parameter is an error, not a silent pick. */
export function single(params: Params, name: string): string | undefined {
  // Own keys only, in case a caller built `params` as an ordinary object.
  const values = Object.hasOwn(params, name) ? params[name] : undefined;
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw invalidRequest(`The parameter ${name} was given more than once.`);
  return values[0];
}

/**
 * Decode `application/x-www-form-urlencoded` text (a query string or a form body) strictly: a
 * `%` not followed by two hex digits, or bytes that are not UTF-8, make the whole request invalid
 * (400) instead of being passed on half-decoded (`URLSearchParams` would keep `%zz` and turn bad
 * bytes into U+FFFD, so a value could be checked in one form and used in another).
 */
export function parseUrlEncoded(text: string): Params {
  const out = Object.create(null) as Params;
  if (text === '') return out;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    (out[name] ??= []).push(value);
  }
  return out;
}

function decodeComponent(text: string): string {
  const plus = text.replace(/\+/g, ' ');
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    throw invalidRequest('The request is not properly percent-encoded.');
  }
}

function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

import type { Context } from 'hono';
import { IdbridgeError, invalidRequest } from '../errors.js';

/** Every value of every query parameter. */
export function queryParams(c: Context): Record<string, string[]> {
  if (new URL(c.req.url).search.length > 8192) throw invalidRequest('The request URL is too long.');
  return c.req.queries() as Record<string, string[]>;
}

/**
 * Every value of every field of an `application/x-www-form-urlencoded` body. Other content types
 * are refused (CSRF-safe forms and the postback both use urlencoded).
 */
export async function formParams(c: Context): Promise<Record<string, string[]>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new IdbridgeError('invalid_request', 'Expected an application/x-www-form-urlencoded body.', { status: 415 });
  }
  const text = await c.req.text();
  const out: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) (out[key] ??= []).push(value);
  return out;
}

/** The single value of a parameter; a repeated parameter is an error, not a silent pick. */
export function single(params: Record<string, string[]>, name: string): string | undefined {
  const values = params[name];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw invalidRequest(`The parameter ${name} was given more than once.`);
  return values[0];
}

import { timingSafeEqualStrings, toHex, utf8 } from '../../util/bytes.js';

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (docs/webhooks.md). */
export const SIGNATURE_HEADER = 'Idbridge-Signature';

/** HMAC-SHA256 over `timestamp + "." + body`, keyed with the endpoint secret (as UTF-8), in hex. */
export async function signPayload(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, utf8(`${timestamp}.${body}`));
  return toHex(new Uint8Array(mac));
}

/** The header value for a request sent at `timestamp` (unix seconds). */
export async function signatureHeader(secret: string, timestamp: number, body: string): Promise<string> {
  return `t=${timestamp},v1=${await signPayload(secret, timestamp, body)}`;
}

/**
 * The receiver's check (the recipe of docs/webhooks.md, used by the tests): a `v1` signature of
 * this body under `secret`, compared in constant time, with a timestamp at most `toleranceSeconds`
 * from `now` so a captured request cannot be replayed later.
 */
export async function verifySignature(secret: string, header: string | null, body: string, now: number, toleranceSeconds = 300): Promise<boolean> {
  if (!header) return false;
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    if (at > 0) parts.set(item.slice(0, at).trim(), [...(parts.get(item.slice(0, at).trim()) ?? []), item.slice(at + 1).trim()]);
  }
  const t = parts.get('t')?.[0];
  if (!t || !/^\d{1,12}$/.test(t) || Math.abs(now / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = await signPayload(secret, Number(t), body);
  for (const candidate of parts.get('v1') ?? []) if (await timingSafeEqualStrings(candidate, expected)) return true;
  return false;
}

import { parseOpenIdMessage, type OpenIdMessage } from '../../../src/protocol/openid2/message.js';

export const NS = 'http://specs.openid.net/auth/2.0';

/** An OpenID 2.0 message from unprefixed fields (ns added). */
export function msg(fields: Record<string, string>): OpenIdMessage {
  const params: Record<string, string> = { 'openid.ns': NS };
  for (const [k, v] of Object.entries(fields)) params[`openid.${k}`] = v;
  return parseOpenIdMessage(params);
}

/** Run a promise-returning function and return the error it rejects with. */
export async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Run a function and return the error it throws. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

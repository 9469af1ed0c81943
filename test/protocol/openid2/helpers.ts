import { parseOpenIdMessage, type OpenIdMessage } from '../../../src/protocol/openid2/message.js';

export const NS = 'http://specs.openid.net/auth/2.0';

/** An OpenID 2.0 message from unprefixed fields (ns added). */
export function msg(fields: Record<string, string>): OpenIdMessage {
  const params: Record<string, string> = { 'openid.ns': NS };
  for (const [k, v] of Object.entries(fields)) params[`openid.${k}`] = v;
  return parseOpenIdMessage(params);
}

export { rejection, thrown } from '../../helpers/errors.js';

/**
 * Sorting failed sign-ins into kinds for the load run: what the server answered (HTTP status and
 * page title; 429s apart), network failures, and refusals by the relying-party libraries
 * (`openid-client`, `openid`). A kind is a short stable string, so counts can be added up.
 */
import { FlowError } from './flows.mjs';

const NETWORK_CODE = /^(E[A-Z]+|UND_ERR\w*)$/;

/** The kind of one failed sign-in. */
export function errorKind(error) {
  if (error instanceof FlowError) {
    if (error.rp) return `relying-party check: ${error.message.replace(/[:(].*$/s, '').trim()}`;
    if (error.status === 429) return `429 Too Many Requests${error.title ? ` "${error.title}"` : ''}`;
    if (error.status !== undefined) return `HTTP ${error.status}${error.title ? ` "${error.title}"` : ''} (${error.message.replace(/ \(.*$/s, '')})`;
    return `flow: ${error.message.slice(0, 80)}`;
  }
  const code = networkCode(error);
  if (code) return `network: ${code}`;
  // openid-client v6 (oauth4webapi) errors: ResponseBodyError, AuthorizationResponseError, …
  const name = error?.name ?? typeof error;
  if (/Error$/.test(name) && (error?.code?.startsWith?.('OAUTH_') || /ResponseBody|AuthorizationResponse|WWWAuthenticate|ClientError/.test(name))) {
    return `openid-client: ${name}${error.status ? ` ${error.status}` : ''}${error.error ? ` ${error.error}` : error.code ? ` ${error.code}` : ''}`;
  }
  return `other: ${name}: ${String(error?.message ?? error).slice(0, 80)}`;
}

/** An undici / socket error code anywhere in the cause chain (fetch wraps them in TypeError). */
function networkCode(error) {
  for (let e = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string' && NETWORK_CODE.test(e.code)) return e.code;
  }
  return undefined;
}

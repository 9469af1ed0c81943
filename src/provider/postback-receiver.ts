import type { Clock } from '../clock.js';
import { IdbridgeError, invalidRequest } from '../errors.js';
import type { Logger } from '../log.js';
import { parseAttributeWireName, type Attributes } from '../users/profile.js';
import { sha256Base64Url } from '../util/bytes.js';
import type { AuthRequestStore, PostbackData } from './ports.js';

export interface PostbackReceiverDeps {
  requests: AuthRequestStore;
  /** Constant-time check of the presented API key. */
  apiKeyMatches: (candidate: string) => Promise<boolean>;
  clock: Clock;
  logger: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9_-]{16,128}$/;
// Printable text only: no control characters (CR/LF in particular) may enter stored attributes.
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;

/**
 * Step 4 at the identity service (`POST /ows_auth`): accept the bridge's postback once.
 * Answers (short text, for the bridge's logs): 200 accepted (also for an identical repeat, since
 * the bridge retries); 400 malformed; 401 wrong API key; 404 unknown request; 409 already
 * completed or conflicting with the first postback; 410 expired. Throws IdbridgeError for
 * every refusal; the router renders it as text.
 */
export async function receivePostback(form: Record<string, string[]>, deps: PostbackReceiverDeps): Promise<void> {
  const one = (name: string) => {
    const values = form[name];
    if (values && values.length > 1) throw invalidRequest(`${name} given more than once`);
    return values?.[0];
  };
  const apiKey = one('api_key');
  // Why first: an unauthenticated caller learns nothing about request ids from the other answers.
  if (!apiKey || apiKey.length > 256 || !(await deps.apiKeyMatches(apiKey))) {
    deps.logger.log('warn', 'postback_unauthorized', {});
    throw new IdbridgeError('unauthorized', 'invalid api_key');
  }

  const requestId = one('request_id');
  if (!requestId || !REQUEST_ID.test(requestId)) throw invalidRequest('missing or malformed request_id');
  const username = one('username');
  if (!username || username.length > 256 || !PRINTABLE.test(username)) throw invalidRequest('missing or malformed username');
  const noPromptRaw = one('no_prompt') ?? 'false';
  if (noPromptRaw !== 'true' && noPromptRaw !== 'false') throw invalidRequest('no_prompt must be true or false');

  const request = await deps.requests.get(requestId);
  if (!request) throw new IdbridgeError('unknown_request', 'unknown request_id');

  // The bridge's return token: it also travels in the browser redirect to the Return URL, and only
  // a browser presenting it may finish the request (see ReturnFlow). Without it, a sign-in started
  // in an attacker's browser could be completed by a victim's bridge session.
  const returnToken = one('return_token');
  if (!returnToken || !/^[A-Za-z0-9_-]{32,128}$/.test(returnToken)) throw invalidRequest('missing or malformed return_token');
  const authTimeRaw = one('auth_time');
  if (authTimeRaw !== undefined && !/^\d{1,12}$/.test(authTimeRaw)) throw invalidRequest('malformed auth_time');
  const amrRaw = one('amr');
  if (amrRaw !== undefined && !/^[a-z0-9_ -]{1,200}$/i.test(amrRaw)) throw invalidRequest('malformed amr');

  const attributes: Attributes = {};
  for (const [name, values] of Object.entries(form)) {
    if (!name.startsWith('sreg_') && !name.startsWith('x_')) continue;
    const field = parseAttributeWireName(name);
    if (!field) throw invalidRequest(`unknown attribute ${name.slice(0, 40)}`);
    const value = one(name)!;
    if (values.length !== 1 || value.length > 1024 || !PRINTABLE.test(value)) throw invalidRequest(`malformed ${name}`);
    // Only what the relying party asked for is kept: the consent page lists exactly that.
    if (request.requestedAttributes.includes(field) && value !== '') attributes[field] = value;
  }
  const data: PostbackData = {
    username,
    attributes,
    noPrompt: noPromptRaw === 'true',
    authTime: authTimeRaw === undefined ? null : Number(authTimeRaw) * 1000,
    amr: amrRaw === undefined ? null : amrRaw.split(' ').filter(Boolean),
    returnTokenHash: await sha256Base64Url(returnToken),
  };

  const now = deps.clock.now();
  if (await deps.requests.recordPostback(requestId, data, now)) {
    deps.logger.log('info', 'postback_accepted', { request_id: requestId });
    return;
  }
  // The transition did not happen: find out why, from the current state.
  const current = (await deps.requests.get(requestId))!;
  if (current.state === 'posted_back') {
    if (samePostback(current, data)) return; // the bridge retried after a lost answer
    throw new IdbridgeError('conflict', 'conflicting postback for this request_id');
  }
  if (current.state === 'completed' || current.state === 'cancelled') {
    throw new IdbridgeError('request_completed', 'request already completed');
  }
  throw new IdbridgeError('expired_request', 'request expired');
}

function samePostback(
  current: { username: string | null; noPrompt: boolean | null; attributes: Attributes | null; authTime: number | null; returnTokenHash: string | null },
  data: PostbackData,
): boolean {
  if (current.username !== data.username || current.noPrompt !== data.noPrompt || current.authTime !== data.authTime) return false;
  if (current.returnTokenHash !== data.returnTokenHash) return false;
  const a = current.attributes ?? {};
  const keys = new Set([...Object.keys(a), ...Object.keys(data.attributes)]);
  for (const k of keys) if (a[k as keyof Attributes] !== data.attributes[k as keyof Attributes]) return false;
  return true;
}

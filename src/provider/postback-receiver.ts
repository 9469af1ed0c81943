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
  /** Are postbacks without `return_token` (stock Janrain AWs) accepted? See JanrainCompatibility. */
  janrainCompatible: () => Promise<boolean>;
  clock: Clock;
  logger: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9_-]{16,128}$/;
/** Fields of the postback itself; `sreg_*` / `x_*` attributes come on top. Anything else is ignored. */
const PROTOCOL_FIELDS = new Set(['api_key', 'request_id', 'username', 'no_prompt', 'return_token', 'auth_time', 'amr', 'acr']);
/** `no_prompt` as Janrain documented it (`true`/`false`) and as AWs commonly send it (`1`/`0`). */
const NO_PROMPT = new Map([['true', true], ['false', false], ['1', true], ['0', false]]);
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
  const noPrompt = NO_PROMPT.get((one('no_prompt') ?? 'false').trim().toLowerCase());
  if (noPrompt === undefined) throw invalidRequest('no_prompt must be true, false, 1 or 0');

  const request = await deps.requests.get(requestId);
  if (!request) throw new IdbridgeError('unknown_request', 'unknown request_id');

  // The bridge's return token: it also travels in the browser redirect to the Return URL, and only
  // a browser presenting it may finish the request (see ReturnFlow). Without it, a sign-in started
  // in an attacker's browser could be completed by a victim's bridge session.
  const returnToken = one('return_token');
  if (returnToken !== undefined && !/^[A-Za-z0-9_-]{32,128}$/.test(returnToken)) throw invalidRequest('malformed return_token');
  if (returnToken === undefined && !(await deps.janrainCompatible())) {
    deps.logger.log('warn', 'postback_without_return_token', {
      request_id: requestId,
      hint: 'a stock Janrain authenticating website: enable Janrain-compatible postbacks (idbridge aw janrain-compat on); see docs/janrain-migration.md',
    });
    throw invalidRequest('missing return_token (Janrain-compatible postbacks are off; see docs/janrain-migration.md)');
  }
  const authTimeRaw = one('auth_time');
  if (authTimeRaw !== undefined && !/^\d{1,12}$/.test(authTimeRaw)) throw invalidRequest('malformed auth_time');
  const amrRaw = one('amr');
  if (amrRaw !== undefined && !/^[a-z0-9_ -]{1,200}$/i.test(amrRaw)) throw invalidRequest('malformed amr');
  // An upstream connector's acr (a URI or a short token), as the bridge checked it.
  const acrRaw = one('acr');
  if (acrRaw !== undefined && !/^[\x21-\x7e]{1,200}$/.test(acrRaw)) throw invalidRequest('malformed acr');

  const attributes: Attributes = {};
  // Fields nobody asked for (an unrequested attribute, a Janrain sample's whole user row) are
  // dropped unread: never stored, never released. Only their names are logged, never values.
  const ignored: string[] = [];
  for (const name of Object.keys(form)) {
    if (PROTOCOL_FIELDS.has(name)) continue;
    const field = name.startsWith('sreg_') || name.startsWith('x_') ? parseAttributeWireName(name) : null;
    if (!field || !request.requestedAttributes.includes(field)) {
      ignored.push(name);
      continue;
    }
    const value = one(name)!;
    if (value.length > 1024 || !PRINTABLE.test(value)) throw invalidRequest(`malformed ${name}`);
    // Only what the relying party asked for is kept: the consent page lists exactly that.
    if (value !== '') attributes[field] = value;
  }
  if (ignored.length > 0) {
    deps.logger.log('info', 'postback_fields_ignored', {
      request_id: requestId,
      fields: ignored.slice(0, 30).map((n) => n.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)).sort().join(','),
      count: ignored.length,
    });
  }
  const data: PostbackData = {
    username,
    attributes,
    noPrompt,
    authTime: authTimeRaw === undefined ? null : Number(authTimeRaw) * 1000,
    amr: amrRaw === undefined ? null : amrRaw.split(' ').filter(Boolean),
    acr: acrRaw ?? null,
    returnTokenHash: returnToken === undefined ? null : await sha256Base64Url(returnToken),
  };

  const now = deps.clock.now();
  if (await deps.requests.recordPostback(requestId, data, now)) {
    deps.logger.log('info', 'postback_accepted', { request_id: requestId, ...(data.returnTokenHash === null ? { janrain_compatible: true } : {}) });
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
  current: { username: string | null; acr?: string | null; noPrompt: boolean | null; attributes: Attributes | null; authTime: number | null; returnTokenHash: string | null },
  data: PostbackData,
): boolean {
  if (current.username !== data.username || current.noPrompt !== data.noPrompt || current.authTime !== data.authTime) return false;
  if ((current.acr ?? null) !== data.acr) return false;
  if (current.returnTokenHash !== data.returnTokenHash) return false;
  const a = current.attributes ?? {};
  const keys = new Set([...Object.keys(a), ...Object.keys(data.attributes)]);
  for (const k of keys) if (a[k as keyof Attributes] !== data.attributes[k as keyof Attributes]) return false;
  return true;
}

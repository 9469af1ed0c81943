/**
 * Answers to authentication requests (OpenID 2.0 §10): signed positive assertions, the negative
 * `setup_needed` / `cancel`, and the redirect that carries them to return_to.
 */
import { IdbridgeError } from '../../errors.js';
import {
  createAssociation,
  isAssociationLive,
  type Association,
  type AssociationStore,
} from './association.js';
import type { CheckIdRequest } from './checkid.js';
import { OPENID2_NS } from './constants.js';
import { toHttpParams } from './message.js';
import { generateNonce } from './nonce.js';
import { signFields } from './signature.js';

/** Default lifetime of a private (stateless-mode) association: long enough for the redirect and the RP's check. */
export const DEFAULT_PRIVATE_ASSOCIATION_LIFETIME_SECONDS = 5 * 60;

/** Fields every positive assertion signs (§10.1 requires these). */
export const CORE_SIGNED_FIELDS = ['op_endpoint', 'claimed_id', 'identity', 'return_to', 'response_nonce', 'assoc_handle'] as const;

/** Core field names an extension field may never take. */
const CORE_FIELDS: ReadonlySet<string> = new Set(['ns', 'mode', 'invalidate_handle', 'signed', 'sig', ...CORE_SIGNED_FIELDS]);

/**
 * The identifiers to assert for the signed-in user, or `null` when the request asked about an
 * identifier that is not theirs. `localIdentity` is our identifier URL for the user. With
 * identifier_select both are `localIdentity`; otherwise the RP's claimed_id is kept (it may be the
 * user's own URL delegating to us — the RP verifies that by discovery) and its identity must be ours.
 */
export function assertedIdentifiers(
  request: CheckIdRequest,
  localIdentity: string,
): { claimedId: string; identity: string } | null {
  if (request.identifierSelect) return { claimedId: localIdentity, identity: localIdentity };
  if (request.identity !== localIdentity || request.claimedId === null) return null;
  return { claimedId: request.claimedId, identity: localIdentity };
}

export interface PositiveAssertionInput {
  readonly request: CheckIdRequest;
  /** Our OP endpoint URL, exactly as discovery advertises it (RPs compare it verbatim). */
  readonly opEndpoint: string;
  /** Our identifier URL for the signed-in user. */
  readonly localIdentity: string;
  /** Extension fields from {@link buildExtensionResponse} (unprefixed keys); all get signed. */
  readonly extensionFields?: Iterable<readonly [string, string]>;
}

export interface AssertionOptions {
  /** Current time, epoch ms; defaults to `Date.now()`. */
  now?: number;
  /** Lifetime of a private association made for this assertion. */
  privateLifetimeSeconds?: number;
}

/**
 * Build and sign a positive assertion (§10.1). Returns the `openid.*` parameters for
 * {@link buildRedirectUrl}.
 *
 * Signs with the RP's association when its handle names a live shared association; otherwise
 * with a new private association (stored, for `check_authentication`), and, when the RP sent a
 * handle we cannot use, returns it as `invalidate_handle` so the RP drops it.
 *
 * Throws `forbidden` when the request asked about an identifier other than the user's.
 */
export async function buildPositiveAssertion(
  input: PositiveAssertionInput,
  store: AssociationStore,
  options: AssertionOptions = {},
): Promise<Record<string, string>> {
  const { request } = input;
  const ids = assertedIdentifiers(request, input.localIdentity);
  if (ids === null) {
    throw new IdbridgeError('forbidden', 'The signed-in user is not the identity the site asked about.');
  }
  const now = options.now ?? Date.now();

  let association: Association | null = null;
  let invalidateHandle: string | null = null;
  if (request.assocHandle !== null) {
    const found = await store.find(request.assocHandle);
    // A private handle offered by an RP is refused: private keys sign exactly one assertion each,
    // and only check_authentication may use them.
    if (found !== null && !found.private && isAssociationLive(found, now)) association = found;
    else invalidateHandle = request.assocHandle;
  }
  if (association === null) {
    association = createAssociation('HMAC-SHA256', {
      private: true,
      lifetimeSeconds: options.privateLifetimeSeconds ?? DEFAULT_PRIVATE_ASSOCIATION_LIFETIME_SECONDS,
      now,
    });
    await store.save(association);
  }

  const fields = Object.create(null) as Record<string, string>;
  fields['ns'] = OPENID2_NS;
  fields['mode'] = 'id_res';
  fields['op_endpoint'] = input.opEndpoint;
  fields['claimed_id'] = ids.claimedId;
  fields['identity'] = ids.identity;
  fields['return_to'] = request.returnTo;
  fields['response_nonce'] = generateNonce(now);
  fields['assoc_handle'] = association.handle;
  if (invalidateHandle !== null) fields['invalidate_handle'] = invalidateHandle;

  const signed: string[] = [...CORE_SIGNED_FIELDS];
  for (const [key, value] of input.extensionFields ?? []) {
    if (CORE_FIELDS.has(key) || key in fields) throw new Error(`extension field ${key} collides with another field`);
    fields[key] = value;
    signed.push(key);
  }
  fields['signed'] = signed.join(',');
  fields['sig'] = await signFields(association, fields, signed);
  return toHttpParams(Object.entries(fields));
}

/**
 * `setup_needed` (§10.2.1): a checkid_immediate request cannot be answered without the user.
 *
 * Pass the request's return_to: negative answers then echo `openid.return_to`, which §10.2 does
 * not ask for but node `openid` needs — it checks return_to before it looks at the mode, and
 * without it reports "Invalid return URL" instead of a cancellation.
 */
export function buildSetupNeeded(returnTo?: string): Record<string, string> {
  return negative('setup_needed', returnTo);
}

/** `cancel` (§10.2.2): the user declined, or the sign-in did not complete. Pass return_to (see above). */
export function buildCancel(returnTo?: string): Record<string, string> {
  return negative('cancel', returnTo);
}

function negative(mode: 'setup_needed' | 'cancel', returnTo: string | undefined): Record<string, string> {
  const fields: Array<[string, string]> = [
    ['ns', OPENID2_NS],
    ['mode', mode],
  ];
  if (returnTo !== undefined) fields.push(['return_to', returnTo]);
  return toHttpParams(fields);
}

/**
 * The URL that delivers an indirect response: return_to with the parameters appended to its query.
 * The RP's own query is kept byte for byte (RPs compare it with the signed `openid.return_to`), and
 * a fragment stays at the end.
 */
export function buildRedirectUrl(returnTo: string, params: Readonly<Record<string, string>>): string {
  const hashAt = returnTo.indexOf('#');
  const base = hashAt === -1 ? returnTo : returnTo.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : returnTo.slice(hashAt);
  const query = Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  if (query === '') return returnTo;
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}${fragment}`;
}

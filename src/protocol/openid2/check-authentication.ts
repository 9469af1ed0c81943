/**
 * Direct verification (OpenID 2.0 §11.4.2): an RP without a shared association asks the OP whether
 * an assertion's signature is valid.
 */
import { invalidRequest } from '../../errors.js';
import { isAssociationLive, type AssociationStore } from './association.js';
import { OPENID2_NS } from './constants.js';
import type { OpenIdMessage } from './message.js';
import { verifyFields } from './signature.js';

export interface CheckAuthenticationOptions {
  /** Current time, epoch ms; defaults to `Date.now()`. */
  now?: number;
}

/** Fields a verifiable assertion must have signed (ours always do, §10.1). */
const MUST_BE_SIGNED = ['op_endpoint', 'return_to', 'response_nonce', 'assoc_handle'] as const;

function signedList(value: string | undefined): string[] | null {
  if (value === undefined || value === '') return null;
  const list = value.split(',');
  if (list.some((key) => key === '') || new Set(list).size !== list.length) return null;
  return list;
}

/**
 * Answer a `check_authentication` request. Returns the fields of the direct response (HTTP 200,
 * Key-Value form): `ns`, `is_valid`, and `invalidate_handle` when the RP asked about a handle that
 * is no longer (or never was) a live shared association.
 *
 * `is_valid:true` requires: a live private association (shared ones are never used here, §11.4.2.1),
 * the required fields signed and present, a matching signature over the fields as sent with
 * `mode` read as `id_res`, and winning the atomic consumption of the private association. That last
 * step makes each assertion confirmable at most once; later requests get `is_valid:false`. A bad
 * signature does not consume the association, so a forger cannot burn a genuine assertion.
 */
export async function checkAuthentication(
  message: OpenIdMessage,
  store: AssociationStore,
  options: CheckAuthenticationOptions = {},
): Promise<Record<string, string>> {
  if (message.mode !== 'check_authentication') throw invalidRequest('openid.mode must be check_authentication.');
  const { fields } = message;
  const now = options.now ?? Date.now();
  const response: Record<string, string> = { ns: OPENID2_NS, is_valid: 'false' };

  const invalidateHandle = fields['invalidate_handle'];
  if (invalidateHandle !== undefined) {
    const shared = await store.find(invalidateHandle);
    if (shared === null || shared.private || !isAssociationLive(shared, now)) {
      response['invalidate_handle'] = invalidateHandle;
    }
  }

  const handle = fields['assoc_handle'];
  const sig = fields['sig'];
  const signed = signedList(fields['signed']);
  if (handle === undefined || sig === undefined || signed === null) return response;
  const required = [...MUST_BE_SIGNED, ...(['claimed_id', 'identity'] as const).filter((k) => k in fields)];
  if (!required.every((key) => signed.includes(key))) return response;

  const association = await store.find(handle);
  if (association === null || !association.private || !isAssociationLive(association, now)) return response;

  // The RP copies the assertion with mode changed to check_authentication; the signature was made
  // over mode=id_res.
  const signedFields = Object.assign(Object.create(null) as Record<string, string>, fields, { mode: 'id_res' });
  if (!(await verifyFields(association, signedFields, signed, sig))) return response;

  if (!(await store.consume(handle))) return response;
  response['is_valid'] = 'true';
  return response;
}

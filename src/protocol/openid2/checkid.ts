/**
 * Authentication requests (OpenID 2.0 §9): `checkid_setup` and `checkid_immediate`.
 */
import { invalidRequest } from '../../errors.js';
import { isValidHandle } from './association.js';
import { IDENTIFIER_SELECT } from './constants.js';
import { parseAttributeRequest, type AttributeRequest } from './extensions.js';
import type { OpenIdMessage } from './message.js';
import { MAX_URL_LENGTH, parseRealm, parseReturnTo, returnToMatchesRealm } from './realm.js';

/** A validated authentication request. */
export interface CheckIdRequest {
  readonly mode: 'checkid_setup' | 'checkid_immediate';
  /** `checkid_immediate`: the user must not be interacted with; answer `setup_needed` instead. */
  readonly immediate: boolean;
  /** The RP lets the OP choose the identifier (both fields were `identifier_select`). */
  readonly identifierSelect: boolean;
  /** `openid.claimed_id`; `null` when identifier_select. */
  readonly claimedId: string | null;
  /** `openid.identity` (the OP-local identifier); `null` when identifier_select. */
  readonly identity: string | null;
  /** Where to deliver the answer; checked to lie within the realm. */
  readonly returnTo: string;
  /** What the user is asked to trust: `openid.realm`, defaulting to `return_to` (§9.1). */
  readonly realm: string;
  /** The RP's association handle, when it sent one. */
  readonly assocHandle: string | null;
  /** SREG / AX attributes asked for. */
  readonly attributes: AttributeRequest;
}

function identifierField(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && (value === '' || value.length > MAX_URL_LENGTH)) {
    throw invalidRequest(`openid.${name} is empty or too long.`);
  }
  return value;
}

/**
 * Validate a checkid request. Throws `invalid_request` (never redirectable: until return_to has
 * been checked against the realm, redirecting there would make us an open redirector) when:
 * the mode is not a checkid mode; exactly one of claimed_id / identity is present, or only one of
 * them is identifier_select; neither is present (idbridge only makes assertions about
 * identifiers); return_to is missing (we always require it), malformed, or outside the realm; the
 * realm is malformed or too broad; the association handle is malformed.
 */
export function parseCheckIdRequest(message: OpenIdMessage): CheckIdRequest {
  const { mode, fields } = message;
  if (mode !== 'checkid_setup' && mode !== 'checkid_immediate') {
    throw invalidRequest('openid.mode must be checkid_setup or checkid_immediate.');
  }
  const claimedId = identifierField(fields['claimed_id'], 'claimed_id');
  const identity = identifierField(fields['identity'], 'identity');
  if ((claimedId === undefined) !== (identity === undefined)) {
    throw invalidRequest('openid.claimed_id and openid.identity must be sent together.');
  }
  if (claimedId === undefined || identity === undefined) {
    throw invalidRequest('The request does not ask about an identifier.');
  }
  const identifierSelect = identity === IDENTIFIER_SELECT;
  if (identifierSelect !== (claimedId === IDENTIFIER_SELECT)) {
    throw invalidRequest('identifier_select must be used for both openid.claimed_id and openid.identity.');
  }

  const returnTo = fields['return_to'];
  if (returnTo === undefined) throw invalidRequest('openid.return_to is required.');
  const returnToUrl = parseReturnTo(returnTo);
  const realmValue = fields['realm'];
  if (realmValue !== undefined && !returnToMatchesRealm(parseRealm(realmValue), returnToUrl)) {
    throw invalidRequest('openid.return_to does not match openid.realm.');
  }

  const assocHandle = fields['assoc_handle'];
  if (assocHandle !== undefined && !isValidHandle(assocHandle)) {
    throw invalidRequest('openid.assoc_handle is malformed.');
  }

  return {
    mode,
    immediate: mode === 'checkid_immediate',
    identifierSelect,
    claimedId: identifierSelect ? null : claimedId,
    identity: identifierSelect ? null : identity,
    returnTo,
    realm: realmValue ?? returnTo,
    assocHandle: assocHandle ?? null,
    attributes: parseAttributeRequest(fields),
  };
}

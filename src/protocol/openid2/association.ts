/**
 * Associations (OpenID 2.0 §8): shared MAC keys established with `openid.mode=associate`, and
 * private keys the OP makes for itself when it signs without one (stateless mode, §10.1/§11.4.2).
 */
import { IdbridgeError, invalidRequest } from '../../errors.js';
import { randomBytes, toBase64, toBase64Url } from '../../util/bytes.js';
import { parseBase64 } from './base64.js';
import { OPENID2_NS } from './constants.js';
import {
  DEFAULT_DH_GROUP,
  bigintFromBytes,
  btwoc,
  checkGroup,
  checkPublicKey,
  dhServerExchange,
  type DhGroup,
  type DhSessionType,
} from './dh.js';
import type { OpenIdMessage } from './message.js';

export type AssocType = 'HMAC-SHA1' | 'HMAC-SHA256';
export type SessionType = 'no-encryption' | DhSessionType;

/** MAC key length per association type (§8.3): the HMAC hash's output length. */
export const MAC_KEY_LENGTH: Readonly<Record<AssocType, number>> = Object.freeze({
  'HMAC-SHA1': 20,
  'HMAC-SHA256': 32,
});

/** The types named in `unsupported-type` errors as the ones we prefer (§8.2.4). */
export const PREFERRED_ASSOC_TYPE: AssocType = 'HMAC-SHA256';
export const PREFERRED_SESSION_TYPE: SessionType = 'DH-SHA256';

/** An association as stored. */
export interface Association {
  /** Opaque handle, printable ASCII, at most 255 characters (§8.2.1). */
  readonly handle: string;
  readonly type: AssocType;
  /** The MAC key. Secret: never logged, never sent except inside `associate`. */
  readonly secret: Uint8Array;
  /** Expiry, epoch milliseconds. */
  readonly expiresAt: number;
  /**
   * True for an association the OP made for itself to sign one assertion for an RP without a
   * shared association; only these may be used by `check_authentication` (§11.4.2.1).
   */
  readonly private: boolean;
}

/**
 * Storage port for associations. Implementations may return expired associations from `find`
 * (callers check `expiresAt`) and should purge them eventually.
 */
export interface AssociationStore {
  /** Store a new association; handles are random and never reused. */
  save(association: Association): Promise<void>;
  /** The association with this handle, or `null`. */
  find(handle: string): Promise<Association | null>;
  /**
   * Atomically remove the association with this handle; true for the caller that removed it, false
   * when it was not (or no longer) there. Of two concurrent calls for one handle at most one gets
   * true: this is what makes a private association confirm its assertion at most once. (Only the
   * verdict: the caller has just read the association with `find`, so its sealed key is not
   * opened a second time.)
   */
  consume(handle: string): Promise<boolean>;
}

/** Default lifetime of a shared association. */
export const DEFAULT_ASSOCIATION_LIFETIME_SECONDS = 24 * 60 * 60;
/**
 * Upper bound on a shared association's lifetime. Why: the node `openid` RP schedules removal with
 * `setTimeout(expires_in * 1000)`, which fires at once for more than 2^31 − 1 ms (about 24.8 days),
 * and a long-lived MAC key is a long-lived secret in our database.
 */
export const MAX_ASSOCIATION_LIFETIME_SECONDS = 14 * 24 * 60 * 60;

/** A new random handle: 192 bits, base64url (inside the printable range §8.2.1 allows). */
export function newAssociationHandle(): string {
  return toBase64Url(randomBytes(24));
}

/** Create (without storing) a fresh association with a random MAC key. */
export function createAssociation(
  type: AssocType,
  options: { private: boolean; lifetimeSeconds: number; now: number },
): Association {
  return {
    handle: newAssociationHandle(),
    type,
    secret: randomBytes(MAC_KEY_LENGTH[type]),
    expiresAt: options.now + options.lifetimeSeconds * 1000,
    private: options.private,
  };
}

/** Is the association still within its lifetime? */
export function isAssociationLive(association: Association, now: number): boolean {
  return now < association.expiresAt;
}

/** Handles as §8.2.1 defines them; anything else cannot be one of ours. */
export function isValidHandle(handle: string): boolean {
  return /^[\x21-\x7e]{1,255}$/.test(handle);
}

export interface AssociateOptions {
  /**
   * Did the request arrive over HTTPS? `no-encryption` sessions send the MAC key in the clear and
   * are refused otherwise (§8.4.1).
   */
  secureTransport: boolean;
  /** Lifetime of the new association; defaults to {@link DEFAULT_ASSOCIATION_LIFETIME_SECONDS}. */
  lifetimeSeconds?: number;
  /** Current time, epoch ms; defaults to `Date.now()`. */
  now?: number;
  /** Private-key source for the DH exchange; a seam for tests. */
  dhPrivateKey?: (modulus: bigint) => bigint;
}

function unsupportedType(description: string): IdbridgeError {
  return new IdbridgeError('unsupported-type', description, {
    status: 400,
    extra: { assoc_type: PREFERRED_ASSOC_TYPE, session_type: PREFERRED_SESSION_TYPE },
  });
}

function parseAssocType(value: string | undefined): AssocType | null {
  return value === 'HMAC-SHA1' || value === 'HMAC-SHA256' ? value : null;
}

function parseSessionType(value: string | undefined): SessionType | null {
  return value === 'no-encryption' || value === 'DH-SHA1' || value === 'DH-SHA256' ? value : null;
}

/** The hash of a DH session must match the MAC key length (§8.4.2): SHA1↔HMAC-SHA1, SHA256↔HMAC-SHA256. */
const DH_ASSOC_TYPE: Readonly<Record<DhSessionType, AssocType>> = {
  'DH-SHA1': 'HMAC-SHA1',
  'DH-SHA256': 'HMAC-SHA256',
};

function readNumber(fields: OpenIdMessage['fields'], key: string): bigint | undefined {
  const text = fields[key];
  if (text === undefined) return undefined;
  const bytes = parseBase64(text);
  if (bytes === null || bytes.length === 0) throw invalidRequest(`openid.${key} is not a base64 number.`);
  return bigintFromBytes(bytes);
}

function validateLifetime(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > MAX_ASSOCIATION_LIFETIME_SECONDS) {
    throw new RangeError(`association lifetime must be 60..${MAX_ASSOCIATION_LIFETIME_SECONDS} seconds`);
  }
  return seconds;
}

/**
 * Handle an `associate` request (§8.1): create and store a shared association and return the
 * fields of the direct response (§8.2), to be sent as HTTP 200 in Key-Value form.
 *
 * Throws `unsupported-type` (naming HMAC-SHA256 / DH-SHA256, §8.2.4) for unknown or mismatched
 * types and for `no-encryption` without TLS; `invalid_request` for malformed DH parameters.
 */
export async function associate(
  message: OpenIdMessage,
  store: AssociationStore,
  options: AssociateOptions,
): Promise<Record<string, string>> {
  if (message.mode !== 'associate') throw invalidRequest('openid.mode must be associate.');
  const { fields } = message;
  const assocType = parseAssocType(fields['assoc_type']);
  const sessionType = parseSessionType(fields['session_type']);
  if (assocType === null) throw unsupportedType('The association type is not supported.');
  if (sessionType === null) throw unsupportedType('The session type is not supported.');
  if (sessionType === 'no-encryption') {
    // The MAC key would cross the network in the clear: only acceptable inside TLS.
    if (!options.secureTransport) throw unsupportedType('no-encryption sessions require HTTPS.');
  } else if (DH_ASSOC_TYPE[sessionType] !== assocType) {
    throw unsupportedType(`${sessionType} cannot carry an ${assocType} key.`);
  }

  let group: DhGroup = DEFAULT_DH_GROUP;
  let consumerPublic = 0n;
  if (sessionType !== 'no-encryption') {
    group = {
      modulus: readNumber(fields, 'dh_modulus') ?? DEFAULT_DH_GROUP.modulus,
      generator: readNumber(fields, 'dh_gen') ?? DEFAULT_DH_GROUP.generator,
    };
    const groupProblem = checkGroup(group);
    if (groupProblem !== null) throw invalidRequest(`Diffie-Hellman: ${groupProblem}.`);
    const publicKey = readNumber(fields, 'dh_consumer_public');
    if (publicKey === undefined) throw invalidRequest('openid.dh_consumer_public is missing.');
    const keyProblem = checkPublicKey(publicKey, group);
    if (keyProblem !== null) throw invalidRequest(`Diffie-Hellman: ${keyProblem}.`);
    consumerPublic = publicKey;
  }

  const lifetimeSeconds = validateLifetime(options.lifetimeSeconds ?? DEFAULT_ASSOCIATION_LIFETIME_SECONDS);
  const now = options.now ?? Date.now();
  const association = createAssociation(assocType, { private: false, lifetimeSeconds, now });

  const response: Record<string, string> = {
    ns: OPENID2_NS,
    assoc_handle: association.handle,
    session_type: sessionType,
    assoc_type: assocType,
    expires_in: String(lifetimeSeconds),
  };
  if (sessionType === 'no-encryption') {
    response['mac_key'] = toBase64(association.secret);
  } else {
    const exchange = await dhServerExchange({
      sessionType,
      group,
      consumerPublic,
      macKey: association.secret,
      ...(options.dhPrivateKey ? { privateKey: options.dhPrivateKey } : {}),
    });
    response['dh_server_public'] = toBase64(btwoc(exchange.serverPublic));
    response['enc_mac_key'] = toBase64(exchange.encMacKey);
  }
  await store.save(association);
  return response;
}

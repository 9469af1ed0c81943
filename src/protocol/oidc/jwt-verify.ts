/**
 * Verifying our own ID Tokens when clients send them back as `id_token_hint` (RP-Initiated
 * Logout 1.0 §2, OIDC Core §3.1.2.1).
 */
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { IdbridgeError } from '../../errors.js';
import { SIGNING_ALGS } from './id-token.js';

export interface IdTokenHintOptions {
  /** Our issuer: the hint's `iss` must equal it. */
  issuer: string;
  /** Now, milliseconds since the epoch. */
  now: number;
  /** Allowed clock skew for `nbf` / `iat` in the future; default 60 s. */
  clockToleranceSeconds?: number;
  /** If set, refuse hints issued (`iat`) longer ago than this. */
  maxAgeSeconds?: number;
}

/** What a verified hint tells us. */
export interface IdTokenHint {
  sub: string;
  /** The clients it was issued to (`aud`, always as an array). */
  aud: string[];
  sid?: string;
}

function invalidHint(cause?: unknown): IdbridgeError {
  // One description for every failure: the caller renders it, and detail would only help probing.
  return new IdbridgeError('invalid_request', 'The id_token_hint is not valid.', { status: 400, cause });
}

/**
 * Verify an `id_token_hint` against our public keys.
 *
 * The signature must verify with a key from `jwks` under ES256 or RS256 only: the allow-list
 * rejects `alg: none` and the HS256-with-public-key confusion, and a token signed by a key not in
 * our set fails. `iss` must be ours and `sub` and `aud` present. Expiry is NOT enforced: RP-Initiated
 * Logout 1.0 §2 asks OPs to accept expired ID Tokens as hints, since a user often logs out long
 * after the token expired. A token not yet valid (`nbf` or `iat` in the future beyond the clock
 * tolerance) is still refused: we never issue those, so one is forged or from a broken clock.
 * A `typ` other than `JWT` is refused so that another kind of JWT we sign (e.g. `logout+jwt`)
 * cannot pass as an ID Token. Throws `invalid_request` (400).
 */
export async function verifyIdTokenHint(token: string, jwks: JSONWebKeySet, options: IdTokenHintOptions): Promise<IdTokenHint> {
  const tolerance = options.clockToleranceSeconds ?? 60;
  const now = Math.floor(options.now / 1000);

  // To accept an expired token without giving up jose's other checks, verify "as of" a moment the
  // token was still valid: min(now, exp - 1). Reading `exp` before verifying is safe because the
  // signature covers it; a tampered `exp` fails verification. An earlier date only makes jose's
  // `nbf` check stricter; we check `nbf`/`iat` against the real time ourselves below.
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(token);
  } catch (error) {
    throw invalidHint(error);
  }
  let asOf = now;
  if (typeof unverified.exp === 'number' && Number.isFinite(unverified.exp)) asOf = Math.min(now, Math.floor(unverified.exp) - 1);

  let payload: JWTPayload;
  let typ: string | undefined;
  try {
    const verified = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: options.issuer,
      algorithms: [...SIGNING_ALGS],
      currentDate: new Date(Math.max(0, asOf) * 1000),
      clockTolerance: tolerance,
    });
    payload = verified.payload;
    typ = verified.protectedHeader.typ;
  } catch (error) {
    throw invalidHint(error);
  }

  if (typ !== undefined && typ.toUpperCase() !== 'JWT') throw invalidHint();
  // Belt and braces: these do not depend on the date trick above.
  if (payload.iss !== options.issuer) throw invalidHint();
  // Every ID Token has `exp` (OIDC Core §2); one without it is not a token we issued.
  if (typeof payload.exp !== 'number') throw invalidHint();
  if (typeof payload.nbf === 'number' && payload.nbf > now + tolerance) throw invalidHint();
  if (typeof payload.iat !== 'number' || payload.iat > now + tolerance) throw invalidHint();
  if (options.maxAgeSeconds !== undefined && now - payload.iat > options.maxAgeSeconds) throw invalidHint();
  if (typeof payload.sub !== 'string' || payload.sub === '') throw invalidHint();
  const aud = typeof payload.aud === 'string' ? [payload.aud] : payload.aud;
  if (aud === undefined || aud.length === 0 || !aud.every((item) => typeof item === 'string' && item !== '')) throw invalidHint();

  const hint: IdTokenHint = { sub: payload.sub, aud: [...aud] };
  if (typeof payload['sid'] === 'string' && payload['sid'] !== '') hint.sid = payload['sid'];
  return hint;
}

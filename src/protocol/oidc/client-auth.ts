/**
 * Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3,
 * OIDC Core §9): `client_secret_basic`, `client_secret_post`, or `none` for public clients.
 */
import { IdbridgeError, invalidRequest } from '../../errors.js';
import { fromBase64, fromBase64Url, randomBytes, randomToken, sha256, timingSafeEqualBytes, toBase64Url, utf8 } from '../../util/bytes.js';
import type { OidcClient } from './client.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** Credentials as presented; not yet checked against a client. */
export interface ClientCredentials {
  method: ClientAuthMethod;
  clientId: string;
  /** Present for the two secret methods. */
  clientSecret?: string;
}

/** Cap on a presented client_id or client_secret. Ours are far shorter. */
export const MAX_CREDENTIAL_LENGTH = 1024;

/**
 * `invalid_client` with 401 (RFC 6749 §5.2). When the client used HTTP Basic, the caller must add
 * `WWW-Authenticate: Basic` to the 401.
 */
function invalidClient(description: string): IdbridgeError {
  return new IdbridgeError('invalid_client', description, { status: 401 });
}

/** application/x-www-form-urlencoded decoding of one Basic credential part (RFC 6749 §2.3.1). */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw invalidClient('The client credentials are malformed.');
  }
}

function parseBasic(header: string): { clientId: string; clientSecret: string } | null {
  const match = /^basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header);
  if (match === null) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(fromBase64(match[1]!));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  // Both parts were form-urlencoded before base64 (RFC 6749 §2.3.1), so a `:` in either is %3A and
  // the first literal colon is the separator.
  return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
}

/**
 * Work out which client authentication method a request uses and extract the credentials.
 * Throws `invalid_request` (400) for repeated parameters, for using Basic and `client_secret` at
 * once (RFC 6749 §2.3: one method per request), or for a body `client_id` that contradicts Basic;
 * `invalid_client` (401) for malformed, missing or oversized credentials or a non-Basic scheme.
 */
export function parseClientCredentials(headers: { authorization?: string }, form: Record<string, string[]>): ClientCredentials {
  const field = (name: 'client_id' | 'client_secret'): string | undefined => {
    const values = Object.hasOwn(form, name) ? form[name] : undefined;
    if (values === undefined || values.length === 0) return undefined;
    if (values.length > 1) throw invalidRequest(`The ${name} parameter must not be repeated.`);
    // RFC 6749 §3.1: an empty parameter counts as omitted.
    return values[0] === '' ? undefined : values[0];
  };
  const formId = field('client_id');
  const formSecret = field('client_secret');
  const checked = (credentials: ClientCredentials): ClientCredentials => {
    if (credentials.clientId.length > MAX_CREDENTIAL_LENGTH || (credentials.clientSecret?.length ?? 0) > MAX_CREDENTIAL_LENGTH) {
      throw invalidClient('The client credentials are malformed.');
    }
    return credentials;
  };

  const authorization = headers.authorization;
  if (authorization !== undefined && authorization !== '') {
    if (!/^basic(?: |$)/i.test(authorization)) throw invalidClient('Unsupported client authentication scheme; use Basic.');
    if (formSecret !== undefined) throw invalidRequest('Use only one client authentication method.');
    const basic = parseBasic(authorization);
    if (basic === null) throw invalidClient('The client credentials are malformed.');
    if (basic.clientId === '' || basic.clientSecret === '') throw invalidClient('The client credentials are incomplete.');
    if (formId !== undefined && formId !== basic.clientId) throw invalidRequest('client_id does not match the authenticated client.');
    return checked({ method: 'client_secret_basic', clientId: basic.clientId, clientSecret: basic.clientSecret });
  }
  if (formId === undefined) {
    if (formSecret !== undefined) throw invalidClient('client_secret was sent without client_id.');
    throw invalidClient('Client authentication is required.');
  }
  if (formSecret !== undefined) return checked({ method: 'client_secret_post', clientId: formId, clientSecret: formSecret });
  return checked({ method: 'none', clientId: formId });
}

/** The algorithm tag of stored client secret hashes. */
const SECRET_HASH_SCHEME = 'sha256';
const SALT_BYTES = 16;
/** 256 bits as unpadded base64url. */
export const MIN_CLIENT_SECRET_LENGTH = 43;

/** A new client secret: 256 random bits, base64url. */
export function generateClientSecret(): string {
  return randomToken(256);
}

async function saltedDigest(salt: Uint8Array, secret: string): Promise<Uint8Array> {
  const secretBytes = utf8(secret);
  const input = new Uint8Array(salt.length + secretBytes.length);
  input.set(salt, 0);
  input.set(secretBytes, salt.length);
  return sha256(input);
}

/**
 * Hash a client secret for storage: `sha256$<salt>$<hash>`, both base64url, hash = SHA-256(salt ‖
 * secret).
 *
 * Why not scrypt like passwords: slow hashes exist to make guessing low-entropy human passwords
 * expensive. Client secrets are ≥ 256 random bits that we generate, so guessing is hopeless at any
 * hash speed, and they are checked on every token request (a hot path where scrypt's memory cost
 * would be a denial-of-service lever). The salt keeps equal secrets from having equal hashes.
 * Throws a `RangeError` (a bug, not a client error) for a secret too short to carry 256 bits,
 * because the argument above only holds for such secrets.
 */
export async function hashClientSecret(secret: string): Promise<string> {
  if (secret.length < MIN_CLIENT_SECRET_LENGTH) throw new RangeError('Client secrets must carry at least 256 bits.');
  const salt = randomBytes(SALT_BYTES);
  return `${SECRET_HASH_SCHEME}$${toBase64Url(salt)}$${toBase64Url(await saltedDigest(salt, secret))}`;
}

/**
 * Check a presented secret against a stored hash, in constant time (the digests are compared with
 * a full-length XOR loop, so timing does not reveal how many bytes matched). False for a malformed
 * hash.
 */
export async function verifyClientSecret(secret: string, hash: string): Promise<boolean> {
  const parts = hash.split('$');
  if (parts.length !== 3 || parts[0] !== SECRET_HASH_SCHEME) return false;
  let salt: Uint8Array;
  let expected: Uint8Array;
  try {
    salt = fromBase64Url(parts[1]!);
    expected = fromBase64Url(parts[2]!);
  } catch {
    return false;
  }
  if (salt.length === 0 || expected.length !== 32) return false;
  return timingSafeEqualBytes(await saltedDigest(salt, secret), expected);
}

/**
 * Authenticate a client with the credentials it presented. Throws `invalid_client` (401) when the
 * credentials are for another client, a public client presents a secret or a confidential client
 * does not, or the secret does not match. Every failure has the same description, so the answer
 * does not tell an attacker which part was wrong.
 */
export async function authenticateClient(credentials: ClientCredentials, client: OidcClient): Promise<void> {
  const failed = invalidClient('Client authentication failed.');
  if (credentials.clientId !== client.clientId) throw failed;
  if (client.public) {
    // A public client has no secret; one that sends a secret anyway is misconfigured, and
    // accepting it would blur which clients are really authenticated.
    if (credentials.method !== 'none') throw failed;
    return;
  }
  if (credentials.method === 'none' || credentials.clientSecret === undefined || client.secretHash === null) throw failed;
  if (!(await verifyClientSecret(credentials.clientSecret, client.secretHash))) throw failed;
}

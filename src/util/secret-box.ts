import { fromBase64Url, randomBytes, toBase64Url, utf8 } from './bytes.js';

/** HKDF purposes of the values sealed at rest; one derived key each (see {@link SecretBox}). */
export const SEAL_PURPOSE = {
  apiKey: 'aw-api-key',
  associations: 'openid2-associations',
  signingKeys: 'oidc-signing-keys',
  secretCheck: 'secret-check',
  webhookSecrets: 'webhook-secrets',
} as const;

/** A sealed value that opens under none of the configured secrets (another secret, or tampered). */
export class UnsealError extends Error {
  constructor() {
    super('a sealed value opens under none of the configured secrets (the secret changed, or the value is damaged)');
    this.name = 'UnsealError';
  }
}

/**
 * Authenticated encryption of small secrets at rest (API keys, private keys) under the deployment
 * secret: AES-256-GCM with a key derived by HKDF-SHA-256 per purpose, so one leaked derived key
 * opens nothing else. Output: `v1.<iv>.<ciphertext>` in base64url.
 *
 * Rotation: given several secrets, the first (current) seals and every one opens, so values sealed
 * under the previous secret keep working until `idbridge secret rewrap` re-seals them.
 */
export class SecretBox {
  #keys: Array<Promise<CryptoKey>>;

  constructor(secrets: string | readonly string[], purpose: string) {
    const list = typeof secrets === 'string' ? [secrets] : secrets;
    if (list.length === 0) throw new Error('SecretBox needs a secret');
    this.#keys = list.map(async (secret) => {
      const material = await crypto.subtle.importKey('raw', utf8(secret), 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: utf8('idbridge/secret-box/v1'), info: utf8(purpose) },
        material,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      );
    });
  }

  async seal(plaintext: string): Promise<string> {
    const iv = randomBytes(12);
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await this.#keys[0]!, utf8(plaintext));
    return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
  }

  /** Throws {@link UnsealError} when no configured secret opens it (other secret, or tampered). */
  async open(sealed: string): Promise<string> {
    return (await this.openDetailed(sealed)).plaintext;
  }

  /** Like {@link open}, and tells whether the current secret (rather than the previous one) opened it. */
  async openDetailed(sealed: string): Promise<{ plaintext: string; current: boolean }> {
    const [version, iv, ct] = sealed.split('.');
    if (version !== 'v1' || !iv || !ct) throw new UnsealError();
    for (const [index, key] of this.#keys.entries()) {
      try {
        const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64Url(iv) }, await key, fromBase64Url(ct));
        return { plaintext: new TextDecoder().decode(pt), current: index === 0 };
      } catch {
        // not this secret: try the next one
      }
    }
    throw new UnsealError();
  }
}

/** Derive a purpose-specific string secret (≥ 32 chars) from the deployment secret, e.g. for cookie sealing. */
export async function deriveSecret(secret: string, purpose: string): Promise<string> {
  const material = await crypto.subtle.importKey('raw', utf8(secret), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8('idbridge/derive/v1'), info: utf8(purpose) },
    material,
    256,
  );
  return toBase64Url(new Uint8Array(bits));
}

/** The deployment secrets in sealing order: the current one, then the one being rotated away from. */
export function deploymentSecrets(config: { secret: string; previousSecret?: string | undefined }): string[] {
  return config.previousSecret ? [config.secret, config.previousSecret] : [config.secret];
}

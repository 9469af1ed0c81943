import { fromBase64Url, randomBytes, toBase64Url, utf8 } from './bytes.js';

/**
 * Authenticated encryption of small secrets at rest (API keys, private keys) under the deployment
 * secret: AES-256-GCM with a key derived by HKDF-SHA-256 per purpose, so one leaked derived key
 * opens nothing else. Output: `v1.<iv>.<ciphertext>` in base64url.
 */
export class SecretBox {
  #key: Promise<CryptoKey>;

  constructor(secret: string, purpose: string) {
    this.#key = (async () => {
      const material = await crypto.subtle.importKey('raw', utf8(secret), 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: utf8('idbridge/secret-box/v1'), info: utf8(purpose) },
        material,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      );
    })();
  }

  async seal(plaintext: string): Promise<string> {
    const iv = randomBytes(12);
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await this.#key, utf8(plaintext));
    return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
  }

  /** Throws when the box was sealed under another secret or tampered with. */
  async open(sealed: string): Promise<string> {
    const [version, iv, ct] = sealed.split('.');
    if (version !== 'v1' || !iv || !ct) throw new Error('unrecognised sealed value');
    const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64Url(iv) }, await this.#key, fromBase64Url(ct));
    return new TextDecoder().decode(pt);
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

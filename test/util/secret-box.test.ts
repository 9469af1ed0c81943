import { describe, expect, it } from 'vitest';
import { SecretBox, deriveSecret } from '../../src/util/secret-box.js';

const SECRET = 'deployment-secret-deployment-secret-0123456789';
const OTHER_SECRET = 'another-secret-another-secret-another-9876543210';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Replace the character at `index` with another base64url character. */
function flip(text: string, index: number): string {
  const current = text[index]!;
  const replacement = B64URL[(B64URL.indexOf(current) + 1) % 64]!;
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

function parts(sealed: string): [string, string, string] {
  const [v, iv, ct] = sealed.split('.');
  return [v!, iv!, ct!];
}

describe('SecretBox', () => {
  it('round-trips plaintexts', async () => {
    const box = new SecretBox(SECRET, 'api-key');
    for (const plaintext of ['', 'k'.repeat(64), 'päss 😀 日本語', '-----BEGIN PRIVATE KEY-----\nMIIE...\n']) {
      expect(await box.open(await box.seal(plaintext))).toBe(plaintext);
    }
  });

  it('opens with another instance built from the same secret and purpose', async () => {
    const sealed = await new SecretBox(SECRET, 'api-key').seal('hello');
    expect(await new SecretBox(SECRET, 'api-key').open(sealed)).toBe('hello');
  });

  it('produces v1.<iv>.<ciphertext> in base64url, without the plaintext', async () => {
    const sealed = await new SecretBox(SECRET, 'api-key').seal('top secret value');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('top secret');
    // 16 bytes of plaintext + 16 bytes of GCM tag.
    expect(Buffer.from(parts(sealed)[2], 'base64url')).toHaveLength(32);
  });

  it('uses a fresh IV each time', async () => {
    const box = new SecretBox(SECRET, 'api-key');
    const a = await box.seal('same');
    const b = await box.seal('same');
    expect(a).not.toBe(b);
    expect(parts(a)[1]).not.toBe(parts(b)[1]);
  });

  it('detects tampering with the ciphertext', async () => {
    const box = new SecretBox(SECRET, 'api-key');
    const sealed = await box.seal('the api key value');
    const [v, iv, ct] = parts(sealed);
    for (const index of [0, Math.floor(ct.length / 2), ct.length - 2]) {
      await expect(box.open(`${v}.${iv}.${flip(ct, index)}`)).rejects.toThrow();
    }
  });

  it('detects tampering with the IV', async () => {
    const box = new SecretBox(SECRET, 'api-key');
    const [v, iv, ct] = parts(await box.seal('the api key value'));
    await expect(box.open(`${v}.${flip(iv, 0)}.${ct}`)).rejects.toThrow();
    await expect(box.open(`${v}.${flip(iv, 8)}.${ct}`)).rejects.toThrow();
  });

  it('detects truncation and splicing', async () => {
    const box = new SecretBox(SECRET, 'api-key');
    const [v, iv, ct] = parts(await box.seal('the api key value'));
    const [, iv2, ct2] = parts(await box.seal('the api key value'));
    await expect(box.open(`${v}.${iv}.${ct.slice(0, -4)}`)).rejects.toThrow();
    await expect(box.open(`${v}.${iv}.${ct2}`)).rejects.toThrow();
    await expect(box.open(`${v}.${iv2}.${ct}`)).rejects.toThrow();
  });

  it.each(['', 'garbage', 'v1', 'v1..', 'v1.abc', 'v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'])(
    'refuses the malformed sealed value %j',
    async (sealed) => {
      await expect(new SecretBox(SECRET, 'api-key').open(sealed)).rejects.toThrow();
    },
  );

  it('refuses a value sealed under another secret', async () => {
    const sealed = await new SecretBox(SECRET, 'api-key').seal('hello');
    await expect(new SecretBox(OTHER_SECRET, 'api-key').open(sealed)).rejects.toThrow();
  });

  it('derives different keys per purpose', async () => {
    const sealed = await new SecretBox(SECRET, 'api-key').seal('hello');
    await expect(new SecretBox(SECRET, 'signing-key').open(sealed)).rejects.toThrow();
    await expect(new SecretBox(SECRET, 'api-key ').open(sealed)).rejects.toThrow();
  });
});

describe('deriveSecret', () => {
  it('is deterministic', async () => {
    expect(await deriveSecret(SECRET, 'cookies')).toBe(await deriveSecret(SECRET, 'cookies'));
  });

  it('yields 256 bits as 43 base64url characters, unlike the input', async () => {
    const derived = await deriveSecret(SECRET, 'cookies');
    expect(derived).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(derived, 'base64url')).toHaveLength(32);
    expect(derived).not.toContain(SECRET);
  });

  it('separates purposes', async () => {
    const values = await Promise.all(['cookies', 'csrf', 'cookie', 'Cookies', ''].map((purpose) => deriveSecret(SECRET, purpose)));
    expect(new Set(values).size).toBe(values.length);
  });

  it('depends on the secret', async () => {
    expect(await deriveSecret(SECRET, 'cookies')).not.toBe(await deriveSecret(OTHER_SECRET, 'cookies'));
  });

  it('matches HKDF-SHA-256 with the documented salt', async () => {
    const { hkdfSync } = await import('node:crypto');
    const expected = Buffer.from(hkdfSync('sha256', SECRET, 'idbridge/derive/v1', 'cookies', 32)).toString('base64url');
    expect(await deriveSecret(SECRET, 'cookies')).toBe(expected);
  });
});

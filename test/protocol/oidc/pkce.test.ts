import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPkceValue, s256Challenge, verifyPkce } from '../../../src/protocol/oidc/pkce.js';
import { RFC7636_CHALLENGE, RFC7636_VERIFIER } from './helpers.js';

describe('PKCE (RFC 7636, S256 only)', () => {
  it('computes the RFC 7636 Appendix B challenge', async () => {
    expect(await s256Challenge(RFC7636_VERIFIER)).toBe(RFC7636_CHALLENGE);
  });

  it('derives the Appendix B verifier from the RFC octets', () => {
    const octets = [
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88,
      5, 88, 83, 132, 141, 121,
    ];
    expect(Buffer.from(octets).toString('base64url')).toBe(RFC7636_VERIFIER);
  });

  it('does not match a look-alike verifier', async () => {
    expect(await verifyPkce(RFC7636_CHALLENGE, 'dBjftJeZ4CVP-mJ92K9qTNn0Q5Ry2U6vE-Ae8ZU4qdk')).toBe(false);
  });

  it('agrees with node:crypto on another verifier', async () => {
    const verifier = `${'Az09-._~'.repeat(16)}`;
    expect(await s256Challenge(verifier)).toBe(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  });

  it('accepts the Appendix B verifier for its challenge', async () => {
    expect(await verifyPkce(RFC7636_CHALLENGE, RFC7636_VERIFIER)).toBe(true);
  });

  it('rejects a wrong verifier', async () => {
    expect(await verifyPkce(RFC7636_CHALLENGE, `${RFC7636_VERIFIER.slice(0, -1)}l`)).toBe(false);
    expect(await verifyPkce(RFC7636_CHALLENGE, 'a'.repeat(43))).toBe(false);
  });

  it('rejects the plain method (verifier equal to the challenge)', async () => {
    expect(await verifyPkce(RFC7636_CHALLENGE, RFC7636_CHALLENGE)).toBe(false);
  });

  it('requires a verifier when a challenge was stored', async () => {
    expect(await verifyPkce(RFC7636_CHALLENGE, undefined)).toBe(false);
  });

  it('refuses a verifier when no challenge was stored (PKCE downgrade, RFC 9700)', async () => {
    expect(await verifyPkce(undefined, RFC7636_VERIFIER)).toBe(false);
  });

  it('passes when neither was used', async () => {
    expect(await verifyPkce(undefined, undefined)).toBe(true);
  });

  it('rejects malformed verifiers even when they hash to the challenge', async () => {
    for (const verifier of ['short', 'a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)} `, `${'a'.repeat(42)}é`]) {
      expect(await verifyPkce(await s256Challenge(verifier), verifier)).toBe(false);
    }
  });

  it('accepts 43 and 128 character verifiers', async () => {
    for (const verifier of ['a'.repeat(43), 'Z'.repeat(128)]) {
      expect(await verifyPkce(await s256Challenge(verifier), verifier)).toBe(true);
    }
  });

  it('checks syntax of values', () => {
    expect(isPkceValue(RFC7636_VERIFIER)).toBe(true);
    expect(isPkceValue('a'.repeat(43))).toBe(true);
    expect(isPkceValue('a'.repeat(42))).toBe(false);
    expect(isPkceValue(`${'a'.repeat(43)}\n`)).toBe(false);
  });
});

import { createHash, generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { atHash, buildIdTokenClaims, signJwt, type SigningAlg } from '../../../src/protocol/oidc/id-token.js';
import { ISSUER } from './helpers.js';

/** at_hash computed independently with node:crypto (OIDC Core §3.1.3.6). */
function nodeAtHash(token: string): string {
  const digest = createHash('sha256').update(token, 'ascii').digest();
  return digest.subarray(0, 16).toString('base64url');
}

const NOW = 1_700_000_000_000;

describe('atHash', () => {
  it('matches an independent SHA-256 left-half computation', async () => {
    for (const token of ['jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'a', 'x'.repeat(200)]) {
      expect(await atHash(token, 'ES256')).toBe(nodeAtHash(token));
      expect(await atHash(token, 'RS256')).toBe(nodeAtHash(token));
    }
  });

  it('is 22 base64url characters (128 bits)', async () => {
    expect(await atHash('token', 'ES256')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('buildIdTokenClaims', () => {
  it('builds the required and optional claims', async () => {
    const claims = await buildIdTokenClaims({
      issuer: ISSUER,
      sub: 'u-1',
      aud: 'shop',
      nonce: 'n-0',
      authTime: 1_699_999_000,
      acr: 'urn:idbridge:password',
      amr: ['pwd'],
      sid: 'sess-1',
      accessToken: 'at-123',
      now: NOW + 999,
      ttlSeconds: 600,
      openid2Id: 'https://id.example.com/u/alice',
      extra: { email: 'a@example.com' },
    });
    expect(claims).toEqual({
      email: 'a@example.com',
      iss: ISSUER,
      sub: 'u-1',
      aud: 'shop',
      exp: 1_700_000_600,
      iat: 1_700_000_000,
      auth_time: 1_699_999_000,
      nonce: 'n-0',
      acr: 'urn:idbridge:password',
      amr: ['pwd'],
      sid: 'sess-1',
      at_hash: nodeAtHash('at-123'),
      openid2_id: 'https://id.example.com/u/alice',
    });
  });

  it('omits optional claims that were not given', async () => {
    const claims = await buildIdTokenClaims({ issuer: ISSUER, sub: 's', aud: 'c', authTime: 1, now: NOW, ttlSeconds: 60 });
    expect(Object.keys(claims).sort()).toEqual(['aud', 'auth_time', 'exp', 'iat', 'iss', 'sub']);
  });

  it('does not let extra claims override protected ones', async () => {
    const claims = await buildIdTokenClaims({
      issuer: ISSUER,
      sub: 's',
      aud: 'c',
      authTime: 1,
      now: NOW,
      ttlSeconds: 60,
      extra: { iss: 'https://evil', sub: 'admin', aud: 'other', exp: 9e12, nonce: 'x', at_hash: 'x', azp: 'x', name: 'Alice' },
    });
    expect(claims).toMatchObject({ iss: ISSUER, sub: 's', aud: 'c', exp: NOW / 1000 + 60, name: 'Alice' });
    expect(claims['nonce']).toBeUndefined();
    expect(claims['at_hash']).toBeUndefined();
    expect(claims['azp']).toBeUndefined();
  });
});

describe('signJwt', () => {
  for (const alg of ['ES256', 'RS256'] as SigningAlg[]) {
    it(`signs an ID token that jose verifies with the ${alg} public key, with a correct at_hash`, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const accessToken = 'SlAV32hkKG-access-token';
      const claims = await buildIdTokenClaims({ issuer: ISSUER, sub: 'u-1', aud: 'shop', nonce: 'n', authTime: NOW / 1000, accessToken, now: NOW, ttlSeconds: 300, alg });
      const jwt = await signJwt(claims, { kid: 'k1', alg, privateKey });
      expect(decodeProtectedHeader(jwt)).toEqual({ alg, kid: 'k1' });
      const { payload } = await jwtVerify(jwt, publicKey, { issuer: ISSUER, audience: 'shop', algorithms: [alg], currentDate: new Date(NOW) });
      expect(payload.sub).toBe('u-1');
      expect(payload['nonce']).toBe('n');
      expect(payload['at_hash']).toBe(nodeAtHash(accessToken));
      // and it does not verify under another key
      const other = await generateKeyPair(alg);
      await expect(jwtVerify(jwt, other.publicKey, { algorithms: [alg], currentDate: new Date(NOW) })).rejects.toThrow();
      expect((await exportJWK(publicKey)).kty).toBe(alg === 'ES256' ? 'EC' : 'RSA');
    });
  }

  it('sets typ when asked', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const jwt = await signJwt({ iss: ISSUER }, { kid: 'k', alg: 'ES256', privateKey }, 'logout+jwt');
    expect(decodeProtectedHeader(jwt).typ).toBe('logout+jwt');
  });

  it('works with a Web Crypto key made from node:crypto material', async () => {
    const { privateKey: pem } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = pem.export({ format: 'der', type: 'pkcs8' });
    const key = await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const jwt = await signJwt({ sub: 'x' }, { kid: 'k', alg: 'ES256', privateKey: key });
    expect(jwt.split('.')).toHaveLength(3);
  });
});

import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, type JSONWebKeySet, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { buildIdTokenClaims, signJwt, type SigningKey } from '../../../src/protocol/oidc/id-token.js';
import { verifyIdTokenHint } from '../../../src/protocol/oidc/jwt-verify.js';
import { ISSUER, rejection } from './helpers.js';

const NOW = 1_700_000_000_000;
const NOW_S = NOW / 1000;

let es: SigningKey;
let rs: SigningKey;
let jwks: JSONWebKeySet;
let foreign: SigningKey;

beforeAll(async () => {
  const esPair = await generateKeyPair('ES256', { extractable: true });
  const rsPair = await generateKeyPair('RS256', { extractable: true });
  const foreignPair = await generateKeyPair('ES256');
  es = { kid: 'es-1', alg: 'ES256', privateKey: esPair.privateKey };
  rs = { kid: 'rs-1', alg: 'RS256', privateKey: rsPair.privateKey };
  foreign = { kid: 'es-1', alg: 'ES256', privateKey: foreignPair.privateKey };
  jwks = {
    keys: [
      { ...(await exportJWK(esPair.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rsPair.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
    ],
  };
});

async function idToken(overrides: { now?: number; ttl?: number; sid?: string } = {}, key: SigningKey = es): Promise<string> {
  const claims = await buildIdTokenClaims({
    issuer: ISSUER,
    sub: 'u-1',
    aud: 'shop',
    authTime: NOW_S - 10,
    now: overrides.now ?? NOW,
    ttlSeconds: overrides.ttl ?? 600,
    ...(overrides.sid === undefined ? {} : { sid: overrides.sid }),
  });
  return signJwt(claims, key);
}

async function signed(payload: JWTPayload, key: SigningKey = es, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

const verify = (token: string, now = NOW) => verifyIdTokenHint(token, jwks, { issuer: ISSUER, now });

async function expectInvalid(token: string, now = NOW): Promise<void> {
  const error = await rejection(() => verify(token, now));
  expect(error).toBeInstanceOf(IdbridgeError);
  expect((error as IdbridgeError).code).toBe('invalid_request');
  expect((error as IdbridgeError).redirectable).toBe(false);
}

describe('verifyIdTokenHint: accepted', () => {
  it('accepts a current ES256 token and returns sub, aud[], sid', async () => {
    expect(await verify(await idToken({ sid: 'sess-9' }))).toEqual({ sub: 'u-1', aud: ['shop'], sid: 'sess-9' });
  });

  it('accepts an RS256 token', async () => {
    expect(await verify(await idToken({}, rs))).toEqual({ sub: 'u-1', aud: ['shop'] });
  });

  it('accepts an expired token (RP-Initiated Logout)', async () => {
    const token = await idToken({ now: NOW - 30 * 86_400_000, ttl: 600 });
    expect((await verify(token)).sub).toBe('u-1');
  });

  it('accepts a token that expired a second ago', async () => {
    expect((await verify(await idToken({ now: NOW - 601_000, ttl: 600 }))).sub).toBe('u-1');
  });

  it('returns an array audience as is', async () => {
    const token = await signed({ iss: ISSUER, sub: 's', aud: ['a', 'b'], iat: NOW_S, exp: NOW_S + 60 });
    expect((await verify(token)).aud).toEqual(['a', 'b']);
  });

  it('accepts a small clock skew', async () => {
    expect((await verify(await idToken({ now: NOW + 30_000 }))).sub).toBe('u-1');
  });

  it('accepts typ JWT', async () => {
    const token = await signed({ iss: ISSUER, sub: 's', aud: 'a', iat: NOW_S, exp: NOW_S + 60 }, es, { typ: 'JWT' });
    expect((await verify(token)).sub).toBe('s');
  });

  it('honours maxAgeSeconds when set', async () => {
    const old = await idToken({ now: NOW - 10 * 86_400_000 });
    await expect(verifyIdTokenHint(old, jwks, { issuer: ISSUER, now: NOW, maxAgeSeconds: 86_400 })).rejects.toBeInstanceOf(IdbridgeError);
    expect((await verifyIdTokenHint(old, jwks, { issuer: ISSUER, now: NOW, maxAgeSeconds: 30 * 86_400 })).sub).toBe('u-1');
  });
});

describe('verifyIdTokenHint: rejected', () => {
  it('rejects alg none', async () => {
    const token = new UnsecuredJWT({ iss: ISSUER, sub: 'u-1', aud: 'shop', iat: NOW_S, exp: NOW_S + 60 }).encode();
    await expectInvalid(token);
  });

  it('rejects alg none with a kid of ours', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'es-1' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ iss: ISSUER, sub: 'u-1', aud: 'shop', iat: NOW_S, exp: NOW_S + 60 })).toString('base64url');
    await expectInvalid(`${header}.${body}.`);
  });

  it('rejects a token signed by a foreign key with our kid', async () => {
    await expectInvalid(await idToken({}, foreign));
  });

  it('rejects a token signed by a foreign key with an unknown kid', async () => {
    await expectInvalid(await idToken({}, { ...foreign, kid: 'other' }));
  });

  it('rejects HS256 keyed with our public key material (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    const token = await new SignJWT({ iss: ISSUER, sub: 'u-1', aud: 'shop', iat: NOW_S, exp: NOW_S + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: 'es-1' })
      .sign(secret);
    await expectInvalid(token);
  });

  it('rejects another issuer', async () => {
    await expectInvalid(await signed({ iss: 'https://evil.example.com', sub: 'u-1', aud: 'shop', iat: NOW_S, exp: NOW_S + 60 }));
    await expectInvalid(await signed({ iss: `${ISSUER}/`, sub: 'u-1', aud: 'shop', iat: NOW_S, exp: NOW_S + 60 }));
  });

  it('rejects another issuer even when expired', async () => {
    await expectInvalid(await signed({ iss: 'https://evil.example.com', sub: 'u-1', aud: 'shop', iat: NOW_S - 9000, exp: NOW_S - 8000 }));
  });

  it('rejects a not-yet-valid token (nbf in the future)', async () => {
    await expectInvalid(await signed({ iss: ISSUER, sub: 'u-1', aud: 'shop', iat: NOW_S, nbf: NOW_S + 3600, exp: NOW_S + 7200 }));
  });

  it('rejects nbf in the future even on an expired-looking token', async () => {
    await expectInvalid(await signed({ iss: ISSUER, sub: 'u-1', aud: 'shop', iat: NOW_S - 100, nbf: NOW_S + 3600, exp: NOW_S - 50 }));
  });

  it('rejects a token issued in the future', async () => {
    await expectInvalid(await idToken({ now: NOW + 3_600_000 }));
  });

  it('rejects tokens without sub, aud, iat or exp', async () => {
    await expectInvalid(await signed({ iss: ISSUER, aud: 'shop', iat: NOW_S, exp: NOW_S + 60 }));
    await expectInvalid(await signed({ iss: ISSUER, sub: 'u-1', iat: NOW_S, exp: NOW_S + 60 }));
    await expectInvalid(await signed({ iss: ISSUER, sub: 'u-1', aud: [], iat: NOW_S, exp: NOW_S + 60 }));
    await expectInvalid(await signed({ iss: ISSUER, sub: 'u-1', aud: 'shop', exp: NOW_S + 60 }));
    await expectInvalid(await signed({ iss: ISSUER, sub: 'u-1', aud: 'shop', iat: NOW_S }));
  });

  it('rejects other kinds of JWT we sign (typ)', async () => {
    await expectInvalid(await signed({ iss: ISSUER, sub: 'u-1', aud: 'shop', iat: NOW_S, exp: NOW_S + 60 }, es, { typ: 'logout+jwt' }));
    await expectInvalid(await signed({ iss: ISSUER, sub: 'u-1', aud: 'shop', iat: NOW_S, exp: NOW_S + 60 }, es, { typ: 'at+jwt' }));
  });

  it('rejects a tampered payload (e.g. extended exp or changed sub)', async () => {
    const token = await idToken();
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    payload['sub'] = 'admin';
    await expectInvalid(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`);
  });

  it('rejects garbage', async () => {
    for (const token of ['', 'abc', 'a.b.c', 'a.b', '..']) await expectInvalid(token);
  });
});

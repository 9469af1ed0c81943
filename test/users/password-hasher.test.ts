import { scrypt as nodeScryptCallback } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { ScryptParams } from '../../src/config.js';
import { MAX_PASSWORD_LENGTH, PasswordHasher, parsePhc, type ScryptFunction } from '../../src/users/password-hasher.js';

const PARAMS: ScryptParams = { ln: 10, r: 8, p: 1 };

/** Real scrypt from node:crypto, at a low cost for tests. */
const realScrypt: ScryptFunction = (password, salt, params, keyLength) =>
  new Promise((resolve, reject) => {
    nodeScryptCallback(
      password,
      salt,
      keyLength,
      { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: 256 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(new Uint8Array(key))),
    );
  });

function spiedHasher(params: ScryptParams = PARAMS) {
  const scrypt = vi.fn(realScrypt);
  return { scrypt, hasher: new PasswordHasher(scrypt, params) };
}

const PHC = /^\$scrypt\$ln=10,r=8,p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

describe('PasswordHasher.hash', () => {
  it('produces a PHC string with the configured parameters, a 16-byte salt and a 32-byte key', async () => {
    const { hasher } = spiedHasher();
    const encoded = await hasher.hash('correct horse battery staple');
    expect(encoded).toMatch(PHC);
    const parsed = parsePhc(encoded)!;
    expect(parsed.params).toEqual(PARAMS);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
  });

  it('stores exactly scrypt(NFKC(password), salt) so other implementations can verify it', async () => {
    const { hasher } = spiedHasher();
    const encoded = await hasher.hash('pässwörd');
    const [, salt, hash] = PHC.exec(encoded)!;
    const expected = await realScrypt(
      new TextEncoder().encode('pässwörd'.normalize('NFKC')),
      Buffer.from(salt!, 'base64'),
      PARAMS,
      32,
    );
    expect(Buffer.from(hash!, 'base64').equals(Buffer.from(expected))).toBe(true);
  });

  it('salts: two hashes of the same password differ', async () => {
    const { hasher } = spiedHasher();
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(a).not.toBe(b);
    expect(PHC.exec(a)![1]).not.toBe(PHC.exec(b)![1]);
    expect(await hasher.verify('same password', a)).toBe(true);
    expect(await hasher.verify('same password', b)).toBe(true);
  });

  it('calls scrypt with the configured parameters', async () => {
    const { hasher, scrypt } = spiedHasher();
    await hasher.hash('pw');
    expect(scrypt).toHaveBeenCalledTimes(1);
    expect(scrypt.mock.calls[0]![2]).toEqual(PARAMS);
    expect(scrypt.mock.calls[0]![3]).toBe(32);
  });
});

describe('PasswordHasher.verify', () => {
  it('accepts the right password and refuses wrong ones', async () => {
    const { hasher } = spiedHasher();
    const encoded = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify('correct horse battery staple', encoded)).toBe(true);
    expect(await hasher.verify('correct horse battery stapl', encoded)).toBe(false);
    expect(await hasher.verify('Correct horse battery staple', encoded)).toBe(false);
    expect(await hasher.verify('correct horse battery staple ', encoded)).toBe(false);
    expect(await hasher.verify('', encoded)).toBe(false);
  });

  it('verifies the empty password only against its own hash', async () => {
    const { hasher } = spiedHasher();
    const encoded = await hasher.hash('');
    expect(await hasher.verify('', encoded)).toBe(true);
    expect(await hasher.verify(' ', encoded)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, not the current ones', async () => {
    const old = spiedHasher({ ln: 11, r: 4, p: 1 }).hasher;
    const encoded = await old.hash('legacy');
    const { hasher, scrypt } = spiedHasher();
    expect(await hasher.verify('legacy', encoded)).toBe(true);
    expect(scrypt.mock.calls[0]![2]).toEqual({ ln: 11, r: 4, p: 1 });
  });

  it('normalizes with NFKC: the "ﬁ" ligature equals "fi"', async () => {
    const { hasher } = spiedHasher();
    const encoded = await hasher.hash('ﬁsh');
    expect(await hasher.verify('fish', encoded)).toBe(true);
    expect(await hasher.verify('ﬁsh', encoded)).toBe(true);
    expect(await hasher.verify('f1sh', encoded)).toBe(false);
  });

  it('normalizes with NFKC: composed and decomposed "é" are the same password', async () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    expect(composed).not.toBe(decomposed);
    const { hasher } = spiedHasher();
    expect(await hasher.verify(decomposed, await hasher.hash(composed))).toBe(true);
    expect(await hasher.verify(composed, await hasher.hash(decomposed))).toBe(true);
    expect(await hasher.verify('cafe', await hasher.hash(composed))).toBe(false);
  });

  it('normalizes with NFKC: full-width letters equal ASCII', async () => {
    const { hasher } = spiedHasher();
    expect(await hasher.verify('Password', await hasher.hash('Ｐａｓｓｗｏｒｄ'))).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['plain text', 'hunter2'],
    ['bcrypt', '$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234'],
    ['argon2', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['missing hash', '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA'],
    ['empty salt and hash', '$scrypt$ln=10,r=8,p=1$$'],
    ['ln=0', '$scrypt$ln=0,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA'],
    ['bad base64 length', '$scrypt$ln=10,r=8,p=1$AAAAA$AAAAA'],
  ])('returns false for a malformed stored hash (%s) and still spends a hash', async (_name, encoded) => {
    const { hasher, scrypt } = spiedHasher();
    expect(await hasher.verify('hunter2', encoded)).toBe(false);
    expect(scrypt).toHaveBeenCalled();
  });

  it('refuses passwords over 1024 characters without hashing them in full', async () => {
    const { hasher, scrypt } = spiedHasher();
    const long = 'a'.repeat(MAX_PASSWORD_LENGTH + 1);
    const encoded = await hasher.hash(long);
    scrypt.mockClear();
    expect(await hasher.verify(long, encoded)).toBe(false);
    // Only the burn ran (plus the one-time dummy hash); the full 1025 bytes were never hashed.
    expect(scrypt).toHaveBeenCalledTimes(2);
    expect(scrypt.mock.calls.some((call) => call[0].length > MAX_PASSWORD_LENGTH)).toBe(false);
    const burnCall = scrypt.mock.calls.at(-1)!;
    expect(burnCall[0]).toHaveLength(MAX_PASSWORD_LENGTH);
  });

  it('accepts a password of exactly 1024 characters', async () => {
    const { hasher } = spiedHasher();
    const max = 'b'.repeat(MAX_PASSWORD_LENGTH);
    expect(await hasher.verify(max, await hasher.hash(max))).toBe(true);
  });
});

describe('PasswordHasher.needsRehash', () => {
  it('is false for a hash with the current parameters', async () => {
    const { hasher } = spiedHasher();
    expect(hasher.needsRehash(await hasher.hash('pw'))).toBe(false);
  });

  it.each([
    { ln: 11, r: 8, p: 1 },
    { ln: 10, r: 4, p: 1 },
    { ln: 10, r: 8, p: 2 },
  ])('is true when the stored parameters differ (%o)', async (params) => {
    const other = spiedHasher(params).hasher;
    const { hasher } = spiedHasher();
    expect(hasher.needsRehash(await other.hash('pw'))).toBe(true);
  });

  it('is true for a malformed hash', () => {
    const { hasher } = spiedHasher();
    expect(hasher.needsRehash('')).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });
});

describe('PasswordHasher.burn', () => {
  it('runs scrypt with the configured parameters and caches the dummy hash', async () => {
    const { hasher, scrypt } = spiedHasher();
    await hasher.burn('whatever');
    // First burn: the dummy hash is made once, then the burn itself.
    expect(scrypt).toHaveBeenCalledTimes(2);
    for (const call of scrypt.mock.calls) {
      expect(call[2]).toEqual(PARAMS);
      expect(call[3]).toBe(32);
      expect(call[1]).toHaveLength(16);
    }
    await hasher.burn('again');
    await hasher.burn('and again');
    expect(scrypt).toHaveBeenCalledTimes(4);
    expect(scrypt.mock.calls[2]![2]).toEqual(PARAMS);
    expect(scrypt.mock.calls[3]![2]).toEqual(PARAMS);
    // The burn hashes the given password (normalized), against the dummy salt.
    expect(new TextDecoder().decode(scrypt.mock.calls[3]![0])).toBe('and again');
    expect(Buffer.from(scrypt.mock.calls[2]![1]).equals(Buffer.from(scrypt.mock.calls[3]![1]))).toBe(true);
  });

  it('follows the configured parameters of each hasher', async () => {
    const params = { ln: 9, r: 2, p: 2 };
    const { hasher, scrypt } = spiedHasher(params);
    await hasher.burn('x');
    expect(scrypt.mock.calls.map((c) => c[2])).toEqual([params, params]);
  });

  it('truncates over-long passwords to 1024 characters', async () => {
    const { hasher, scrypt } = spiedHasher();
    await hasher.burn('z'.repeat(100_000));
    expect(scrypt.mock.calls.at(-1)![0]).toHaveLength(MAX_PASSWORD_LENGTH);
  });
});

describe('parsePhc', () => {
  it('parses a valid string', () => {
    const parsed = parsePhc('$scrypt$ln=17,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g');
    expect(parsed).toBeDefined();
    expect(parsed!.params).toEqual({ ln: 17, r: 8, p: 1 });
    expect(Buffer.from(parsed!.salt).toString()).toBe('saltsaltsaltsalt');
    expect(Buffer.from(parsed!.hash).toString()).toBe('hashhashhashhashhashhashhashhash');
  });

  it.each([
    ['empty', ''],
    ['wrong algorithm', '$scrypt2$ln=10,r=8,p=1$c2FsdA$aGFzaA'],
    ['missing params', '$scrypt$$c2FsdA$aGFzaA'],
    ['params out of order', '$scrypt$r=8,ln=10,p=1$c2FsdA$aGFzaA'],
    ['ln=0', '$scrypt$ln=0,r=8,p=1$c2FsdA$aGFzaA'],
    ['ln=23', '$scrypt$ln=23,r=8,p=1$c2FsdA$aGFzaA'],
    ['ln with three digits', '$scrypt$ln=100,r=8,p=1$c2FsdA$aGFzaA'],
    ['r=0', '$scrypt$ln=10,r=0,p=1$c2FsdA$aGFzaA'],
    ['p=0', '$scrypt$ln=10,r=8,p=0$c2FsdA$aGFzaA'],
    ['negative', '$scrypt$ln=-1,r=8,p=1$c2FsdA$aGFzaA'],
    ['missing salt', '$scrypt$ln=10,r=8,p=1$$aGFzaA'],
    ['missing hash', '$scrypt$ln=10,r=8,p=1$c2FsdA$'],
    ['extra segment', '$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA$extra'],
    ['padding', '$scrypt$ln=10,r=8,p=1$c2FsdA==$aGFzaA=='],
    ['base64url alphabet', '$scrypt$ln=10,r=8,p=1$c2_-dA$aGFzaA'],
    ['impossible base64 length', '$scrypt$ln=10,r=8,p=1$AAAAA$aGFzaA'],
    ['trailing newline', '$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA\n'],
    ['leading space', ' $scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaA'],
  ])('rejects %s', (_name, encoded) => {
    expect(parsePhc(encoded)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import {
  fromBase64,
  fromBase64Url,
  hmacSha256,
  randomBytes,
  randomToken,
  sha256Base64Url,
  timingSafeEqualBytes,
  timingSafeEqualStrings,
  toBase64,
  toBase64Url,
  toHex,
  utf8,
} from '../../src/util/bytes.js';

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('base64', () => {
  it('matches known vectors (RFC 4648 §10)', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(toBase64(utf8(plain))).toBe(encoded);
      expect(new TextDecoder().decode(fromBase64(encoded))).toBe(plain);
    }
  });

  it('round-trips every byte value and every length up to 64', () => {
    expect([...fromBase64(toBase64(allBytes))]).toEqual([...allBytes]);
    for (let length = 0; length <= 64; length++) {
      const bytes = randomBytes(length);
      expect([...fromBase64(toBase64(bytes))]).toEqual([...bytes]);
    }
  });

  it('agrees with Buffer', () => {
    const bytes = randomBytes(100);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });

  it('throws on invalid input', () => {
    expect(() => fromBase64('A')).toThrow();
    expect(() => fromBase64('!!!!')).toThrow();
  });
});

describe('base64url', () => {
  it('uses - and _ and no padding', () => {
    expect(toBase64(Uint8Array.of(0xfb, 0xff))).toBe('+/8=');
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect([...fromBase64Url('-_8')]).toEqual([0xfb, 0xff]);
    expect(toBase64Url(utf8('f'))).toBe('Zg');
    expect(toBase64Url(new Uint8Array(0))).toBe('');
  });

  it('round-trips every byte value and every length up to 64', () => {
    const encoded = toBase64Url(allBytes);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]*$/);
    expect([...fromBase64Url(encoded)]).toEqual([...allBytes]);
    for (let length = 0; length <= 64; length++) {
      const bytes = randomBytes(length);
      const text = toBase64Url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect([...fromBase64Url(text)]).toEqual([...bytes]);
    }
  });

  it('throws on invalid input', () => {
    expect(() => fromBase64Url('A')).toThrow();
    expect(() => fromBase64Url('ab!d')).toThrow();
  });
});

describe('utf8 and hex', () => {
  it('encodes UTF-8', () => {
    expect([...utf8('é€😀')]).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  });

  it('formats lowercase hex with leading zeros', () => {
    expect(toHex(Uint8Array.of(0, 1, 0x0f, 0x10, 0xab, 0xff))).toBe('00010f10abff');
    expect(toHex(new Uint8Array(0))).toBe('');
  });
});

describe('timingSafeEqualBytes', () => {
  it('is true for equal contents', () => {
    expect(timingSafeEqualBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(true);
    expect(timingSafeEqualBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    const bytes = randomBytes(32);
    expect(timingSafeEqualBytes(bytes, Uint8Array.from(bytes))).toBe(true);
  });

  it('is false when any byte differs', () => {
    const a = randomBytes(32);
    for (const index of [0, 15, 31]) {
      const b = Uint8Array.from(a);
      b[index] = a[index]! ^ 0x01;
      expect(timingSafeEqualBytes(a, b)).toBe(false);
      b[index] = a[index]! ^ 0x80;
      expect(timingSafeEqualBytes(a, b)).toBe(false);
    }
  });

  it('is false for different lengths, including prefixes', () => {
    expect(timingSafeEqualBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2))).toBe(false);
    expect(timingSafeEqualBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(timingSafeEqualBytes(new Uint8Array(0), Uint8Array.of(0))).toBe(false);
  });
});

describe('timingSafeEqualStrings', () => {
  it('is true for equal strings', async () => {
    expect(await timingSafeEqualStrings('secret-api-key', 'secret-api-key')).toBe(true);
    expect(await timingSafeEqualStrings('', '')).toBe(true);
    expect(await timingSafeEqualStrings('päss 😀', 'päss 😀')).toBe(true);
  });

  it('is false for different strings of any length', async () => {
    expect(await timingSafeEqualStrings('secret-api-key', 'secret-api-kex')).toBe(false);
    expect(await timingSafeEqualStrings('secret', 'secret-api-key')).toBe(false);
    expect(await timingSafeEqualStrings('secret-api-key', 'secret')).toBe(false);
    expect(await timingSafeEqualStrings('', 'x')).toBe(false);
    expect(await timingSafeEqualStrings('Secret', 'secret')).toBe(false);
  });

  it('compares code points, not normalized forms', async () => {
    expect(await timingSafeEqualStrings('caf\u00e9', 'cafe\u0301')).toBe(false);
  });
});

describe('randomToken', () => {
  it('carries 256 bits by default: 43 base64url characters', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fromBase64Url(token)).toHaveLength(32);
  });

  it.each([
    [128, 22, 16],
    [96, 16, 12],
    [8, 2, 1],
    [1, 2, 1],
    [129, 23, 17],
  ])('%i bits → %i characters (%i bytes)', (bits, chars, bytes) => {
    const token = randomToken(bits);
    expect(token).toHaveLength(chars);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fromBase64Url(token)).toHaveLength(bytes);
  });

  it('does not repeat', () => {
    const tokens = new Set(Array.from({ length: 500 }, () => randomToken(128)));
    expect(tokens.size).toBe(500);
  });

  it('uses the whole alphabet over many draws', () => {
    const seen = new Set(Array.from({ length: 200 }, () => randomToken()).join(''));
    expect(seen.size).toBe(64);
  });
});

describe('hashes', () => {
  it('sha256Base64Url matches the FIPS 180-2 "abc" vector', async () => {
    const expected = Buffer.from('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'hex').toString('base64url');
    expect(await sha256Base64Url('abc')).toBe(expected);
  });

  it('hmacSha256 matches RFC 4231 test case 2', async () => {
    const mac = await hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?'));
    expect(toHex(mac)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});

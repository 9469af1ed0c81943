import { describe, expect, it } from 'vitest';
import { CsrfTokens } from '../../src/http/csrf.js';
import { randomBytes, utf8 } from '../../src/util/bytes.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('CsrfTokens', () => {
  const key = randomBytes(32);
  const csrf = new CsrfTokens(key);
  const browser = 'browser-1f7c0a9e';

  it('issues a base64url token of 256 bits, stable for a browser', async () => {
    const token = await csrf.issue(browser);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await csrf.issue(browser)).toBe(token);
  });

  it('verifies a token for the browser it was issued to', async () => {
    expect(await csrf.verify(browser, await csrf.issue(browser))).toBe(true);
    // Stateless: another instance with the same key agrees.
    expect(await new CsrfTokens(Uint8Array.from(key)).verify(browser, await csrf.issue(browser))).toBe(true);
  });

  it('does not verify for another browser', async () => {
    const token = await csrf.issue(browser);
    expect(await csrf.verify('browser-2', token)).toBe(false);
    expect(await csrf.verify(`${browser}x`, token)).toBe(false);
    expect(await csrf.verify('', token)).toBe(false);
    expect(await csrf.issue('browser-2')).not.toBe(token);
  });

  it('does not verify a token made under another key', async () => {
    const foreign = await new CsrfTokens(randomBytes(32)).issue(browser);
    expect(await csrf.verify(browser, foreign)).toBe(false);
  });

  it('does not verify a modified token', async () => {
    const token = await csrf.issue(browser);
    for (const index of [0, 21, 41]) {
      const replacement = B64URL[(B64URL.indexOf(token[index]!) + 1) % 64]!;
      const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
      expect(await csrf.verify(browser, tampered)).toBe(false);
    }
    expect(await csrf.verify(browser, token.slice(0, -1))).toBe(false);
    expect(await csrf.verify(browser, token.slice(0, 40))).toBe(false);
    expect(await csrf.verify(browser, `${token}AAAA`)).toBe(false);
  });

  it('does not verify a missing or empty token', async () => {
    expect(await csrf.verify(browser, undefined)).toBe(false);
    expect(await csrf.verify(browser, '')).toBe(false);
  });

  it.each(['!!!!', 'not a token', '%%%', 'A', '<script>', 'null', 'undefined'])('does not verify the garbage %j', async (garbage) => {
    expect(await csrf.verify(browser, garbage)).toBe(false);
  });

  it('does not verify an over-long token, even one that starts with the right token', async () => {
    const token = await csrf.issue(browser);
    expect(await csrf.verify(browser, 'A'.repeat(129))).toBe(false);
    expect(await csrf.verify(browser, token + 'A'.repeat(200))).toBe(false);
    expect(await csrf.verify(browser, 'A'.repeat(100_000))).toBe(false);
  });

  it('binds the token to the key and the browser id (HMAC over "csrf:<id>")', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', key).update(utf8(`csrf:${browser}`)).digest('base64url');
    expect(await csrf.issue(browser)).toBe(expected);
  });
});

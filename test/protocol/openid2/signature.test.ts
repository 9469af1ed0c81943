import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/util/bytes.js';
import { signFields, tokenContents, verifyFields } from '../../../src/protocol/openid2/signature.js';

const fields = {
  ns: 'http://specs.openid.net/auth/2.0',
  mode: 'id_res',
  op_endpoint: 'https://op.example/openid',
  return_to: 'https://rp.example/back?x=1&y=%20',
  response_nonce: '2024-01-02T03:04:05Zabc',
  assoc_handle: 'h1',
  'sreg.fullname': 'Zoë Ünïcode',
};
const signed = ['op_endpoint', 'return_to', 'response_nonce', 'assoc_handle', 'sreg.fullname'];

describe('signatures', () => {
  it('token contents are key:value lines in signed order, UTF-8', () => {
    const text = new TextDecoder().decode(tokenContents(fields, ['assoc_handle', 'mode']));
    expect(text).toBe('assoc_handle:h1\nmode:id_res\n');
    expect(() => tokenContents(fields, ['missing'])).toThrow();
  });

  for (const [type, hash, length] of [
    ['HMAC-SHA1', 'sha1', 20],
    ['HMAC-SHA256', 'sha256', 32],
  ] as const) {
    it(`${type} matches node:crypto createHmac`, async () => {
      const secret = randomBytes(length);
      const sig = await signFields({ type, secret }, fields, signed);
      const message = signed.map((k) => `${k}:${fields[k as keyof typeof fields]}\n`).join('');
      const expected = createHmac(hash, Buffer.from(secret)).update(message, 'utf8').digest('base64');
      expect(sig).toBe(expected);
      expect(await verifyFields({ type, secret }, fields, signed, sig)).toBe(true);
    });
  }

  it('rejects a wrong key, a tampered field, a reordered list, malformed base64', async () => {
    const key = { type: 'HMAC-SHA256' as const, secret: randomBytes(32) };
    const sig = await signFields(key, fields, signed);
    expect(await verifyFields({ ...key, secret: randomBytes(32) }, fields, signed, sig)).toBe(false);
    expect(await verifyFields(key, { ...fields, return_to: 'https://evil.example/' }, signed, sig)).toBe(false);
    expect(await verifyFields(key, fields, [...signed].reverse(), sig)).toBe(false);
    expect(await verifyFields(key, fields, [...signed, 'missing'], sig)).toBe(false);
    expect(await verifyFields(key, fields, signed, `${sig} `)).toBe(false);
    expect(await verifyFields(key, fields, signed, sig.replace(/=+$/, ''))).toBe(false);
    expect(await verifyFields(key, fields, signed, '')).toBe(false);
  });
});

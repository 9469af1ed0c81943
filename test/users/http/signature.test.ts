import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signRequest, signResponse, verifyResponse } from '../../../src/users/http/signature.js';
import { utf8 } from '../../../src/util/bytes.js';

const SECRET = 'signature-test-secret-0123456789-abcdef';
const key = utf8(SECRET);
const nodeHmac = (text: string) => createHmac('sha256', SECRET).update(text, 'utf8').digest('hex');

describe('HTTP directory signatures', () => {
  it('sign requests and answers as the contract says (checked with node:crypto)', async () => {
    const parts = { timestamp: 1767225600, nonce: 'n0nce-n0nce-n0nce', method: 'post', path: '/dir/verify', body: '{"login":"ä","password":"p"}' };
    expect(await signRequest(key, parts)).toBe(nodeHmac('1767225600\nn0nce-n0nce-n0nce\nPOST\n/dir/verify\n{"login":"ä","password":"p"}'));
    expect(await signResponse(key, 1767225601, 'ab'.repeat(32), 200, '{"user":null}')).toBe(nodeHmac(`1767225601\n${'ab'.repeat(32)}\n200\n{"user":null}`));
  });

  const answer = (timestamp: string | null, signature: string | null, body = '{"user":null}', status = 200) => {
    const headers = new Headers();
    if (timestamp !== null) headers.set('x-idbridge-timestamp', timestamp);
    if (signature !== null) headers.set('x-idbridge-signature', signature);
    return { status, headers, body };
  };
  const requestSignature = 'cd'.repeat(32);
  const now = 1767225600;
  const good = (ts = now, body = '{"user":null}', status = 200) => `v1=${nodeHmac(`${ts}\n${requestSignature}\n${status}\n${body}`)}`;

  it('accept a right answer signature within ±300 s', async () => {
    expect(await verifyResponse(key, requestSignature, answer(String(now), good()), now)).toEqual({ ok: true });
    expect(await verifyResponse(key, requestSignature, answer(String(now - 300), good(now - 300)), now)).toEqual({ ok: true });
    expect(await verifyResponse(key, requestSignature, answer(String(now + 300), good(now + 300)), now)).toEqual({ ok: true });
  });

  it.each([
    ['unsigned', answer(null, null)],
    ['unsigned', answer(String(now), null)],
    ['malformed', answer(String(now), 'v2=' + 'a'.repeat(64))],
    ['malformed', answer(String(now), good().toUpperCase())],
    ['malformed', answer('soon', good())],
    ['stale', answer(String(now - 301), good(now - 301))],
    ['stale', answer(String(now + 301), good(now + 301))],
    ['bad_signature', answer(String(now), good(now, '{"user":{"id":"1"}}'))],
    ['bad_signature', answer(String(now), good(now, '{"user":null}', 500))],
    ['bad_signature', answer(String(now + 1), good(now))],
  ])('refuse an answer: %s', async (problem, a) => {
    expect(await verifyResponse(key, requestSignature, a, now)).toEqual({ ok: false, problem });
  });

  it('refuse an answer signed for another request', async () => {
    expect(await verifyResponse(key, 'ef'.repeat(32), answer(String(now), good()), now)).toEqual({ ok: false, problem: 'bad_signature' });
  });
});

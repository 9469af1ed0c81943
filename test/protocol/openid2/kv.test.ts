import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { kvDecode, kvEncode } from '../../../src/protocol/openid2/kv.js';

describe('Key-Value form', () => {
  it('encodes in order, one key:value line each', () => {
    expect(kvEncode({ ns: 'http://specs.openid.net/auth/2.0', mode: 'error', error: 'a: b' })).toBe(
      'ns:http://specs.openid.net/auth/2.0\nmode:error\nerror:a: b\n',
    );
    expect(kvEncode([['b', '2'], ['a', '1']])).toBe('b:2\na:1\n');
    expect(kvEncode({})).toBe('');
  });

  it('round-trips, keeping colons and spaces inside values', () => {
    const fields = { a: 'x:y:z', ' b ': ' spaced ', empty: '', unicode: 'Zoë ✓' };
    expect(kvDecode(kvEncode(fields))).toEqual(fields);
  });

  it('refuses to encode keys with colons or newlines, values with newlines, empty keys', () => {
    expect(() => kvEncode({ 'a:b': 'x' })).toThrow();
    expect(() => kvEncode({ 'a\nb': 'x' })).toThrow();
    expect(() => kvEncode({ '': 'x' })).toThrow();
    expect(() => kvEncode({ a: 'x\nis_valid:true' })).toThrow();
  });

  it('decodes strictly', () => {
    for (const bad of ['a:1', 'a:1\nb:2', 'novalue\n', ':x\n', 'a:1\na:2\n', 'a:1\n\n']) {
      expect(() => kvDecode(bad), JSON.stringify(bad)).toThrow(IdbridgeError);
    }
    expect(kvDecode('')).toEqual({});
    expect(kvDecode('a:\n')).toEqual({ a: '' });
  });

  it('does not let a __proto__ key reach the prototype', () => {
    const decoded = kvDecode('__proto__:x\n');
    expect(decoded['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(decoded)).toBe(null);
  });
});

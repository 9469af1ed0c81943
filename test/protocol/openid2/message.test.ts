import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import {
  directErrorFields,
  indirectErrorParams,
  namespaceAliases,
  parseOpenIdMessage,
} from '../../../src/protocol/openid2/message.js';
import { NS, msg, thrown } from './helpers.js';

const code = (run: () => unknown): string => (thrown(run) as IdbridgeError).code;

describe('parseOpenIdMessage', () => {
  it('keeps openid.* fields without the prefix and ignores other parameters', () => {
    const m = parseOpenIdMessage({ 'openid.ns': NS, 'openid.mode': 'checkid_setup', 'openid.sreg.email': '', state: 'x' });
    expect(m.mode).toBe('checkid_setup');
    expect({ ...m.fields }).toEqual({ ns: NS, mode: 'checkid_setup', 'sreg.email': '' });
  });

  it('requires OpenID 2.0 and a mode', () => {
    expect(code(() => parseOpenIdMessage({ 'openid.mode': 'checkid_setup' }))).toBe('invalid_request');
    expect(code(() => parseOpenIdMessage({ 'openid.ns': 'http://openid.net/signon/1.1', 'openid.mode': 'x' }))).toBe(
      'invalid_request',
    );
    expect(code(() => parseOpenIdMessage({ 'openid.ns': NS }))).toBe('invalid_request');
    expect(code(() => parseOpenIdMessage({ 'openid.ns': NS, 'openid.mode': '' }))).toBe('invalid_request');
    expect(code(() => parseOpenIdMessage({ foo: 'bar' }))).toBe('invalid_request');
  });

  it('refuses control characters, malformed names and oversized messages', () => {
    const base = { 'openid.ns': NS, 'openid.mode': 'checkid_setup' };
    expect(code(() => parseOpenIdMessage({ ...base, 'openid.return_to': 'https://a/\nb' }))).toBe('invalid_request');
    expect(code(() => parseOpenIdMessage({ ...base, 'openid.x': 'a\u0000' }))).toBe('invalid_request');
    expect(code(() => parseOpenIdMessage({ ...base, 'openid.a b': 'x' }))).toBe('invalid_request');
    expect(code(() => parseOpenIdMessage({ ...base, 'openid.a:b': 'x' }))).toBe('invalid_request');
    expect(code(() => parseOpenIdMessage({ ...base, 'openid.': 'x' }))).toBe('invalid_request');
    expect(code(() => parseOpenIdMessage({ ...base, 'openid.x': 'y'.repeat(5000) }))).toBe('invalid_request');
    const many: Record<string, string> = { ...base };
    for (let i = 0; i < 300; i++) many[`openid.f${i}`] = 'v';
    expect(code(() => parseOpenIdMessage(many))).toBe('invalid_request');
    const limits = { maxParams: 10, maxKeyLength: 50, maxValueLength: 100, maxTotalLength: 60 };
    expect(code(() => parseOpenIdMessage({ ...base, 'openid.x': 'y'.repeat(40) }, limits))).toBe('invalid_request');
  });

  it('stores a __proto__ field as data', () => {
    const m = parseOpenIdMessage({ 'openid.ns': NS, 'openid.mode': 'x', ['openid.__proto__']: 'y' });
    expect(m.fields['__proto__']).toBe('y');
    expect(Object.getPrototypeOf(m.fields)).toBe(null);
  });
});

describe('namespaceAliases', () => {
  it('maps URIs to aliases', () => {
    const aliases = namespaceAliases(msg({ mode: 'x', 'ns.sreg': 'urn:a', 'ns.ext1': 'urn:b' }).fields);
    expect([...aliases]).toEqual([
      ['urn:a', 'sreg'],
      ['urn:b', 'ext1'],
    ]);
  });

  it('refuses reserved aliases, dotted aliases and a URI declared twice', () => {
    const cases: Array<Record<string, string>> = [{ 'ns.mode': 'urn:a' }, { 'ns.a.b': 'urn:a' }, { 'ns.x': 'urn:a', 'ns.y': 'urn:a' }];
    for (const fields of cases) {
      expect(code(() => namespaceAliases(msg({ mode: 'x', ...fields }).fields))).toBe('invalid_request');
    }
  });
});

describe('error messages', () => {
  it('direct errors are one-line kv fields with ns, error, error_code', () => {
    const error = new IdbridgeError('invalid_request', 'bad\nthing', { extra: { contact: 'x' } });
    expect(directErrorFields(error)).toEqual({ ns: NS, error: 'bad thing', error_code: 'invalid_request', contact: 'x' });
  });

  it('indirect errors are openid.mode=error', () => {
    expect(indirectErrorParams('https://rp/cb', 'no\npe')).toEqual({
      'openid.ns': NS,
      'openid.mode': 'error',
      'openid.error': 'no pe',
      'openid.return_to': 'https://rp/cb',
    });
  });
});

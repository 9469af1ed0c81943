import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { parseRealm, parseReturnTo, returnToMatchesRealm } from '../../../src/protocol/openid2/realm.js';
import { thrown } from './helpers.js';

const matches = (realm: string, returnTo: string): boolean => returnToMatchesRealm(parseRealm(realm), parseReturnTo(returnTo));

describe('realm matching (§9.2)', () => {
  const good: Array<[string, string]> = [
    ['http://example.com/', 'http://example.com/'],
    ['http://example.com', 'http://example.com/'],
    ['http://example.com/', 'http://example.com/path/deeper?q=1'],
    ['http://example.com/', 'http://EXAMPLE.com/'],
    ['https://example.com/openid', 'https://example.com/openid'],
    ['https://example.com/openid', 'https://example.com/openid/return'],
    ['https://example.com/openid', 'https://example.com/openid?state=abc&x=%20'],
    ['https://example.com/openid/', 'https://example.com/openid/return'],
    ['https://example.com/', 'https://example.com/back#frag'],
    ['http://*.example.com/', 'http://example.com/'],
    ['http://*.example.com/', 'http://www.example.com/'],
    ['http://*.example.com/', 'http://a.b.example.com/x'],
    ['http://*.example.co.uk/', 'http://www.example.co.uk/'],
    ['http://example.com:8080/', 'http://example.com:8080/x'],
    ['http://example.com:80/', 'http://example.com/x'],
    ['https://example.com/', 'https://example.com:443/x'],
    ['http://localhost:3000/', 'http://localhost:3000/cb'],
    ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000/cb'],
    ['https://example.com/?realmquery=1', 'https://example.com/cb'],
  ];
  const bad: Array<[string, string]> = [
    ['http://example.com/', 'https://example.com/'],
    ['https://example.com/', 'http://example.com/'],
    ['http://example.com/', 'http://example.com:8080/'],
    ['http://example.com:8080/', 'http://example.com/'],
    ['http://example.com/', 'http://www.example.com/'],
    ['http://example.com/', 'http://example.com.evil.net/'],
    ['http://example.com/', 'http://evilexample.com/'],
    ['http://*.example.com/', 'http://evilexample.com/'],
    ['http://*.example.com/', 'http://example.com.evil.net/'],
    ['https://example.com/openid', 'https://example.com/openidx'],
    ['https://example.com/openid', 'https://example.com/'],
    ['https://example.com/openid/', 'https://example.com/openid'],
    ['https://example.com/a/b', 'https://example.com/a/c'],
    ['https://example.com/a/', 'https://example.com/a/../b'],
  ];
  for (const [realm, returnTo] of good) it(`${realm} covers ${returnTo}`, () => expect(matches(realm, returnTo)).toBe(true));
  for (const [realm, returnTo] of bad) it(`${realm} does not cover ${returnTo}`, () => expect(matches(realm, returnTo)).toBe(false));
});

describe('realm validation', () => {
  const invalid = [
    '',
    'example.com',
    '/relative',
    'ftp://example.com/',
    'javascript:alert(1)',
    'http://example.com/#frag',
    'http://example.com/#',
    'http://user:pw@example.com/',
    'http://*.com/',
    'http://*/',
    'https://*.uk/',
    'http://*.co.uk/',
    'http://*.com.au/',
    'http://*.org.br/',
    'http://www.*.example.com/',
    'http://*example.com/',
    'http://*.*.example.com/',
    'http://ex*ample.com/',
    'http://*.0.0.1/',
    'http://*.[::1]/',
    `http://example.com/${'a'.repeat(3000)}`,
  ];
  for (const realm of invalid) {
    it(`refuses ${JSON.stringify(realm.slice(0, 60))}`, () => {
      const error = thrown(() => parseRealm(realm));
      expect(error).toBeInstanceOf(IdbridgeError);
      expect((error as IdbridgeError).code).toBe('invalid_request');
      expect((error as IdbridgeError).redirectable).toBe(false);
    });
  }

  it('describes a wildcard realm', () => {
    expect(parseRealm('https://*.Example.com:8443/app')).toEqual({
      value: 'https://*.Example.com:8443/app',
      protocol: 'https:',
      host: 'example.com',
      wildcard: true,
      port: '8443',
      path: '/app',
    });
  });
});

describe('return_to validation', () => {
  it('accepts a query and a fragment', () => {
    expect(parseReturnTo('https://rp.example/cb?a=1&b=two#x').search).toBe('?a=1&b=two');
  });

  for (const returnTo of [
    'rp.example/cb',
    'mailto:a@b.c',
    'https://u:p@rp.example/cb',
    'https://rp.example/cb?openid.mode=id_res',
    'https://rp.example/cb?openid%2Eidentity=x',
  ]) {
    it(`refuses ${returnTo}`, () => expect((thrown(() => parseReturnTo(returnTo)) as IdbridgeError).code).toBe('invalid_request'));
  }
});

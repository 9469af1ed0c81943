import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { AuthorizationError } from '../../../src/protocol/oidc/authorization-error.js';
import {
  appendQuery,
  authorizationErrorResult,
  authorizationResponse,
  authorizationResponseParams,
} from '../../../src/protocol/oidc/authorization-response.js';
import { ISSUER } from './helpers.js';

describe('authorizationResponseParams', () => {
  it('returns code, state and iss (RFC 9207) in order', () => {
    expect(authorizationResponseParams({ state: 'xyz' }, { code: 'c0de' }, ISSUER)).toEqual([
      ['code', 'c0de'],
      ['state', 'xyz'],
      ['iss', ISSUER],
    ]);
  });

  it('leaves out state when the request had none', () => {
    expect(authorizationResponseParams({}, { code: 'c' }, ISSUER)).toEqual([
      ['code', 'c'],
      ['iss', ISSUER],
    ]);
  });

  it('returns error, error_description, state and iss for errors', () => {
    expect(authorizationResponseParams({ state: 's' }, { error: 'access_denied', error_description: 'The user declined.' }, ISSUER)).toEqual([
      ['error', 'access_denied'],
      ['error_description', 'The user declined.'],
      ['state', 's'],
      ['iss', ISSUER],
    ]);
    expect(authorizationResponseParams({}, { error: 'login_required' }, ISSUER)).toEqual([
      ['error', 'login_required'],
      ['iss', ISSUER],
    ]);
  });

  it('replaces characters RFC 6749 forbids in error_description', () => {
    const [, description] = authorizationResponseParams({}, { error: 'x', error_description: 'a "quoted" \\ é\nline' }, ISSUER);
    expect(description).toEqual(['error_description', 'a ?quoted? ? ??line']);
  });

  it('echoes state byte for byte', () => {
    const state = 'a b&c=d+e%20/é';
    expect(authorizationResponseParams({ state }, { code: 'c' }, ISSUER)[1]).toEqual(['state', state]);
  });
});

describe('authorizationResponse', () => {
  it('redirects with the parameters in the query', () => {
    const response = authorizationResponse(
      { redirectUri: 'https://rp.example/cb', responseMode: 'query', state: 'a b&c' },
      { code: 'abc' },
      ISSUER,
    );
    expect(response.kind).toBe('redirect');
    if (response.kind !== 'redirect') return;
    const url = new URL(response.location);
    expect(url.origin + url.pathname).toBe('https://rp.example/cb');
    expect([...url.searchParams]).toEqual([
      ['code', 'abc'],
      ['state', 'a b&c'],
      ['iss', ISSUER],
    ]);
  });

  it("preserves the redirect URI's own query exactly", () => {
    const response = authorizationResponse(
      { redirectUri: 'https://rp.example/cb?tenant=7&x=%20y', responseMode: 'query' },
      { code: 'abc' },
      ISSUER,
    );
    expect(response).toEqual({
      kind: 'redirect',
      location: `https://rp.example/cb?tenant=7&x=%20y&code=abc&iss=${encodeURIComponent(ISSUER)}`,
    });
  });

  it('handles a redirect URI ending in ? or &', () => {
    expect(appendQuery('https://rp.example/cb?', [['a', '1']])).toBe('https://rp.example/cb?a=1');
    expect(appendQuery('https://rp.example/cb?x=1&', [['a', '1']])).toBe('https://rp.example/cb?x=1&a=1');
  });

  it('never leaves the parameters in a fragment', () => {
    expect(appendQuery('https://rp.example/cb#frag', [['code', 'c']])).toBe('https://rp.example/cb?code=c');
  });

  it('returns form fields in form_post mode', () => {
    expect(
      authorizationResponse({ redirectUri: 'https://rp.example/cb?t=1', responseMode: 'form_post', state: 's' }, { code: 'abc' }, ISSUER),
    ).toEqual({
      kind: 'form_post',
      action: 'https://rp.example/cb?t=1',
      fields: [
        ['code', 'abc'],
        ['state', 's'],
        ['iss', ISSUER],
      ],
    });
  });

  it('delivers an AuthorizationError through its redirect', () => {
    const error = new AuthorizationError('invalid_request', 'Request objects are not supported.', {
      redirectUri: 'https://rp.example/cb',
      responseMode: 'query',
      state: 'st',
    }, { oauthError: 'request_not_supported' });
    const response = authorizationResponse(error.redirect, authorizationErrorResult(error), ISSUER);
    if (response.kind !== 'redirect') throw new Error('expected a redirect');
    const url = new URL(response.location);
    expect(url.searchParams.get('error')).toBe('request_not_supported');
    expect(url.searchParams.get('error_description')).toBe('Request objects are not supported.');
    expect(url.searchParams.get('state')).toBe('st');
    expect(url.searchParams.get('iss')).toBe(ISSUER);
  });

  it('maps a plain IdbridgeError by its code', () => {
    expect(authorizationErrorResult(new IdbridgeError('access_denied', 'Declined.'))).toEqual({
      error: 'access_denied',
      error_description: 'Declined.',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { parseCheckIdRequest } from '../../../src/protocol/openid2/checkid.js';
import { msg, thrown } from './helpers.js';

const IDS = 'http://specs.openid.net/auth/2.0/identifier_select';
const base = {
  mode: 'checkid_setup',
  claimed_id: IDS,
  identity: IDS,
  return_to: 'https://rp.example/openid/return?state=abc',
  realm: 'https://rp.example/',
};
const parse = (fields: Record<string, string | undefined>) => {
  const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return parseCheckIdRequest(msg(clean));
};
const failure = (fields: Record<string, string | undefined>): IdbridgeError => {
  const error = thrown(() => parse(fields));
  expect(error).toBeInstanceOf(IdbridgeError);
  return error as IdbridgeError;
};

describe('checkid requests', () => {
  it('parses an identifier_select setup request', () => {
    expect(parse({ ...base, assoc_handle: 'abc', 'ns.sreg': 'http://openid.net/extensions/sreg/1.1', 'sreg.required': 'email' })).toEqual({
      mode: 'checkid_setup',
      immediate: false,
      identifierSelect: true,
      claimedId: null,
      identity: null,
      returnTo: 'https://rp.example/openid/return?state=abc',
      realm: 'https://rp.example/',
      assocHandle: 'abc',
      attributes: {
        sreg: { namespace: 'http://openid.net/extensions/sreg/1.1', alias: 'sreg', required: ['email'], optional: [], policyUrl: null },
        ax: null,
      },
    });
  });

  it('parses an immediate request about a claimed identifier (with delegation)', () => {
    const req = parse({
      ...base,
      mode: 'checkid_immediate',
      claimed_id: 'https://alice.example/',
      identity: 'https://op.example/id/123',
      realm: undefined,
    });
    expect(req).toMatchObject({
      immediate: true,
      identifierSelect: false,
      claimedId: 'https://alice.example/',
      identity: 'https://op.example/id/123',
      realm: base.return_to,
      assocHandle: null,
    });
  });

  it('is plain data that survives a JSON round trip (it is stored as the pending request payload)', () => {
    const req = parse({
      ...base,
      'ns.ax': 'http://openid.net/srv/ax/1.0',
      'ax.mode': 'fetch_request',
      'ax.type.e': 'http://axschema.org/contact/email',
      'ax.count.e': '2',
      'ax.required': 'e',
      'sreg.optional': 'nickname',
    });
    expect(JSON.parse(JSON.stringify(req))).toEqual(req);
  });

  it('accepts a wildcard realm covering return_to', () => {
    expect(parse({ ...base, realm: 'https://*.rp.example/', return_to: 'https://www.rp.example/cb' }).realm).toBe(
      'https://*.rp.example/',
    );
  });

  it.each([
    ['another mode', { mode: 'associate' }],
    ['claimed_id without identity', { identity: undefined }],
    ['identity without claimed_id', { claimed_id: undefined }],
    ['no identifier at all', { identity: undefined, claimed_id: undefined }],
    ['identifier_select on one side only', { claimed_id: 'https://alice.example/' }],
    ['an empty identity', { identity: '', claimed_id: '' }],
    ['no return_to', { return_to: undefined }],
    ['no return_to even with a realm', { return_to: undefined, realm: 'https://rp.example/' }],
    ['a relative return_to', { return_to: '/cb' }],
    ['a return_to outside the realm', { return_to: 'https://evil.example/cb' }],
    ['a return_to on another scheme', { return_to: 'http://rp.example/cb' }],
    ['a return_to carrying openid.* parameters', { return_to: 'https://rp.example/cb?openid.mode=id_res' }],
    ['a realm with a fragment', { realm: 'https://rp.example/#x' }],
    ['an overly broad realm', { realm: 'https://*.com/' }],
    ['a malformed assoc_handle', { assoc_handle: 'x'.repeat(256) }],
    ['a bad extension alias', { 'ns.mode': 'http://openid.net/extensions/sreg/1.1' }],
  ])('refuses %s', (_label, fields) => {
    const error = failure({ ...base, ...fields });
    expect(error.code).toBe('invalid_request');
    expect(error.redirectable).toBe(false);
  });
});

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { AX_TYPE_TO_SREG, SREG_FIELDS, axTypeUri } from '../../../src/protocol/openid2/attributes.js';
import {
  buildExtensionResponse,
  parseAttributeRequest,
  requestedAttributeNames,
  requestedFields,
} from '../../../src/protocol/openid2/extensions.js';
import { msg, rejection, thrown } from './helpers.js';

// The node `openid` relying-party library, to check what it sends and how it reads our answers.
const openid = createRequire(import.meta.url)('openid') as {
  SimpleRegistration: new (options: Record<string, unknown>) => {
    requestParams: Record<string, string>;
    fillResult(params: Record<string, string>, result: Record<string, unknown>): void;
  };
  AttributeExchange: new (options: Record<string, string>) => {
    requestParams: Record<string, string>;
    fillResult(params: Record<string, string>, result: Record<string, unknown>): void;
  };
};

const SREG11 = 'http://openid.net/extensions/sreg/1.1';
const SREG10 = 'http://openid.net/sreg/1.0';
const AX = 'http://openid.net/srv/ax/1.0';

const parse = (fields: Record<string, string>) => parseAttributeRequest(msg({ mode: 'checkid_setup', ...fields }).fields);
const prefixed = (pairs: Array<[string, string]>): Record<string, string> =>
  Object.fromEntries(pairs.map(([k, v]) => [`openid.${k}`, v]));

const values = {
  nickname: 'zoe',
  email: 'zoe@example.com',
  fullname: 'Zoë Example',
  dob: '1990-01-31',
  gender: 'F',
  postcode: '10115',
  country: 'DE',
  language: 'de',
  timezone: 'Europe/Berlin',
} as const;

describe('SREG requests', () => {
  it('reads SREG 1.1 under any declared alias; unknown names ignored; required wins', () => {
    const req = parse({
      'ns.profile': SREG11,
      'profile.required': 'email, nickname,bogus',
      'profile.optional': 'fullname,email,dob,,',
      'profile.policy_url': 'https://rp.example/privacy',
    });
    expect(req.sreg).toEqual({
      namespace: SREG11,
      alias: 'profile',
      required: ['nickname', 'email'],
      optional: ['fullname', 'dob'],
      policyUrl: 'https://rp.example/privacy',
    });
    expect(req.ax).toBeNull();
  });

  it('reads SREG 1.0 sent without a namespace declaration', () => {
    const req = parse({ 'sreg.optional': 'email,country' });
    expect(req.sreg).toMatchObject({ namespace: null, alias: 'sreg', required: [], optional: ['email', 'country'] });
    expect(parse({ 'ns.sreg': SREG10, 'sreg.required': 'email' }).sreg).toMatchObject({ namespace: SREG10, required: ['email'] });
  });

  it('does not read sreg.* as SREG when the alias belongs to another extension', () => {
    expect(parse({ 'ns.sreg': 'http://example.com/other', 'sreg.required': 'email' }).sreg).toBeNull();
    expect(parse({}).sreg).toBeNull();
  });

  it('drops a policy_url that is not an http(s) URL', () => {
    expect(parse({ 'ns.sreg': SREG11, 'sreg.policy_url': 'javascript:alert(1)' }).sreg?.policyUrl).toBeNull();
  });

  it('reads what node `openid` SimpleRegistration sends', () => {
    const ext = new openid.SimpleRegistration({ email: 'required', nickname: true, fullname: 'optional', policy_url: 'https://rp/p' });
    const fields = Object.fromEntries(Object.entries(ext.requestParams).map(([k, v]) => [k.slice(7), v]));
    const req = parse(fields);
    expect(requestedFields(req)).toEqual({ required: ['email'], optional: ['nickname', 'fullname'], all: ['nickname', 'email', 'fullname'] });
  });
});

describe('AX fetch requests', () => {
  it('maps axschema.org and the older spellings to SREG fields', () => {
    for (const field of SREG_FIELDS) {
      expect(AX_TYPE_TO_SREG.get(axTypeUri(field))).toBe(field);
      expect(AX_TYPE_TO_SREG.get(axTypeUri(field).replace('http://axschema.org', 'http://schema.openid.net'))).toBe(field);
    }
  });

  it('reads types, required / if_available and counts', () => {
    const req = parse({
      'ns.ax': AX,
      'ax.mode': 'fetch_request',
      'ax.type.mail': 'http://axschema.org/contact/email',
      'ax.type.nick': 'http://schema.openid.net/namePerson/friendly',
      'ax.type.first': 'http://axschema.org/namePerson/first',
      'ax.type.tz': 'http://axschema.org/pref/timezone',
      'ax.count.nick': '3',
      'ax.count.tz': 'unlimited',
      'ax.required': 'mail,first,undefined_alias',
      'ax.if_available': 'nick,tz,mail,bad.alias',
    });
    expect(req.ax).toEqual({
      alias: 'ax',
      attributes: [
        { alias: 'mail', typeUri: 'http://axschema.org/contact/email', field: 'email', required: true, count: null },
        { alias: 'first', typeUri: 'http://axschema.org/namePerson/first', field: null, required: true, count: null },
        { alias: 'nick', typeUri: 'http://schema.openid.net/namePerson/friendly', field: 'nickname', required: false, count: 3 },
        { alias: 'tz', typeUri: 'http://axschema.org/pref/timezone', field: 'timezone', required: false, count: 'unlimited' },
      ],
    });
    expect(requestedAttributeNames(req)).toEqual(['sreg_nickname', 'sreg_email', 'sreg_timezone']);
  });

  it('ignores other AX modes', () => {
    expect(parse({ 'ns.ax': AX, 'ax.mode': 'store_request', 'ax.type.a': 'http://axschema.org/contact/email' }).ax).toBeNull();
    expect(parse({ 'ns.ax': AX }).ax).toBeNull();
  });
});

describe('combined requests', () => {
  it('unites SREG and AX, required in either wins', () => {
    const req = parse({
      'ns.sreg': SREG11,
      'sreg.optional': 'email,fullname',
      'ns.ext2': AX,
      'ext2.mode': 'fetch_request',
      'ext2.type.e': 'http://axschema.org/contact/email',
      'ext2.type.c': 'http://axschema.org/contact/country/home',
      'ext2.required': 'e',
      'ext2.if_available': 'c',
    });
    expect(requestedFields(req)).toEqual({ required: ['email'], optional: ['fullname', 'country'], all: ['email', 'fullname', 'country'] });
    expect(requestedAttributeNames(req)).toEqual(['sreg_email', 'sreg_fullname', 'sreg_country']);
  });

  it('refuses a message with a bad alias', () => {
    expect((thrown(() => parse({ 'ns.return_to': SREG11 })) as IdbridgeError).code).toBe('invalid_request');
  });
});

describe('extension responses', () => {
  it('answers SREG 1.1 under the RP alias, only requested fields with values', () => {
    const req = parse({ 'ns.profile': SREG11, 'profile.required': 'email', 'profile.optional': 'nickname,dob,country' });
    expect(buildExtensionResponse(req, { ...values, dob: '', country: undefined })).toEqual([
      ['ns.profile', SREG11],
      ['profile.nickname', 'zoe'],
      ['profile.email', 'zoe@example.com'],
    ]);
    expect(buildExtensionResponse(req, {})).toEqual([]);
  });

  it('declares SREG 1.0 explicitly when the RP did not', () => {
    const req = parse({ 'sreg.required': 'email' });
    expect(buildExtensionResponse(req, values)).toEqual([
      ['ns.sreg', SREG10],
      ['sreg.email', 'zoe@example.com'],
    ]);
  });

  it('answers AX under the RP aliases, in counted form when a count was sent', () => {
    const req = parse({
      'ns.e1': AX,
      'e1.mode': 'fetch_request',
      'e1.type.mail': 'http://schema.openid.net/contact/email',
      'e1.type.nick': 'http://axschema.org/namePerson/friendly',
      'e1.type.first': 'http://axschema.org/namePerson/first',
      'e1.type.pc': 'http://axschema.org/contact/postalCode/home',
      'e1.count.nick': 'unlimited',
      'e1.required': 'mail,first',
      'e1.if_available': 'nick,pc',
    });
    expect(buildExtensionResponse(req, { email: 'zoe@example.com', nickname: 'zoe' })).toEqual([
      ['ns.e1', AX],
      ['e1.mode', 'fetch_response'],
      ['e1.type.mail', 'http://schema.openid.net/contact/email'],
      ['e1.value.mail', 'zoe@example.com'],
      ['e1.type.nick', 'http://axschema.org/namePerson/friendly'],
      ['e1.count.nick', '1'],
      ['e1.value.nick.1', 'zoe'],
    ]);
  });

  it('refuses values with control characters', async () => {
    const req = parse({ 'ns.sreg': SREG11, 'sreg.required': 'fullname' });
    const error = await rejection(async () => buildExtensionResponse(req, { fullname: 'x\nis_valid:true' }));
    expect((error as IdbridgeError).code).toBe('invalid_request');
  });

  it('is read back by node `openid` SREG and AX result parsers', () => {
    const sreg = new openid.SimpleRegistration({ email: 'required', nickname: 'required', country: true });
    const ax = new openid.AttributeExchange({
      'http://axschema.org/contact/email': 'required',
      'http://axschema.org/namePerson': 'optional',
      'http://axschema.org/namePerson/first': 'optional',
    });
    const request = { ...sreg.requestParams, ...ax.requestParams };
    const req = parse(Object.fromEntries(Object.entries(request).map(([k, v]) => [k.slice(7), v])));
    const params = prefixed(buildExtensionResponse(req, values));
    const result: Record<string, unknown> = {};
    sreg.fillResult(params, result);
    ax.fillResult(params, result);
    expect(result).toMatchObject({
      email: 'zoe@example.com',
      nickname: 'zoe',
      country: 'DE',
      fullname: 'Zoë Example',
      'http://axschema.org/contact/email': 'zoe@example.com',
      'http://axschema.org/namePerson': 'Zoë Example',
    });
    expect(result).not.toHaveProperty('firstname');
  });
});

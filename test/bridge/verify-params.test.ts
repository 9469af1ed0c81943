import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../src/errors.js';
import {
  MAX_CLIENT_NAME_LENGTH,
  MAX_REALM_LENGTH,
  MAX_REQUEST_ID_LENGTH,
  parseRealm,
  parseRequestedAttributes,
  parseVerifyParams,
} from '../../src/bridge/verify-params.js';

const RID = 'abcdefghijklmnop0123456789_-XYZ';

function invalid(fn: () => unknown): IdbridgeError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(IdbridgeError);
  const error = caught as IdbridgeError;
  expect(error.code).toBe('invalid_request');
  expect(error.status).toBe(400);
  return error;
}

describe('parseVerifyParams: request_id', () => {
  it('accepts a well-formed request id with no other parameters', () => {
    expect(parseVerifyParams({ request_id: [RID] })).toMatchObject({ requestId: RID, realm: null, requestedAttributes: [] });
  });

  it('accepts the length limits 16 and 128', () => {
    expect(parseVerifyParams({ request_id: ['a'.repeat(16)] }).requestId).toBe('a'.repeat(16));
    expect(parseVerifyParams({ request_id: ['a'.repeat(MAX_REQUEST_ID_LENGTH)] }).requestId).toHaveLength(128);
  });

  it('refuses a missing request_id', () => {
    expect(invalid(() => parseVerifyParams({})).description).toMatch(/missing/i);
    expect(invalid(() => parseVerifyParams({ request_id: [] })).description).toMatch(/missing/i);
    invalid(() => parseVerifyParams({ realm: ['https://rp.example.com/'] }));
  });

  it.each([
    ['empty', ''],
    ['too short', 'a'.repeat(15)],
    ['too long', 'a'.repeat(129)],
    ['SQL-looking', "x' OR '1'='1' --abcdef"],
    ['SQL-looking without spaces', "abcdefghijklmnop';DROP/**/TABLE/**/users;--"],
    ['with spaces', 'abcdefgh ijklmnopq'],
    ['with a dot', 'abcdefgh.ijklmnopq'],
    ['percent-encoded', 'abcdefgh%2Fijklmnopq'],
    ['with a trailing newline', `${'a'.repeat(20)}\n`],
    ['with a leading space', ` ${'a'.repeat(20)}`],
    ['non-ASCII', 'abcdefghijklmnopé'],
    ['HTML', '<script>alert(1)</script>'],
  ])('refuses a malformed request_id (%s)', (_name, value) => {
    expect(invalid(() => parseVerifyParams({ request_id: [value] })).description).toMatch(/malformed/i);
  });

  it('refuses a repeated request_id, even with equal values', () => {
    expect(invalid(() => parseVerifyParams({ request_id: [RID, RID] })).description).toMatch(/more than once/);
    invalid(() => parseVerifyParams({ request_id: [RID, 'b'.repeat(20)] }));
  });

  it('refuses repeated realm and requested_attributes', () => {
    invalid(() => parseVerifyParams({ request_id: [RID], realm: ['https://a.example/', 'https://b.example/'] }));
    invalid(() => parseVerifyParams({ request_id: [RID], requested_attributes: ['sreg_email', 'sreg_nickname'] }));
  });

  it('ignores unrelated parameters', () => {
    expect(parseVerifyParams({ request_id: [RID], foo: ['1', '2'] }).requestId).toBe(RID);
  });
});

describe('parseVerifyParams: realm', () => {
  const withRealm = (realm: string) => parseVerifyParams({ request_id: [RID], realm: [realm] });

  it('accepts http and https realms and returns them unchanged', () => {
    expect(withRealm('https://rp.example.com/').realm).toBe('https://rp.example.com/');
    expect(withRealm('http://rp.example.com:8080/openid/').realm).toBe('http://rp.example.com:8080/openid/');
    expect(withRealm('https://rp.example.com/path?x=1').realm).toBe('https://rp.example.com/path?x=1');
  });

  it('treats an absent or empty realm as null', () => {
    expect(parseVerifyParams({ request_id: [RID] }).realm).toBeNull();
    expect(withRealm('').realm).toBeNull();
  });

  it('accepts a *. wildcard as the leftmost label', () => {
    expect(withRealm('https://*.example.com/').realm).toBe('https://*.example.com/');
    expect(withRealm('http://*.example.com/app/').realm).toBe('http://*.example.com/app/');
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript://%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'ftp://rp.example.com/',
    'mailto:a@example.com',
    'vbscript:msgbox(1)',
  ])('refuses the non-http(s) realm %j', (realm) => {
    invalid(() => withRealm(realm));
  });

  it.each(['not a url', '//rp.example.com/', '/relative', 'https://', 'https://exa mple.com/', 'https://example.com:99999/'])(
    'refuses the unparsable realm %j',
    (realm) => {
      expect(invalid(() => withRealm(realm)).description).toMatch(/not a valid URL/);
    },
  );

  it('refuses realms with a fragment', () => {
    invalid(() => withRealm('https://rp.example.com/#frag'));
    invalid(() => withRealm('https://*.example.com/#x'));
  });

  // OpenID 2.0 §9.2: a realm MUST NOT contain a URI fragment; an empty fragment ("#") is still one.
  it('refuses realms with an empty fragment', () => {
    invalid(() => withRealm('https://rp.example.com/#'));
  });

  it('refuses realms with credentials', () => {
    invalid(() => withRealm('https://user:pass@rp.example.com/'));
    invalid(() => withRealm('https://user@rp.example.com/'));
    invalid(() => withRealm('https://:secret@rp.example.com/'));
  });

  // The documented grammar is "an http(s) URL, optionally with a `*.` wildcard as its leftmost host label".
  it.each(['https://foo.*.example.com/', 'https://*example.com/', 'https://*/'])(
    'refuses a wildcard anywhere but as the leftmost "*." label: %j',
    (realm) => {
      invalid(() => withRealm(realm));
    },
  );

  it('refuses an oversized realm but accepts one at the limit', () => {
    const prefix = 'https://rp.example.com/';
    const atLimit = prefix + 'a'.repeat(MAX_REALM_LENGTH - prefix.length);
    expect(atLimit).toHaveLength(2048);
    expect(withRealm(atLimit).realm).toBe(atLimit);
    expect(invalid(() => withRealm(atLimit + 'a')).description).toMatch(/too long/);
  });

  it('parseRealm refuses directly, too', () => {
    expect(parseRealm('https://rp.example.com/')).toBe('https://rp.example.com/');
    invalid(() => parseRealm('javascript:alert(1)'));
  });
});

describe('parseVerifyParams: requested_attributes', () => {
  const withAttrs = (attrs: string) => parseVerifyParams({ request_id: [RID], requested_attributes: [attrs] }).requestedAttributes;

  it('parses sreg_ names in the order sent', () => {
    expect(withAttrs('sreg_email,sreg_nickname')).toEqual(['email', 'nickname']);
    expect(withAttrs('sreg_timezone,sreg_fullname,sreg_dob')).toEqual(['timezone', 'fullname', 'dob']);
  });

  it('accepts every SREG field', () => {
    expect(
      withAttrs('sreg_nickname,sreg_email,sreg_fullname,sreg_dob,sreg_gender,sreg_postcode,sreg_country,sreg_language,sreg_timezone'),
    ).toEqual(['nickname', 'email', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone']);
  });

  it('deduplicates repeated names, keeping the first position', () => {
    expect(withAttrs('sreg_email,sreg_nickname,sreg_email,sreg_email')).toEqual(['email', 'nickname']);
  });

  it('trims whitespace and skips empty items', () => {
    expect(withAttrs(' sreg_email , sreg_nickname\t,,  ,')).toEqual(['email', 'nickname']);
  });

  it('is empty when absent, empty or only separators', () => {
    expect(parseVerifyParams({ request_id: [RID] }).requestedAttributes).toEqual([]);
    expect(withAttrs('')).toEqual([]);
    expect(withAttrs(' , ,, ')).toEqual([]);
  });

  it.each([
    'sreg_password',
    'sreg_',
    'sreg_EMAIL',
    'SREG_email',
    'email',
    'ax_email',
    'openid.sreg.email',
    'sreg_email;sreg_nickname',
    'sreg_email sreg_nickname',
    'sreg___proto__',
    'sreg_constructor',
    'sreg_toString',
  ])('refuses the unknown attribute %j', (attrs) => {
    expect(invalid(() => withAttrs(attrs)).description).toMatch(/Unknown requested attribute/);
  });

  it('refuses a list mixing known and unknown names', () => {
    invalid(() => withAttrs('sreg_email,sreg_password_hash'));
  });

  it('truncates a long unknown name in the message', () => {
    const error = invalid(() => withAttrs(`sreg_${'x'.repeat(300)}`));
    expect(error.description.length).toBeLessThan(100);
  });

  it('refuses an overlong list', () => {
    expect(invalid(() => withAttrs(Array(60).fill('sreg_email').join(','))).description).toMatch(/too long/);
  });

  it('parseRequestedAttributes works on its own', () => {
    expect(parseRequestedAttributes('sreg_country')).toEqual(['country']);
    invalid(() => parseRequestedAttributes('country'));
  });
});

describe('parseVerifyParams: client_name (idbridge extension)', () => {
  it('takes the display name, trimmed; absent or empty means none', () => {
    expect(parseVerifyParams({ request_id: [RID], client_name: ['  Acme Books '] }).clientName).toBe('Acme Books');
    expect(parseVerifyParams({ request_id: [RID] }).clientName).toBeUndefined();
    expect(parseVerifyParams({ request_id: [RID], client_name: [''] }).clientName).toBeUndefined();
    expect(parseVerifyParams({ request_id: [RID], client_name: ['Café ☕ 東京'] }).clientName).toBe('Café ☕ 東京');
  });

  it('refuses a name that is too long, repeated, or carries control or bidi-override characters', () => {
    expect(parseVerifyParams({ request_id: [RID], client_name: ['x'.repeat(MAX_CLIENT_NAME_LENGTH)] }).clientName).toHaveLength(100);
    expect(invalid(() => parseVerifyParams({ request_id: [RID], client_name: ['x'.repeat(MAX_CLIENT_NAME_LENGTH + 1)] })).description).toMatch(/too long/);
    invalid(() => parseVerifyParams({ request_id: [RID], client_name: ['A', 'B'] }));
    for (const bad of ['Acme\nBooks', 'Acme\u0000', 'Evil\u202Emoc.elgoog', '\u2066Acme']) {
      expect(invalid(() => parseVerifyParams({ request_id: [RID], client_name: [bad] })).description).toMatch(/cannot be shown/);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/document.js';
import { buildProfileModel, customRelease, missingFields, OFFERED_KEY, validateProfile } from '../../src/identity/profile-model.js';
import type { DirectoryUser } from '../../src/users/user.js';

const parse = (profile: unknown) => parseConfigDocument({ name: 'idbridge.config.yaml', data: { profile } }, {});

const model = (() => {
  const { document, problems } = parse({
    fields: {
      fullname: { requirement: 'required', label: { en: 'Name', de: 'Name' } },
      phone: { requirement: 'optional' },
      coffee: { type: 'select', label: { en: 'Coffee', de: 'Kaffee' }, options: ['espresso', { value: 'latte', label: { en: 'Latte' } }] },
      shoe: { type: 'number', label: 'Shoe size', min: 30, max: 50 },
      code: { type: 'text', label: 'Code', pattern: '[A-Z]{3}-\\d{2}', minLength: 6, maxLength: 6 },
      size: { type: 'text', label: 'Size', allowed: ['S', 'M', 'L'] },
      mail2: { type: 'email', label: 'Other email' },
      kid: { type: 'date', label: 'Birthday', min: '2000-01-01', max: '2030-12-31' },
      terms: { type: 'checkbox', label: 'I accept', requirement: 'required' },
    },
    scopes: { coffee: ['coffee'] },
  });
  expect(problems).toEqual([]);
  return buildProfileModel(document.profile);
})();

const user = (over: Partial<DirectoryUser> = {}): DirectoryUser => ({
  id: 'u_1', email: 'a@example.com', username: null, emailVerified: true, blocked: false, profile: {}, attributes: {},
  phone: null, customerId: null, externalId: null, loginsCount: 0, loginTime: null, createTime: 0, updateTime: 0, ...over,
});

describe('the profile section of the config file', () => {
  it('names the field and the bad value for each mistake', () => {
    // Shape errors first (the checks across settings run once the shape is right).
    expect(parse({ fields: { a: { type: 'colour', label: 'A' }, d: { type: 'number', label: 'D', min: true } } }).problems).toEqual([
      'profile.fields.a.type: "colour": must be one of text, email, phone, date, select, checkbox, number',
      'profile.fields.d.min: true: must be a number (number fields) or a date YYYY-MM-DD (date fields)',
    ]);
    // A bad bound is named for the field's type: a number field is never told to use a date.
    expect(parse({ fields: { d: { type: 'number', label: 'D', min: 'low' } } }).problems).toEqual(['profile.fields.d.min: "low": must be a number for a number field']);
    expect(parse({ fields: { k: { type: 'date', label: 'K', max: 5 } } }).problems).toEqual(['profile.fields.k.max: 5: must be a date YYYY-MM-DD for a date field']);
    expect(parse({ fields: { k: { type: 'date', label: 'K', max: '2020-02-30' } } }).problems).toEqual([
      'profile.fields.k.max: "2020-02-30": must be a date YYYY-MM-DD for a date field',
    ]);
    const { problems } = parse({
      fields: {
        b: { type: 'text', label: 'B', pattern: '([a-z' },
        c: { type: 'select', label: 'C' },
        name: { type: 'text', label: 'Name' },
        sub: { type: 'text', label: 'Sub' },
        dob: { type: 'text' },
        'Bad-Name': { type: 'text', label: 'X' },
        d: { type: 'number', label: 'D', min: '2020-01-01' },
        e: { type: 'text' },
      },
      scopes: { profile: ['a'], mine: ['nope', 'fullname'] },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^profile\.fields\.b\.pattern: "\(\[a-z": is not a valid regular expression/),
        'profile.fields.c.options: required for a select field (at least one option)',
        expect.stringMatching(/^profile\.fields\.name: name: is a reserved name/),
        expect.stringMatching(/^profile\.fields\.sub: sub: is a reserved name/),
        expect.stringMatching(/^profile\.fields\.dob\.type: "text": dob is a standard field of type date/),
        expect.stringMatching(/^profile\.fields: "Bad-Name": a field name must be/),
        expect.stringMatching(/^profile\.fields\.d\.min: "2020-01-01": must be a number for a number field/),
        expect.stringMatching(/^profile\.fields\.e\.label: required for a custom field/),
        expect.stringMatching(/^profile\.scopes\.profile: profile: is a standard scope/),
        expect.stringMatching(/^profile\.scopes\.mine\.0: "nope": is not a custom field/),
        expect.stringMatching(/^profile\.scopes\.mine\.1: "fullname": is a standard field/),
      ]),
    );
  });

  it('without a section, every standard field is hidden and nothing is released', () => {
    const empty = buildProfileModel(undefined);
    expect(empty.fields.map((f) => f.name)).toEqual(['fullname', 'nickname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone', 'phone']);
    expect(empty.fields.every((f) => f.requirement === 'hidden')).toBe(true);
    expect(missingFields(empty, user())).toEqual({ required: [], optional: [] });
    expect(customRelease(empty).scopes.size).toBe(0);
  });

  it('maps custom scopes to x_ attribute names with their labels', () => {
    const release = customRelease(model);
    expect(release.scopes.get('coffee')).toEqual(['x_coffee']);
    expect(release.labels.get('x_coffee')).toBe('Coffee');
  });
});

describe('validateProfile', () => {
  const only = (...names: string[]) => ({ fields: names.map((n) => model.field(n)!) });
  const errorsOf = (input: Record<string, unknown>, ...names: string[]) => {
    const r = validateProfile(model, input, 'en', only(...names));
    return r.ok ? [] : r.errors.map((e) => `${e.field}:${e.code}`);
  };

  it('accepts and normalises good values of every type', () => {
    const r = validateProfile(model, { fullname: '  Ann  ', phone: '+49 (30) 123-456', coffee: 'latte', shoe: '42.50', code: 'ABC-12', size: 'M', mail2: 'x@example.org', kid: '2024-02-29', terms: 'on' }, 'en');
    expect(r).toMatchObject({ ok: true, values: { fullname: 'Ann', phone: '+4930123456', coffee: 'latte', shoe: '42.5', code: 'ABC-12', size: 'M', mail2: 'x@example.org', kid: '2024-02-29', terms: 'true' } });
  });

  it('refuses each rule with a typed error', () => {
    expect(errorsOf({ fullname: '' }, 'fullname')).toEqual(['fullname:required']);
    expect(errorsOf({ terms: '' }, 'terms')).toEqual(['terms:required']);
    expect(errorsOf({ phone: '030 1234' }, 'phone')).toEqual(['phone:invalid_phone']);
    expect(errorsOf({ coffee: 'mocha' }, 'coffee')).toEqual(['coffee:not_allowed']);
    expect(errorsOf({ shoe: '1e3' }, 'shoe')).toEqual(['shoe:invalid_number']);
    expect(errorsOf({ shoe: '29' }, 'shoe')).toEqual(['shoe:too_small']);
    expect(errorsOf({ shoe: '51' }, 'shoe')).toEqual(['shoe:too_large']);
    expect(errorsOf({ code: 'abc-12' }, 'code')).toEqual(['code:pattern']);
    expect(errorsOf({ code: 'AB-1' }, 'code')).toEqual(['code:too_short']);
    expect(errorsOf({ code: 'ABC-123' }, 'code')).toEqual(['code:too_long']);
    expect(errorsOf({ size: 'XL' }, 'size')).toEqual(['size:not_allowed']);
    expect(errorsOf({ mail2: 'not-an-email' }, 'mail2')).toEqual(['mail2:invalid_email']);
    expect(errorsOf({ kid: '2023-02-29' }, 'kid')).toEqual(['kid:invalid_date']);
    expect(errorsOf({ kid: '1999-12-31' }, 'kid')).toEqual(['kid:too_small']);
    expect(errorsOf({ kid: '2031-01-01' }, 'kid')).toEqual(['kid:too_large']);
  });

  it('refuses hostile input: wrong types, overlong, control characters; ignores prototype keys', () => {
    expect(errorsOf({ fullname: ['a', 'b'] }, 'fullname')).toEqual(['fullname:wrong_type']);
    expect(errorsOf({ fullname: 42 }, 'fullname')).toEqual(['fullname:wrong_type']);
    expect(errorsOf({ fullname: 'x'.repeat(1_000_000) }, 'fullname')).toEqual(['fullname:too_long']);
    expect(errorsOf({ fullname: 'Ann\nsreg_email:evil' }, 'fullname')).toEqual(['fullname:invalid_characters']);
    expect(errorsOf({ fullname: 'Ann\u202egnp.exe' }, 'fullname')).toEqual(['fullname:invalid_characters']);
    expect(errorsOf({ terms: 'maybe' }, 'terms')).toEqual(['terms:wrong_type']);
    // Script injection is text: stored as typed, escaped wherever rendered.
    expect(validateProfile(model, { fullname: '<script>alert(1)</script>' }, 'en', only('fullname'))).toMatchObject({ ok: true, values: { fullname: '<script>alert(1)</script>' } });
    const hostile = JSON.parse('{"__proto__": {"fullname": "polluted"}, "constructor": "x"}') as Record<string, unknown>;
    const r = validateProfile(model, hostile, 'en', only('fullname'));
    expect(r.ok).toBe(false);
    expect(({} as Record<string, unknown>)['fullname']).toBeUndefined();
    expect(Object.getPrototypeOf(r.values)).toBeNull();
  });

  it('words errors with the label of the locale', () => {
    const r = validateProfile(model, { coffee: 'mocha' }, 'de-CH', only('coffee'));
    expect(r.ok ? '' : r.errors[0]!.message).toContain('Kaffee');
  });
});

describe('missingFields', () => {
  it('lists missing required fields and optional ones not yet offered; never hidden or unwritable ones', () => {
    const m = missingFields(model, user({ profile: { fullname: 'Ann' }, attributes: { [OFFERED_KEY]: 'phone,shoe' } }));
    expect(m.required.map((f) => f.name)).toEqual(['terms']);
    expect(m.optional.map((f) => f.name)).toEqual(['coffee', 'code', 'size', 'mail2', 'kid']);
    const customOnly = missingFields(model, user(), (f) => !f.standard);
    expect(customOnly.required.map((f) => f.name)).toEqual(['terms']);
    expect(customOnly.optional.map((f) => f.name)).not.toContain('phone');
  });
});

describe('OpenID 2.0 release of custom fields (profile.openid2)', () => {
  const fields = { coffee: { type: 'text', label: 'Coffee' }, tea: { type: 'text', label: 'Tea' } };
  it('a list gets type URIs under the public URL; a map keeps the operator\'s', () => {
    const listed = parse({ fields, openid2: ['coffee'] });
    expect(listed.problems).toEqual([]);
    expect([...customRelease(buildProfileModel(listed.document.profile), 'https://id.example.com').openid2AxTypes]).toEqual([['https://id.example.com/schema/x_coffee', 'x_coffee']]);
    const mapped = parse({ fields, openid2: { coffee: 'https://rp.example/ax/coffee', tea: 'urn:example:tea' } });
    expect(mapped.problems).toEqual([]);
    expect([...customRelease(buildProfileModel(mapped.document.profile), 'https://id.example.com').openid2AxTypes]).toEqual([
      ['https://rp.example/ax/coffee', 'x_coffee'],
      ['urn:example:tea', 'x_tea'],
    ]);
  });

  it('refuses unknown fields, non-URIs and a type URI used twice, naming each', () => {
    expect(parse({ fields, openid2: { coffee: 'coffee', tea: 'javascript:alert(1)', fullname: 'https://x.example/n' } }).problems).toEqual([
      'profile.openid2.fullname: "fullname": is a standard field (released by the standard scopes/attributes)',
      'profile.openid2.coffee: "coffee": must be an absolute http(s) URI or a urn: of at most 255 characters (an AX type URI)',
      'profile.openid2.tea: "javascript:alert(1)": must be an absolute http(s) URI or a urn: of at most 255 characters (an AX type URI)',
    ]);
    expect(parse({ fields, openid2: { coffee: 'https://x.example/t', tea: 'https://x.example/t' } }).problems).toEqual([
      'profile.openid2.tea: "https://x.example/t": is also the type of coffee; each field needs its own type URI',
    ]);
    expect(parse({ fields, openid2: 'coffee' }).problems).toEqual(['profile.openid2: "coffee": must be a list of custom field names, or field name → AX type URI']);
  });
});

import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { matchesFilter, parseFilter, parseValueFilter } from '../../../src/api/scim/scim-filter.js';

function invalid(filter: string): IdbridgeError {
  try {
    parseFilter(filter);
  } catch (error) {
    expect(error).toBeInstanceOf(IdbridgeError);
    return error as IdbridgeError;
  }
  throw new Error(`${filter} was accepted`);
}

describe('SCIM filter parser', () => {
  it('parses eq on userName, externalId, emails.value and the emails value path, joined with and', () => {
    expect(parseFilter('userName eq "ada@example.com"')).toEqual([{ attribute: 'userName', value: 'ada@example.com' }]);
    expect(parseFilter('externalId eq "00u1"')).toEqual([{ attribute: 'externalId', value: '00u1' }]);
    expect(parseFilter('emails.value eq "a@b.c"')).toEqual([{ attribute: 'emails', value: 'a@b.c' }]);
    expect(parseFilter('emails[type eq "work"].value eq "a@b.c"')).toEqual([{ attribute: 'emails', value: 'a@b.c', type: 'work' }]);
    expect(parseFilter('emails[type eq "work" and value eq "a@b.c"]')).toEqual([{ attribute: 'emails', value: 'a@b.c', type: 'work' }]);
    expect(parseFilter('emails[primary eq true].value eq "a@b.c"')).toEqual([{ attribute: 'emails', value: 'a@b.c', primary: true }]);
    expect(parseFilter('userName eq "a@b.c" and externalId eq "x"')).toEqual([
      { attribute: 'userName', value: 'a@b.c' },
      { attribute: 'externalId', value: 'x' },
    ]);
  });

  it('treats attribute names, operators and "and" case-insensitively, and the core schema URN prefix as the bare name', () => {
    expect(parseFilter('USERNAME EQ "x" AND ExternalID Eq "y"')).toEqual([
      { attribute: 'userName', value: 'x' },
      { attribute: 'externalId', value: 'y' },
    ]);
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"')).toEqual([{ attribute: 'userName', value: 'x' }]);
    expect(parseFilter('EMAILS[TYPE eq "Work"].Value eq "x"')).toEqual([{ attribute: 'emails', value: 'x', type: 'Work' }]);
  });

  it('decodes JSON string escapes in values', () => {
    expect(parseFilter('userName eq "a\\"b\\u0041"')).toEqual([{ attribute: 'userName', value: 'a"bA' }]);
    expect(parseFilter('externalId eq "with ] and [ and and"')).toEqual([{ attribute: 'externalId', value: 'with ] and [ and and' }]);
  });

  it.each([
    ['userName ne "x"', /"ne" is not supported/],
    ['userName co "x"', /"co"/],
    ['userName sw "x"', /"sw"/],
    ['userName pr', /"pr"/],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', /"gt"/],
    ['userName eq "x" or userName eq "y"', /"or" is not supported/],
    ['not (userName eq "x")', /"not"/],
    ['(userName eq "x")', /Grouping/],
    ['displayName eq "Ada"', /displayName/],
    ['name.familyName eq "L"', /name.familyName/],
    ['phoneNumbers[type eq "work"].value eq "1"', /emails only/],
    ['emails[display eq "x"].value eq "y"', /not supported/],
    ['emails[type eq "work"].display eq "y"', /emails\[…\]\.display/],
    ['emails[type eq "work"]', /must compare the value/],
    ['emails[type eq "work" or type eq "home"].value eq "x"', /"or"/],
    ['userName eq x', /string/],
    ['userName eq true', /string/],
    ['userName eq "x', /unterminated/],
    ['userName eq', /Expected a value/],
    ['userName', /operator/],
    ['userName eq "x" and', /ends after "and"/],
    ['userName eq "x" userName eq "y"', /Expected "and"/],
    ['userName = "x"', /unexpected character/],
    ['userName foo "x"', /Unknown operator/],
    ['', /empty/],
    ['   ', /empty/],
    [`userName eq "${'x'.repeat(1100)}"`, /longer/],
  ])('refuses %s with invalidFilter', (filter, message) => {
    const error = invalid(filter);
    expect(error.status).toBe(400);
    expect(error.extra['scimType']).toBe('invalidFilter');
    expect(error.description).toMatch(message);
  });

  it('parses the filter of a PATCH path', () => {
    expect(parseValueFilter('type eq "work"', 'phoneNumbers')).toEqual({ type: 'work' });
    expect(() => parseValueFilter('type eq "work"] x', 'emails')).toThrow(/Unexpected/);
    expect(() => parseValueFilter('type ne "work"', 'emails')).toThrow(/"ne"/);
  });
});

describe('SCIM filter matching', () => {
  const user = { userName: 'ada@example.com', externalId: 'Ext-1', emails: [{ value: 'ada@example.com', type: 'work', primary: true }] };

  it('compares userName and emails case-insensitively (caseExact false) and externalId exactly', () => {
    expect(matchesFilter(parseFilter('userName eq "ADA@example.COM"'), user)).toBe(true);
    expect(matchesFilter(parseFilter('emails[type eq "WORK"].value eq "Ada@Example.com"'), user)).toBe(true);
    expect(matchesFilter(parseFilter('externalId eq "Ext-1"'), user)).toBe(true);
    expect(matchesFilter(parseFilter('externalId eq "ext-1"'), user)).toBe(false);
  });

  it('needs every term of an and', () => {
    expect(matchesFilter(parseFilter('userName eq "ada@example.com" and externalId eq "Ext-1"'), user)).toBe(true);
    expect(matchesFilter(parseFilter('userName eq "ada@example.com" and externalId eq "other"'), user)).toBe(false);
    expect(matchesFilter(parseFilter('emails[type eq "home"].value eq "ada@example.com"'), user)).toBe(false);
    expect(matchesFilter(parseFilter('emails[primary eq false].value eq "ada@example.com"'), user)).toBe(false);
  });
});

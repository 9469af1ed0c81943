import { describe, expect, it } from 'vitest';
import { applyPatch, parsePatchRequest } from '../../../src/api/scim/scim-patch.js';
import { canonicalUser, patchChanges, putChanges, scimBase, toUserCreate, type ScimDoc } from '../../../src/api/scim/scim-user.js';
import type { UserResource } from '../../../src/api/user-resource.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

const stored: UserResource = {
  tenant: 'default',
  id: 'u_1',
  customer: null,
  email: 'ada@example.com',
  create_time: '2025-01-01T00:00:00.000Z',
  update_time: '2025-01-01T00:00:00.000Z',
  logins_count: '0',
  login_time: null,
  email_verified: true,
  blocked: false,
  phone: '+442079460958',
  external_id: 'ext-1',
  username: null,
  profile: { fullname: 'Ada Lovelace', language: 'en' },
  attributes: {},
  has_password: true,
};

const ops = (...Operations: unknown[]) => parsePatchRequest({ schemas: [PATCH], Operations });
const patched = (...Operations: unknown[]): { before: ScimDoc; after: ScimDoc } => {
  const before = scimBase(stored);
  return { before, after: applyPatch(before, ops(...Operations)) };
};
const changes = (...Operations: unknown[]) => {
  const { before, after } = patched(...Operations);
  return patchChanges(before, after);
};

describe('PatchOp parsing', () => {
  it('accepts ops in any case and the "operations" spelling', () => {
    expect(parsePatchRequest({ schemas: [PATCH], operations: [{ Op: 'Replace', Path: 'active', Value: 'False' }] })).toEqual([{ op: 'replace', path: 'active', value: 'False' }]);
  });
  it.each([
    [{ schemas: [USER], Operations: [{ op: 'add', path: 'active', value: true }] }, 'invalidSyntax'],
    [{ schemas: [PATCH] }, 'invalidSyntax'],
    [{ schemas: [PATCH], Operations: [{ op: 'copy', path: 'active' }] }, 'invalidSyntax'],
    [{ schemas: [PATCH], Operations: [{ op: 'add', path: 'active' }] }, 'invalidSyntax'],
    [{ schemas: [PATCH], Operations: [{ op: 'add', value: 'x' }] }, 'invalidSyntax'],
    [{ schemas: [PATCH], Operations: [{ op: 'remove' }] }, 'noTarget'],
    [{ schemas: [PATCH], Operations: Array.from({ length: 101 }, () => ({ op: 'remove', path: 'nickName' })) }, 'invalidSyntax'],
  ])('refuses %j', (body, scimType) => {
    expect(() => parsePatchRequest(body as Record<string, unknown>)).toThrow(expect.objectContaining({ extra: { scimType } }));
  });
});

describe('PatchOp applied to a user', () => {
  it('replace active with a string boolean, with or without path', () => {
    expect(changes({ op: 'replace', path: 'active', value: 'False' })).toEqual({ patch: {}, active: false });
    expect(changes({ op: 'replace', value: { active: false } })).toEqual({ patch: {}, active: false });
    expect(changes({ op: 'replace', path: 'active', value: 'true' })).toEqual({ patch: {} });
  });

  it('userName and the email value path both change the one email', () => {
    expect(changes({ op: 'replace', path: 'userName', value: 'new@example.com' }).patch).toEqual({ email: 'new@example.com' });
    expect(changes({ op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }).patch).toEqual({ email: 'new@example.com' });
    expect(changes({ op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'home' }] }).patch).toEqual({ email: 'new@example.com' });
    expect(
      changes({ op: 'replace', path: 'userName', value: 'new@example.com' }, { op: 'replace', path: 'emails[primary eq true].value', value: 'NEW@example.com' }).patch,
    ).toEqual({ email: 'new@example.com' });
    expect(() => changes({ op: 'replace', path: 'userName', value: 'a@example.com' }, { op: 'replace', path: 'emails[type eq "work"].value', value: 'b@example.com' })).toThrow(
      /same address/,
    );
    // Removing the emails leaves the address (it is the userName).
    expect(changes({ op: 'remove', path: 'emails' }).patch).toEqual({});
  });

  it('name parts, displayName and profile attributes', () => {
    expect(changes({ op: 'replace', path: 'name.familyName', value: 'King' }).patch).toEqual({ profile: { fullname: 'Ada King' } });
    expect(changes({ op: 'replace', path: 'name', value: { formatted: 'Augusta Ada King' } }).patch).toEqual({ profile: { fullname: 'Augusta Ada King' } });
    expect(changes({ op: 'replace', path: 'displayName', value: 'The Countess' }).patch).toEqual({ profile: { fullname: 'The Countess' } });
    expect(changes({ op: 'remove', path: 'name' }, { op: 'remove', path: 'displayName' }).patch).toEqual({ profile: { fullname: null } });
    expect(changes({ op: 'add', value: { nickName: 'ada', preferredLanguage: 'en-GB', timezone: 'Europe/London' } }).patch).toEqual({
      profile: { nickname: 'ada', language: 'en-GB', timezone: 'Europe/London' },
    });
    expect(() => changes({ op: 'replace', path: 'timezone', value: 'Mars/Olympus' })).toThrow(/timezone/);
  });

  it('phones: a new value wins, removing clears, an invalid one is invalidValue', () => {
    expect(changes({ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+49 30 1234567' }).patch).toEqual({ phone: '+49301234567' });
    expect(changes({ op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '+442079460958' }).patch).toEqual({});
    expect(changes({ op: 'remove', path: 'phoneNumbers[type eq "work"]' }).patch).toEqual({ phone: null });
    expect(() => changes({ op: 'replace', path: 'phoneNumbers', value: [{ value: 'no' }] })).toThrow(expect.objectContaining({ extra: { scimType: 'invalidValue' } }));
  });

  it('externalId, URN-qualified paths, and ignored standard / extension attributes', () => {
    expect(changes({ op: 'replace', path: `${USER}:externalId`, value: 'ext-2' }).patch).toEqual({ external_id: 'ext-2' });
    expect(changes({ op: 'remove', path: 'externalId' }).patch).toEqual({ external_id: null });
    expect(changes({ op: 'replace', path: `${USER}:name.givenName`, value: 'Augusta' }).patch).toEqual({ profile: { fullname: 'Augusta Lovelace' } });
    expect(
      changes(
        { op: 'add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'R&D' },
        { op: 'replace', path: 'addresses[type eq "work"].locality', value: 'London' },
        { op: 'replace', path: 'name.middleName', value: 'Byron' },
        { op: 'replace', value: { title: 'Countess', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'x' } } },
      ),
    ).toEqual({ patch: {} });
  });

  it('refuses read-only, unknown and malformed paths', () => {
    for (const [path, scimType] of [
      ['id', 'mutability'],
      ['groups', 'mutability'],
      ['shoeSize', 'invalidPath'],
      ['name.nickname', 'invalidPath'],
      ['active[type eq "x"]', 'invalidPath'],
      ['emails[type eq "work"', 'invalidPath'],
      ['emails[type eq "work"]x', 'invalidPath'],
      ['emails[type sw "w"].value', 'invalidFilter'],
    ] as const) {
      expect(() => changes({ op: 'replace', path, value: 'x' }), path).toThrow(expect.objectContaining({ extra: { scimType } }));
    }
    expect(() => changes({ op: 'replace', path: 'password', value: 'x' })).toThrow(expect.objectContaining({ extra: { scimType: 'mutability' } }));
  });

  it('does not modify the base document', () => {
    const before = scimBase(stored);
    const copy = structuredClone(before);
    applyPatch(before, ops({ op: 'replace', path: 'emails[type eq "work"].value', value: 'x@example.com' }, { op: 'remove', path: 'name' }));
    expect(before).toEqual(copy);
  });
});

describe('User documents (POST, PUT)', () => {
  it('canonicalises names case-insensitively and drops what is not stored', () => {
    expect(canonicalUser({ schemas: [USER], USERNAME: 'a@example.com', Name: { GivenName: 'A', middleName: 'x' }, title: 't', id: 'u_x', 'urn:x:ext': {} })).toEqual({
      userName: 'a@example.com',
      name: { givenName: 'A' },
    });
  });

  it('maps a create, without an invitation mail; active false creates the user blocked', () => {
    expect(toUserCreate(canonicalUser({ schemas: [USER], userName: 'A@Example.com', name: { givenName: 'Ada', familyName: 'Lovelace' }, active: 'False' }))).toEqual({
      email: 'a@example.com',
      send_invitation: false,
      blocked: true,
      profile: { fullname: 'Ada Lovelace' },
    });
  });

  it('PUT replaces every stored attribute and keeps active when omitted', () => {
    const result = putChanges(canonicalUser({ schemas: [USER], userName: 'ada@example.com' }), scimBase(stored));
    expect(result).toEqual({ patch: { email: 'ada@example.com', external_id: null, phone: null, profile: { fullname: null, nickname: null, language: null, timezone: null } } });
    expect(putChanges(canonicalUser({ schemas: [USER], userName: 'ada@example.com', active: false }), scimBase(stored)).active).toBe(false);
    expect(() => putChanges(canonicalUser({ schemas: [USER], userName: 'ada@example.com', password: 'x' }), scimBase(stored))).toThrow(/password/);
    expect(() => putChanges(canonicalUser({ schemas: [USER] }), scimBase(stored))).toThrow(/userName is required/);
  });
});

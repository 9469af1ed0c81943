import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { openDatabase } from '../../../src/entry/node/database.js';
import { nodeHashPrimitives } from '../../../src/entry/node/hash-primitives.js';
import { nodeScrypt } from '../../../src/entry/node/scrypt.js';
import { memoryLogger } from '../../../src/log.js';
import type { UserRevocation } from '../../../src/users/user-revocation.js';
import { TestClock } from '../../helpers/clock.js';
import { testConfig } from '../../helpers/config.js';

const ADMIN = 'a'.repeat(40);
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Records what the service asked of the revocation port (the sign-up flows implement it). */
class Revocations implements UserRevocation {
  revoked: string[] = [];
  async revokeAll(userId: string) {
    this.revoked.push(userId);
  }
}

let ctx: Awaited<ReturnType<typeof setup>>;

async function setup() {
  const database = openDatabase(':memory:');
  const revocation = new Revocations();
  const { app, services } = await createApp({
    config: testConfig({ IDBRIDGE_ADMIN_TOKEN: ADMIN, IDBRIDGE_PUBLIC_URL: 'https://idp.example.com' }),
    db: database.db,
    clock: new TestClock(),
    logger: memoryLogger(),
    scrypt: nodeScrypt,
    hashPrimitives: nodeHashPrimitives,
    fetch: async () => Promise.reject(new Error('no network in this test')),
    usersApi: { revocation },
  });
  const call = async (method: string, path: string, options: { token?: string | null; body?: unknown; type?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== null) headers['authorization'] = `Bearer ${options.token ?? ADMIN}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = options.type ?? 'application/scim+json';
    }
    const res = await app.request(`/scim/v2${path}`, { method, headers, body });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, any>) : undefined;
    // Every answer with a body, success or error, is SCIM JSON.
    if (text) expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    if (res.status >= 400) {
      expect(json).toMatchObject({ schemas: [ERROR], status: String(res.status) });
      expect(typeof json!['detail']).toBe('string');
    }
    return { status: res.status, headers: res.headers, json: json as Record<string, any> };
  };
  return { app, services, revocation, call, close: database.close };
}

beforeEach(async () => {
  ctx = await setup();
});
afterEach(() => ctx.close());

/** Entra ID's create: the enterprise extension present, attributes it maps by default. */
const entraCreate = (userName: string) => ({
  schemas: [USER, ENTERPRISE],
  externalId: 'ada',
  userName,
  active: true,
  displayName: 'Ada Lovelace',
  title: 'Analyst',
  emails: [{ primary: true, type: 'work', value: userName }],
  phoneNumbers: [{ type: 'work', value: '+44 20 7946 0958' }],
  addresses: [{ type: 'work', formatted: '1 Main St', streetAddress: '1 Main St', locality: 'London', country: 'GB', primary: true }],
  name: { formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Ada' },
  [ENTERPRISE]: { employeeNumber: '701984', department: 'Engines', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } },
  roles: [],
});

/** Okta's create. */
const oktaCreate = (userName: string) => ({
  schemas: [USER],
  userName,
  name: { givenName: 'Grace', familyName: 'Hopper' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: 'Grace Hopper',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: 'correct horse battery',
  active: true,
});

async function create(body: Record<string, unknown>) {
  const res = await ctx.call('POST', '/Users', { body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res;
}

describe('SCIM /Users as Entra ID calls it', () => {
  it('filter userName eq on an absent user is an empty ListResponse, then create, then the filter finds it', async () => {
    const absent = await ctx.call('GET', `/Users?filter=${encodeURIComponent('userName eq "ada@contoso.com"')}`);
    expect(absent.status).toBe(200);
    expect(absent.json).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

    const created = await create(entraCreate('Ada@Contoso.com'));
    const user = created.json;
    expect(created.headers.get('location')).toBe(`https://idp.example.com/scim/v2/Users/${user['id']}`);
    expect(created.headers.get('etag')).toBe(user['meta']['version']);
    expect(user).toMatchObject({
      schemas: [USER],
      userName: 'ada@contoso.com',
      externalId: 'ada',
      active: true,
      name: { formatted: 'Ada Lovelace' },
      displayName: 'Ada Lovelace',
      emails: [{ value: 'ada@contoso.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+442079460958', primary: true }],
      meta: { resourceType: 'User', location: created.headers.get('location') },
    });
    expect(user).not.toHaveProperty('title');
    expect(user).not.toHaveProperty(ENTERPRISE);
    // The same service wrote it: visible through the REST API, audited, no invitation without a password.
    const rest = await ctx.app.request(`/api/v1/users/${user['id']}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(await rest.json()).toMatchObject({ email: 'ada@contoso.com', external_id: 'ada', phone: '+442079460958', has_password: false, profile: { fullname: 'Ada Lovelace' } });
    expect((await ctx.services.audit.list({ limit: 5 }))[0]).toMatchObject({ operation: 'user.create', actor: 'admin', userId: user['id'] });

    for (const filter of ['userName eq "ADA@contoso.com"', 'emails[type eq "work"].value eq "ada@contoso.com"', 'externalId eq "ada"', 'emails.value eq "ada@contoso.com" and externalId eq "ada"']) {
      const found = await ctx.call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(found.json, filter).toMatchObject({ totalResults: 1, itemsPerPage: 1, Resources: [{ id: user['id'] }] });
    }
    const none = await ctx.call('GET', `/Users?filter=${encodeURIComponent('userName eq "ada@contoso.com" and externalId eq "other"')}`);
    expect(none.json).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('PATCH Replace active "False" blocks the user and ends their sessions; "True" unblocks', async () => {
    const { json: user } = await create(entraCreate('ada@contoso.com'));
    const off = await ctx.call('PATCH', `/Users/${user['id']}`, { body: { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] } });
    expect(off.status, JSON.stringify(off.json)).toBe(200);
    expect(off.json['active']).toBe(false);
    expect(ctx.revocation.revoked).toEqual([user['id']]);
    expect((await ctx.services.usersApi.get(user['id'])).resource.blocked).toBe(true);
    expect((await ctx.services.audit.list({ limit: 1 }))[0]).toMatchObject({ operation: 'user.block' });

    const on = await ctx.call('PATCH', `/Users/${user['id']}`, { body: { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] } });
    expect(on.json['active']).toBe(true);
    expect((await ctx.services.usersApi.get(user['id'])).resource.blocked).toBe(false);
  });

  it('PATCH with path-less replace, value paths, enterprise attributes and Add', async () => {
    const { json: user } = await create(entraCreate('ada@contoso.com'));
    const res = await ctx.call('PATCH', `/Users/${user['id']}`, {
      body: {
        schemas: [PATCH],
        Operations: [
          { op: 'replace', value: { displayName: 'Ada King', 'name.givenName': 'Augusta', [`${ENTERPRISE}:department`]: 'Maths' } },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada.king@contoso.com' },
          { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+49 30 1234567' },
          { op: 'Add', path: `${ENTERPRISE}:employeeNumber`, value: '42' },
          { op: 'Replace', path: 'title', value: 'Countess' },
        ],
      },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({
      userName: 'ada.king@contoso.com',
      emails: [{ value: 'ada.king@contoso.com' }],
      phoneNumbers: [{ value: '+49301234567' }],
      // formatted is unchanged and givenName changed: the full name is the new given + the old family name.
      name: { formatted: 'Augusta Lovelace' },
    });
    expect((await ctx.services.audit.list({ limit: 1 }))[0]!.fields.sort()).toEqual(['email', 'phone', 'profile.fullname']);
  });
});

describe('SCIM /Users as Okta calls it', () => {
  it('filter userName eq, create with a password, PUT full replace, PATCH active false, DELETE', async () => {
    const filter = `/Users?filter=${encodeURIComponent('userName eq "grace@example.com"')}&startIndex=1&count=100`;
    expect((await ctx.call('GET', filter)).json).toMatchObject({ totalResults: 0, Resources: [] });
    const { json: user } = await create(oktaCreate('grace@example.com'));
    expect(user).toMatchObject({ name: { formatted: 'Grace Hopper' }, externalId: '00ujl29u0le5T6Aj10h7', active: true });
    expect(user).not.toHaveProperty('password');
    expect((await ctx.services.usersApi.get(user['id'])).resource.has_password).toBe(true);

    const put = await ctx.call('PUT', `/Users/${user['id']}`, {
      body: {
        schemas: [USER],
        id: user['id'],
        userName: 'grace.hopper@example.com',
        name: { givenName: 'Grace', familyName: 'Brewster Hopper' },
        emails: [{ primary: true, value: 'grace.hopper@example.com', type: 'work' }],
        locale: 'en-US',
        groups: [],
        active: true,
      },
      headers: { 'if-match': user['meta']['version'] },
    });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    expect(put.json).toMatchObject({ userName: 'grace.hopper@example.com', name: { formatted: 'Grace Brewster Hopper' } });
    // Full replace: attributes the PUT leaves out are cleared.
    expect(put.json).not.toHaveProperty('externalId');
    expect(put.json['meta']['version']).not.toBe(user['meta']['version']);

    // The old version no longer matches.
    const stale = await ctx.call('PUT', `/Users/${user['id']}`, { body: { schemas: [USER], userName: 'x@example.com' }, headers: { 'if-match': user['meta']['version'] } });
    expect(stale.status).toBe(412);
    expect((await ctx.services.usersApi.get(user['id'])).resource.email).toBe('grace.hopper@example.com');

    const off = await ctx.call('PATCH', `/Users/${user['id']}`, { body: { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] } });
    expect(off.json['active']).toBe(false);
    expect(ctx.revocation.revoked).toContain(user['id']);

    const del = await ctx.call('DELETE', `/Users/${user['id']}`);
    expect(del.status).toBe(204);
    expect((await ctx.call('GET', `/Users/${user['id']}`)).status).toBe(404);
  });
});

describe('SCIM errors', () => {
  it.each([
    'userName ne "x"',
    'userName eq "x" or userName eq "y"',
    'not (userName eq "x")',
    'displayName eq "Ada"',
    'meta.lastModified gt "2020-01-01T00:00:00Z"',
    'userName co "x"',
    'userName eq',
    'userName eq "x" and',
    'emails[type eq "work"]',
    '(userName eq "x")',
  ])('unsupported or malformed filter %s: 400 invalidFilter, never an empty list', async (filter) => {
    const res = await ctx.call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(400);
    expect(res.json['scimType']).toBe('invalidFilter');
    expect(res.json).not.toHaveProperty('Resources');
  });

  it('a duplicate userName or externalId is 409 uniqueness, and nothing is written', async () => {
    await create(entraCreate('ada@contoso.com'));
    const again = await ctx.call('POST', '/Users', { body: { ...entraCreate('ADA@contoso.com'), externalId: 'ada2' } });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ scimType: 'uniqueness', detail: expect.stringMatching(/userName/) });
    const sameExternal = await ctx.call('POST', '/Users', { body: { ...entraCreate('other@contoso.com') } });
    expect(sameExternal.status).toBe(409);
    expect(sameExternal.json['detail']).toMatch(/externalId/);
    expect((await ctx.call('GET', '/Users')).json['totalResults']).toBe(1);
  });

  it('bad JSON is invalidSyntax, a wrong content type 415, an invalid value invalidValue', async () => {
    const bad = await ctx.call('POST', '/Users', { body: '{"schemas": [', type: 'application/scim+json' });
    expect(bad.status).toBe(400);
    expect(bad.json['scimType']).toBe('invalidSyntax');
    const array = await ctx.call('POST', '/Users', { body: '[]' });
    expect(array.json['scimType']).toBe('invalidSyntax');
    const form = await ctx.call('POST', '/Users', { body: 'userName=x', type: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const text = await ctx.call('PATCH', '/Users/u_x', { body: '{}', type: 'text/plain' });
    expect(text.status).toBe(415);
    // application/json is accepted too (RFC 7644 §3.1).
    const plain = await ctx.call('POST', '/Users', { body: { schemas: [USER], userName: 'plain@example.com' }, type: 'application/json' });
    expect(plain.status).toBe(201);

    const noSchemas = await ctx.call('POST', '/Users', { body: { userName: 'x@example.com' } });
    expect(noSchemas.json['scimType']).toBe('invalidSyntax');
    const unknown = await ctx.call('POST', '/Users', { body: { schemas: [USER], userName: 'x@example.com', shoeSize: 42 } });
    expect(unknown.json).toMatchObject({ scimType: 'invalidSyntax', detail: expect.stringMatching(/shoeSize/) });
    const notEmail = await ctx.call('POST', '/Users', { body: { schemas: [USER], userName: 'not-an-email' } });
    expect(notEmail.json).toMatchObject({ scimType: 'invalidValue', detail: expect.stringMatching(/^userName:/) });
    const twoAddresses = await ctx.call('POST', '/Users', { body: { schemas: [USER], userName: 'a@example.com', emails: [{ value: 'b@example.com', primary: true }] } });
    expect(twoAddresses.json['scimType']).toBe('invalidValue');
    const badPhone = await ctx.call('POST', '/Users', { body: { schemas: [USER], userName: 'a@example.com', phoneNumbers: [{ value: 'call me' }] } });
    expect(badPhone.json).toMatchObject({ scimType: 'invalidValue', detail: expect.stringMatching(/phoneNumbers/) });
    const badActive = await ctx.call('POST', '/Users', { body: { schemas: [USER], userName: 'a@example.com', active: 'maybe' } });
    expect(badActive.json['scimType']).toBe('invalidValue');
    expect((await ctx.call('GET', '/Users')).json['totalResults']).toBe(1);
  });

  it('PATCH errors: bad op, no schemas, remove without path, read-only and unknown paths, password', async () => {
    const { json: user } = await create(entraCreate('ada@contoso.com'));
    const patch = (Operations: unknown, schemas: unknown = [PATCH]) => ctx.call('PATCH', `/Users/${user['id']}`, { body: { schemas, Operations } });
    expect((await patch([{ op: 'move', path: 'active', value: false }])).json['scimType']).toBe('invalidSyntax');
    expect((await patch([{ op: 'replace', path: 'active', value: false }], [USER])).json['scimType']).toBe('invalidSyntax');
    expect((await patch([])).json['scimType']).toBe('invalidSyntax');
    expect((await patch([{ op: 'remove' }])).json['scimType']).toBe('noTarget');
    expect((await patch([{ op: 'replace', path: 'id', value: 'u_other' }])).json['scimType']).toBe('mutability');
    expect((await patch([{ op: 'replace', path: 'meta.created', value: 'x' }])).json['scimType']).toBe('mutability');
    expect((await patch([{ op: 'replace', path: 'shoeSize', value: 42 }])).json['scimType']).toBe('invalidPath');
    expect((await patch([{ op: 'replace', path: 'emails[type ne "work"].value', value: 'x' }])).json['scimType']).toBe('invalidFilter');
    expect((await patch([{ op: 'remove', path: 'userName' }])).json['scimType']).toBe('invalidValue');
    expect((await patch([{ op: 'replace', path: 'password', value: 'new password!' }])).json['scimType']).toBe('mutability');
    expect((await patch([{ op: 'replace', path: 'active', value: 'yes' }])).json['scimType']).toBe('invalidValue');
    // All or nothing: a failing second operation leaves the first unapplied.
    expect((await patch([{ op: 'replace', path: 'displayName', value: 'Changed' }, { op: 'replace', path: 'nope', value: 1 }])).status).toBe(400);
    expect((await ctx.services.usersApi.get(user['id'])).resource.profile.fullname).toBe('Ada Lovelace');
    expect((await ctx.call('PATCH', '/Users/u_missing', { body: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] } })).status).toBe(404);
  });

  it('PATCH to a taken userName is 409 uniqueness', async () => {
    await create(oktaCreate('grace@example.com'));
    const { json: ada } = await create({ schemas: [USER], userName: 'ada@example.com' });
    const res = await ctx.call('PATCH', `/Users/${ada['id']}`, { body: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userName', value: 'Grace@example.com' }] } });
    expect(res.status).toBe(409);
    expect(res.json['scimType']).toBe('uniqueness');
  });

  it('tokens: none is 401, users:read cannot write, users:write cannot read, revoked is 401', async () => {
    expect((await ctx.call('GET', '/Users', { token: null })).status).toBe(401);
    expect((await ctx.call('GET', '/ServiceProviderConfig', { token: 'idbt_nope' })).status).toBe(401);
    const reader = await ctx.services.apiTokens.create(['users:read']);
    const writer = await ctx.services.apiTokens.create(['users:write']);
    expect((await ctx.call('GET', '/Users', { token: reader.token })).status).toBe(200);
    const denied = await ctx.call('POST', '/Users', { token: reader.token, body: oktaCreate('x@example.com') });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect((await ctx.call('GET', '/Users', { token: writer.token })).status).toBe(403);
    expect((await ctx.call('POST', '/Users', { token: writer.token, body: oktaCreate('x@example.com') })).status).toBe(201);
    expect((await ctx.services.audit.list({ limit: 1 }))[0]!.actor).toBe(`token:${writer.record.id}`);
    await ctx.services.apiTokens.revoke(reader.record.id);
    expect((await ctx.call('GET', '/Users', { token: reader.token })).status).toBe(401);
  });

  it('405 with Allow for a known path, 404 for unknown ones (e.g. Groups)', async () => {
    const res = await ctx.call('DELETE', '/Users');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect((await ctx.call('GET', '/Groups')).status).toBe(404);
    expect((await ctx.call('GET', '/Schemas/urn:nope')).status).toBe(404);
  });
});

describe('SCIM pagination', () => {
  it('startIndex is 1-based, count limits the page, totalResults counts all; out-of-range values are clamped', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ schemas: [USER], userName: `p${i}@example.com` })).json['id']);
    const page = async (query: string) => (await ctx.call('GET', `/Users?${query}`)).json;
    expect(await page('startIndex=1&count=2')).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 2 });
    const seen = [];
    for (let start = 1; start <= 5; start += 2) seen.push(...(await page(`startIndex=${start}&count=2`))['Resources'].map((r: { id: string }) => r.id));
    expect(seen).toEqual(ids);
    expect(await page('startIndex=6&count=2')).toMatchObject({ totalResults: 5, startIndex: 6, itemsPerPage: 0, Resources: [] });
    expect(await page('count=0')).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    expect(await page('startIndex=0&count=-3')).toMatchObject({ startIndex: 1, itemsPerPage: 0 });
    expect(await page('count=100000')).toMatchObject({ itemsPerPage: 5 });
    expect((await ctx.call('GET', '/Users?count=ten')).json['scimType']).toBe('invalidValue');
    expect((await ctx.call('GET', '/Users?count=1&count=2')).status).toBe(400);
  });
});

describe('SCIM discovery', () => {
  it('ServiceProviderConfig, ResourceTypes and Schemas describe what is implemented', async () => {
    const spc = (await ctx.call('GET', '/ServiceProviderConfig')).json;
    expect(spc).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: true },
      authenticationSchemes: [{ type: 'oauthbearertoken' }],
    });
    const types = (await ctx.call('GET', '/ResourceTypes')).json;
    expect(types).toMatchObject({ totalResults: 1, Resources: [{ id: 'User', endpoint: '/Users', schema: USER }] });
    expect((await ctx.call('GET', '/ResourceTypes/User')).json['meta']['location']).toBe('https://idp.example.com/scim/v2/ResourceTypes/User');
    const schemas = (await ctx.call('GET', '/Schemas')).json;
    const names = schemas['Resources'][0].attributes.map((a: { name: string }) => a.name);
    expect(names).toEqual(['id', 'externalId', 'userName', 'name', 'displayName', 'nickName', 'preferredLanguage', 'timezone', 'active', 'password', 'emails', 'phoneNumbers']);
    expect((await ctx.call('GET', `/Schemas/${USER}`)).json['id']).toBe(USER);
  });
});

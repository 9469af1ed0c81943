import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { parseConfigDocument } from '../../src/config/document.js';
import type { UserEmailLinks } from '../../src/api/users-service.js';
import { openDatabase } from '../../src/entry/node/database.js';
import { nodeHashPrimitives } from '../../src/entry/node/hash-primitives.js';
import { nodeScrypt } from '../../src/entry/node/scrypt.js';
import { memoryLogger } from '../../src/log.js';
import type { MailTemplateId, MailValues, OutgoingMail } from '../../src/mail/mailer.js';
import type { UserRevocation } from '../../src/users/user-revocation.js';
import type { UserDirectory } from '../../src/users/user.js';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';

const ADMIN = 'a'.repeat(40);
const BCRYPT_OF_CORRECT_HORSE = '$2b$04$WP/TABZBGBmMWNz2I/BK8uzknYlXjhIV9nmS1Eig8FW2tq368kp5a';

/**
 * Recording stand-ins for the ports other parts implement in parallel (the revocation of the
 * sign-up flows, the mail service, the email-token links): the test asserts what the API asked of
 * them.
 */
class Recorder implements UserRevocation, OutgoingMail, UserEmailLinks {
  revoked: Array<{ userId: string; consents?: boolean }> = [];
  mails: Array<{ to: string; template: MailTemplateId; locale: string; values: MailValues }> = [];
  async revokeAll(userId: string, options?: { consents?: boolean }) {
    this.revoked.push({ userId, consents: options?.consents });
  }
  async send(to: string, template: MailTemplateId, locale: string, values: MailValues) {
    this.mails.push({ to, template, locale, values });
  }
  async issue(user: { id: string }, kind: string) {
    return { link: `http://127.0.0.1:3000/${kind}?u=${user.id}`, expiresInMinutes: 30 };
  }
}

let ctx: Awaited<ReturnType<typeof setup>>;

async function setup(env: Record<string, string> = {}, users?: UserDirectory, options: { profile?: unknown; appMail?: boolean } = {}) {
  const database = openDatabase(':memory:');
  const recorder = new Recorder();
  const parsed = options.profile === undefined ? undefined : parseConfigDocument({ name: 'test', data: { profile: options.profile } }, {});
  expect(parsed?.problems ?? []).toEqual([]);
  const { app, services } = await createApp({
    config: { ...testConfig({ IDBRIDGE_ADMIN_TOKEN: ADMIN, ...env }), profile: parsed?.document.profile },
    db: database.db,
    clock: new TestClock(),
    logger: memoryLogger(),
    scrypt: nodeScrypt,
    hashPrimitives: nodeHashPrimitives,
    fetch: async () => Promise.reject(new Error('no network in this test')),
    // appMail: the app's own OutgoingMail (the development outbox in tests) instead of the recorder.
    usersApi: options.appMail ? { revocation: recorder, emailLinks: recorder } : { revocation: recorder, mail: recorder, emailLinks: recorder },
    users,
  });
  const document = (await (await app.request('/api/openapi.json')).json()) as Record<string, any>;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // CommonJS module: its plugin is both module.exports and `.default`.
  formats.default(ajv);
  ajv.addSchema({ $id: 'doc', components: document['components'] });

  /** Every response is checked against the schema the document declares for its status. */
  const call = async (method: string, path: string, options: { token?: string | null; body?: unknown; type?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== null) headers['authorization'] = `Bearer ${options.token ?? ADMIN}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = options.type ?? 'application/json';
    }
    const res = await app.request(path, { method, headers, body });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    checkAgainstDocument(document, ajv, method, path, res, json);
    return { status: res.status, headers: res.headers, json };
  };
  return { app, services, recorder, document, call, close: database.close };
}

function checkAgainstDocument(document: Record<string, any>, ajv: Ajv2020, method: string, rawPath: string, res: Response, json: unknown) {
  const path = new URL(rawPath, 'http://x').pathname;
  const templates = Object.keys(document['paths']);
  const template = templates
    .map((t) => ({ t, re: new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
    .filter(({ re }) => re.test(path))
    .sort((a, b) => a.t.split('{').length - b.t.split('{').length)[0]?.t;
  if (!template) {
    // Unknown paths and methods: still a problem document.
    if (res.status >= 400) expect(res.headers.get('content-type')).toBe('application/problem+json');
    return;
  }
  const op = document['paths'][template][method.toLowerCase()];
  if (!op) {
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    return;
  }
  const declared = op.responses[String(res.status)];
  expect(declared, `${method} ${template} answered ${res.status}, which the document does not declare`).toBeDefined();
  const content = declared.content as Record<string, { schema: object }> | undefined;
  if (!content) return;
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
  expect(Object.keys(content)).toContain(type);
  const validate = ajv.compile(rewriteRefs(content[type]!.schema));
  expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
}

/** `#/components/schemas/X` → `doc#/components/schemas/X` (the document registered under `doc`). */
function rewriteRefs(schema: object): object {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"doc#/components/'));
}

beforeEach(async () => {
  ctx = await setup();
});
afterEach(() => ctx.close());

async function createUser(body: Record<string, unknown> = {}) {
  const res = await ctx.call('POST', '/api/v1/users', { body: { email: `u${Math.random().toString(36).slice(2)}@example.com`, password: 'correct horse', ...body } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json as Record<string, any>;
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 and rendered as a script-free docs page', async () => {
    const result = await new Validator().validate(ctx.document);
    expect(result.valid, JSON.stringify(result.errors)).toBe(true);
    expect(ctx.document['openapi']).toBe('3.1.0');
    expect(Object.keys(ctx.document['paths'])).toEqual(expect.arrayContaining(['/api/v1/users', '/api/v1/users/{id}', '/api/v1/users/search']));
    const page = await ctx.app.request('/api/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('PATCH /api/v1/users/{id}');
    expect(html).not.toMatch(/<script|https?:\/\/cdn/i);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('users', () => {
  it('creates, reads (ETag) and looks up by email, customer, phone and external id', async () => {
    const user = await createUser({ email: 'Ada@Example.com', customer: 'C-1', external_id: 'crm-1', phone: '+49 30 1234567', profile: { fullname: 'Ada L' }, attributes: { tier: 'gold' } });
    expect(user).toMatchObject({ email: 'ada@example.com', customer: 'C-1', phone: '+49301234567', logins_count: '0', email_verified: false, blocked: false, tenant: expect.any(String) });
    const got = await ctx.call('GET', `/api/v1/users/${user['id']}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect((await ctx.call('GET', '/api/v1/users/by-email/ADA%40example.com')).json.id).toBe(user['id']);
    expect((await ctx.call('GET', '/api/v1/users/by-customer/C-1')).json.id).toBe(user['id']);
    // National format with a region, normalised to E.164 before comparing.
    expect((await ctx.call('GET', '/api/v1/users/search?phone=030%201234567&region=DE')).json.users.map((u: any) => u.id)).toEqual([user['id']]);
    expect((await ctx.call('GET', '/api/v1/users/search?external_id=crm-1')).json.users).toHaveLength(1);
    expect((await ctx.call('GET', '/api/v1/users/search?email=nobody%40example.com')).json.users).toEqual([]);
    expect((await ctx.call('GET', '/api/v1/users/search?email=a%40b.c&phone=%2B1')).status).toBe(400);
    expect((await ctx.call('GET', '/api/v1/users/nope')).status).toBe(404);
  });

  it('answers 409 for a duplicate email, customer and external id', async () => {
    await createUser({ email: 'dup@example.com', customer: 'C-9', external_id: 'x-9' });
    for (const body of [{ email: 'DUP@example.com' }, { customer: 'C-9' }, { external_id: 'x-9' }]) {
      const res = await ctx.call('POST', '/api/v1/users', { body: { email: `other${Math.random()}@example.com`.replace('0.', ''), password: 'correct horse', ...body } });
      expect(res.status).toBe(409);
      expect(res.json.code).toBe('conflict');
    }
  });

  it('accepts a pre-hashed bcrypt password, which signs in and is upgraded to scrypt', async () => {
    const user = await createUser({ email: 'hashed@example.com', password: undefined, password_hash: BCRYPT_OF_CORRECT_HORSE });
    const directory = ctx.services.directory;
    expect((await directory.authenticate('hashed@example.com', 'wrong')).ok).toBe(false);
    expect((await directory.authenticate('hashed@example.com', 'correct horse')).ok).toBe(true);
    expect((await ctx.services.userStore.findById(user['id']))!.passwordHash).toMatch(/^\$scrypt\$/);
    const bad = await ctx.call('POST', '/api/v1/users', { body: { email: 'bad@example.com', password_hash: 'not-a-hash' } });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain('password_hash');
  });

  it('without a password sends the set-password invitation through OutgoingMail', async () => {
    const user = await createUser({ email: 'invited@example.com', password: undefined, locale: 'de' });
    expect(user['has_password']).toBe(false);
    expect(ctx.recorder.mails).toEqual([{ to: 'invited@example.com', template: 'set-password', locale: 'de', values: expect.objectContaining({ link: expect.stringContaining(user['id']) }) }]);
  });

  it('patches with JSON Merge Patch; a new email resets email_verified unless the patch says otherwise', async () => {
    const user = await createUser({ email_verified: true, profile: { nickname: 'n', country: 'de' }, attributes: { a: '1', b: '2' } });
    const patched = await ctx.call('PATCH', `/api/v1/users/${user['id']}`, {
      type: 'application/merge-patch+json',
      body: { email: 'new@example.com', profile: { nickname: null, fullname: 'Full' }, attributes: { a: null, c: '3' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ email: 'new@example.com', email_verified: false, profile: { fullname: 'Full', country: 'DE' }, attributes: { b: '2', c: '3' } });
    expect(patched.json.profile.nickname).toBeUndefined();
    const kept = await ctx.call('PATCH', `/api/v1/users/${user['id']}`, { type: 'application/merge-patch+json', body: { email: 'newer@example.com', email_verified: true } });
    expect(kept.json.email_verified).toBe(true);
    const audit = await ctx.call('GET', `/api/v1/audit?user_id=${user['id']}`);
    expect(audit.json.entries[1]).toMatchObject({ actor: 'admin', operation: 'user.update', fields: expect.arrayContaining(['email', 'email_verified', 'profile.nickname', 'attributes.a', 'attributes.c']) });
    // Never values: neither the password nor the email appears in the log.
    expect(JSON.stringify(audit.json)).not.toMatch(/correct horse|new@example\.com/);
    expect((await ctx.call('PATCH', `/api/v1/users/${user['id']}`, { type: 'application/merge-patch+json', body: { blocked: true } })).status).toBe(400);
    expect((await ctx.call('PATCH', `/api/v1/users/${user['id']}`, { type: 'text/plain', body: '{}' })).status).toBe(415);
    expect((await ctx.call('PATCH', `/api/v1/users/${user['id']}`, { type: 'application/merge-patch+json', body: '{nope' })).status).toBe(400);
  });

  it('If-Match: a stale ETag is 412; of two PATCHes with the same ETag exactly one wins', async () => {
    const user = await createUser();
    const etag = (await ctx.call('GET', `/api/v1/users/${user['id']}`)).headers.get('etag')!;
    const patch = (nickname: string) =>
      ctx.call('PATCH', `/api/v1/users/${user['id']}`, { type: 'application/merge-patch+json', body: { profile: { nickname } }, headers: { 'if-match': etag } });
    const results = await Promise.all([patch('one'), patch('two')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    expect(results.find((r) => r.status === 412)!.json.code).toBe('precondition_failed');
    expect((await ctx.call('DELETE', `/api/v1/users/${user['id']}`, { headers: { 'if-match': etag } })).status).toBe(412);
    expect((await ctx.call('POST', `/api/v1/users/${user['id']}/block`, { headers: { 'if-match': 'W/"x"' } })).status).toBe(412);
  });

  it('lists with an opaque cursor across pages while rows are inserted, each row once', async () => {
    const before = [];
    for (let i = 0; i < 7; i++) before.push((await createUser())['id']);
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const page: any = await ctx.call('GET', `/api/v1/users?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.json.users.map((u: any) => u.id));
      cursor = page.json.next_cursor;
      if (inserted < 2) {
        await createUser(); // inserted mid-listing: after every row seen so far
        inserted++;
      }
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 7)).toEqual(before);
    expect(seen).toHaveLength(9);
    expect((await ctx.call('GET', '/api/v1/users?cursor=%%%')).status).toBe(400);
    expect((await ctx.call('GET', '/api/v1/users?cursor=bm9wZQ')).status).toBe(400);
  });

  it('actions: mark verified, verification and reset mails, block (revokes at once) and unblock', async () => {
    const user = await createUser({ profile: { language: 'fr' } });
    const id = user['id'];
    const verification = await ctx.call('POST', `/api/v1/users/${id}/send-verification-email`);
    expect(verification.status).toBe(202);
    expect(ctx.recorder.mails.at(-1)).toMatchObject({ template: 'verify-email', locale: 'fr' });
    expect((await ctx.call('POST', `/api/v1/users/${id}/mark-email-verified`)).json.email_verified).toBe(true);
    expect((await ctx.call('POST', `/api/v1/users/${id}/send-verification-email`)).status).toBe(409);
    expect((await ctx.call('POST', `/api/v1/users/${id}/send-password-reset-email`, { body: { locale: 'de' } })).status).toBe(202);
    expect(ctx.recorder.mails.at(-1)).toMatchObject({ template: 'reset-password', locale: 'de' });
    const blocked = await ctx.call('POST', `/api/v1/users/${id}/block`);
    expect(blocked.json.blocked).toBe(true);
    expect(ctx.recorder.revoked).toEqual([{ userId: id, consents: undefined }]);
    expect((await ctx.services.directory.authenticate(user['email'], 'correct horse')).ok).toBe(false);
    expect((await ctx.call('POST', `/api/v1/users/${id}/unblock`)).json.blocked).toBe(false);
    expect((await ctx.call('POST', '/api/v1/users/nope/block')).status).toBe(404);
  });

  it('delete revokes sessions, tokens and consents, then removes the user', async () => {
    const user = await createUser();
    expect((await ctx.call('DELETE', `/api/v1/users/${user['id']}`)).status).toBe(204);
    expect(ctx.recorder.revoked).toEqual([{ userId: user['id'], consents: true }]);
    expect((await ctx.call('GET', `/api/v1/users/${user['id']}`)).status).toBe(404);
    expect((await ctx.call('DELETE', `/api/v1/users/${user['id']}`)).status).toBe(404);
  });
});

describe('errors and auth', () => {
  it('answers problem+json for 400, 401, 403, 404, 405, 413 and 415', async () => {
    expect((await ctx.call('GET', '/api/v1/users', { token: null })).status).toBe(401);
    const wrong = await ctx.call('GET', '/api/v1/users', { token: 'idbt_xxxxxxxxxxxxxxxxxxxxxx_yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await ctx.call('POST', '/api/v1/users', { body: { email: 'not an email', password: 'x' } })).json).toMatchObject({ status: 400, code: 'invalid_request' });
    expect((await ctx.call('GET', '/api/v1/nothing')).status).toBe(404);
    const put = await ctx.call('PUT', '/api/v1/users/abc', { body: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, PATCH, DELETE');
    expect((await ctx.call('POST', '/api/v1/users', { body: JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(70_000) }) })).status).toBe(413);
    expect((await ctx.call('POST', '/api/v1/users', { body: 'email=a', type: 'application/x-www-form-urlencoded' })).status).toBe(415);
  });

  it('API tokens: scopes enforced per operation (403 insufficient_scope), revoked tokens refused', async () => {
    const reader = await ctx.services.apiTokens.create(['users:read'], 'reader');
    const writer = await ctx.services.apiTokens.create(['users:write', 'users:read']);
    const user = await createUser();
    expect((await ctx.call('GET', `/api/v1/users/${user['id']}`, { token: reader.token })).status).toBe(200);
    const denied = await ctx.call('PATCH', `/api/v1/users/${user['id']}`, { token: reader.token, type: 'application/merge-patch+json', body: { username: 'x' } });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ code: 'insufficient_scope', scope: 'users:write' });
    expect((await ctx.call('GET', '/api/v1/audit', { token: writer.token })).status).toBe(403);
    expect((await ctx.call('POST', `/api/v1/users/${user['id']}/block`, { token: writer.token })).status).toBe(200);
    const audit = await ctx.call('GET', '/api/v1/audit');
    expect(audit.json.entries[0]).toMatchObject({ actor: `token:${writer.record.id}`, operation: 'user.block', user_id: user['id'], fields: ['blocked'] });
    // Stored hashed, never in clear.
    expect(JSON.stringify(await ctx.services.apiTokens.list())).not.toContain(reader.token.split('_').at(-1));
    await ctx.services.apiTokens.revoke(reader.record.id);
    expect((await ctx.call('GET', `/api/v1/users/${user['id']}`, { token: reader.token })).status).toBe(401);
  });
});

describe('a directory other than the built-in table', () => {
  it('serves reads through the directory and refuses writes with 501 naming the reason', async () => {
    const known = { id: 'u_site1', email: 'site@example.com', username: null, emailVerified: true, blocked: false, profile: { email: 'site@example.com' }, attributes: {}, phone: null, customerId: null, externalId: null, loginsCount: 2, loginTime: 1_700_000_000_000, createTime: 1_600_000_000_000, updateTime: 1_600_000_000_000 };
    const site: UserDirectory = {
      authenticate: async () => ({ ok: false, reason: 'invalid_credentials' }),
      findById: async (id) => (id === known.id ? known : null),
      findByEmail: async (email) => (email === known.email ? known : null),
      recordLogin: async () => {},
    };
    ctx.close();
    ctx = await setup({}, site);
    expect((await ctx.call('GET', '/api/v1/users/u_site1')).json).toMatchObject({ id: 'u_site1', logins_count: '2', email_verified: true });
    expect((await ctx.call('GET', '/api/v1/users/by-email/site%40example.com')).status).toBe(200);
    for (const [method, path] of [['POST', '/api/v1/users/u_site1/block'], ['DELETE', '/api/v1/users/u_site1'], ['GET', '/api/v1/users']] as const) {
      const res = await ctx.call(method, path);
      expect(res.status).toBe(501);
      expect(res.json.code).toBe('not_implemented');
    }
  });
});

describe('custom attributes against the profile model (config file profile)', () => {
  const PROFILE = {
    fields: {
      coffee: { type: 'select', label: 'Coffee', options: ['espresso', 'latte'], requirement: 'required' },
      shoe: { type: 'number', label: 'Shoe size', min: 30, max: 50 },
      code: { type: 'text', label: 'Code', pattern: '[A-Z]{3}', requirement: 'hidden' },
    },
  };
  let profiled: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    profiled = await setup({}, undefined, { profile: PROFILE });
  });
  afterEach(() => profiled.close());
  const create = (attributes: Record<string, string>) =>
    profiled.call('POST', '/api/v1/users', { body: { email: `p${Math.random().toString(36).slice(2)}@example.com`, password: 'correct horse', attributes } });

  it('accepts the model\'s fields (hidden ones too; a required one may be missing: the bridge asks for it)', async () => {
    const ok = await create({ coffee: 'latte', shoe: '42.50', code: 'ABC' });
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
    expect(ok.json.attributes).toEqual({ coffee: 'latte', shoe: '42.50', code: 'ABC' });
    expect((await create({ shoe: '31' })).status).toBe(201);
  });

  it('answers 400 naming an unknown field, and the rule a bad value breaks; nothing is stored', async () => {
    const unknown = await create({ tea: 'green', coffee: 'latte' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.detail).toBe('attributes.tea: is not a custom profile field (the config file\'s profile.fields defines: coffee, shoe, code)');
    const standard = await create({ fullname: 'Ann' });
    expect(standard.status).toBe(400);
    expect(standard.json.detail).toMatch(/^attributes\.fullname: is a standard profile field/);
    const bad = await create({ coffee: 'mocha', shoe: '99', code: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toBe(
      'attributes.coffee: Please choose one of the offered values for Coffee.; attributes.shoe: Shoe size must be at most 50.; attributes.code: Code is not in the expected format.',
    );
    expect((await create({ shoe: 'twelve' })).json.detail).toBe('attributes.shoe: Shoe size must be a number.');
    const list = await profiled.call('GET', '/api/v1/users');
    expect(list.json.users).toEqual([]);
  });

  it('checks the values a PATCH writes; removing an attribute (null) is always allowed', async () => {
    const user = (await create({ coffee: 'latte' })).json;
    const bad = await profiled.call('PATCH', `/api/v1/users/${user.id}`, { body: { attributes: { shoe: '10' } }, type: 'application/merge-patch+json' });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toBe('attributes.shoe: Shoe size must be at least 30.');
    expect((await profiled.call('GET', `/api/v1/users/${user.id}`)).json.attributes).toEqual({ coffee: 'latte' });
    const removed = await profiled.call('PATCH', `/api/v1/users/${user.id}`, { body: { attributes: { coffee: null } }, type: 'application/merge-patch+json' });
    expect(removed.status).toBe(200);
    expect(removed.json.attributes).toEqual({});
  });
});

describe("the app's own mail service", () => {
  it('sends the set-password invitation through services.mail (here: the development outbox)', async () => {
    const own = await setup({}, undefined, { appMail: true });
    try {
      const res = await own.call('POST', '/api/v1/users', { body: { email: 'invited@example.com', locale: 'de' } });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      const mails = await own.services.outbox!.list();
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({ to: 'invited@example.com', template: 'set-password', locale: 'de' });
      expect(mails[0]!.text).toContain(res.json.id);
    } finally {
      own.close();
    }
  });
});

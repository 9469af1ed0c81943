/** `/api/v1/webhooks`: management behind the admin token, bad input answered with JSON errors. */
import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';

const TOKEN = 'admin-token-for-tests-0123456789';

async function app() {
  const base = testConfig();
  return testApp({ config: { ...base, identity: { ...base.identity, adminToken: TOKEN } } });
}
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };

describe('webhook management routes', () => {
  it('create (secret once), list, get, deliveries, delete', async () => {
    const t = await app();
    const created = await t.app.request('/api/v1/webhooks', { method: 'POST', headers: json, body: JSON.stringify({ url: 'https://hooks.example.com/idbridge', events: ['user.created', 'user.blocked'] }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const endpoint = await created.json();
    expect(endpoint).toMatchObject({ url: 'https://hooks.example.com/idbridge', events: ['user.created', 'user.blocked'] });
    expect(endpoint.secret).toMatch(/^whsec_/);

    const list = await (await t.app.request('/api/v1/webhooks', { headers: auth })).json();
    expect(list.endpoints).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(endpoint.secret);
    const one = await (await t.app.request(`/api/v1/webhooks/${endpoint.id}`, { headers: auth })).json();
    expect(one).toEqual({ id: endpoint.id, url: endpoint.url, events: endpoint.events, create_time: endpoint.create_time });

    // A user created after the endpoint: fanned out on the next worker run (the delivery itself fails here: no network).
    await t.services.userStore.insert({ id: 'u1', email: 'u1@example.com', username: null, passwordHash: null, profile: {}, phone: null, customerId: null, externalId: null, emailVerified: false, blocked: false, createTime: t.clock.now() + 1 });
    await t.services.webhookDelivery.run();
    const deliveries = await (await t.app.request(`/api/v1/webhooks/${endpoint.id}/deliveries?limit=10`, { headers: auth })).json();
    expect(deliveries.deliveries).toMatchObject([{ type: 'user.created', user_id: 'u1', sequence: 1, status: 'pending', attempts: 1, last_error: 'connection_failed' }]);

    expect((await t.app.request(`/api/v1/webhooks/${endpoint.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await t.app.request(`/api/v1/webhooks/${endpoint.id}`, { headers: auth })).status).toBe(404);
    expect((await t.app.request(`/api/v1/webhooks/${endpoint.id}/deliveries`, { headers: auth })).status).toBe(404);
    t.close();
  });

  it('needs the admin token or an API token with webhooks:admin (the Users API tokens)', async () => {
    const t = await app();
    for (const [headers, challenge] of [
      [{}, 'Bearer'],
      [{ authorization: 'Bearer wrong' }, 'Bearer error="invalid_token"'],
      [{ authorization: TOKEN }, 'Bearer'],
    ] as Array<[Record<string, string>, string]>) {
      const res = await t.app.request('/api/v1/webhooks', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(challenge);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    const scoped = await t.services.apiTokens.create(['webhooks:admin']);
    const ok = await t.app.request('/api/v1/webhooks', { headers: { authorization: `Bearer ${scoped.token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ endpoints: [] });
    // A Users API token without the scope: 403, and nothing is created.
    const users = await t.services.apiTokens.create(['users:read', 'users:write']);
    const refused = await t.app.request('/api/v1/webhooks', {
      method: 'POST',
      headers: { authorization: `Bearer ${users.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://hooks.example.com/x', events: ['user.created'] }),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="webhooks:admin"');
    expect(await refused.json()).toMatchObject({ error: 'insufficient_scope' });
    expect(await t.services.webhooks.list()).toEqual([]);
    await t.services.apiTokens.revoke(scoped.record.id);
    expect((await t.app.request('/api/v1/webhooks', { headers: { authorization: `Bearer ${scoped.token}` } })).status).toBe(401);
    t.close();
    // No admin token configured: the admin token cannot be guessed into existence.
    const off = await testApp();
    expect((await off.app.request('/api/v1/webhooks', { headers: auth })).status).toBe(401);
    off.close();
  });

  it('answers bad input with 400 and stores nothing', async () => {
    const t = await app();
    const post = (body: string) => t.app.request('/api/v1/webhooks', { method: 'POST', headers: json, body });
    const cases: Array<[string, RegExp]> = [
      ['{', /./],
      ['[]', /./],
      [JSON.stringify({ events: ['user.created'] }), /url: required/],
      [JSON.stringify({ url: 'ftp://x.example/', events: '*' }), /url: must be https/],
      [JSON.stringify({ url: 'http://hooks.example.com/', events: '*' }), /url: must be https/],
      [JSON.stringify({ url: 'https://u:p@hooks.example.com/', events: '*' }), /user name or password/],
      [JSON.stringify({ url: 'not a url', events: '*' }), /not a valid URL/],
      [JSON.stringify({ url: `https://x.example/${'a'.repeat(3000)}`, events: '*' }), /2048/],
      [JSON.stringify({ url: 'https://x.example/', events: [] }), /events: required/],
      [JSON.stringify({ url: 'https://x.example/', events: ['user.created', 7] }), /unknown event type/],
      [JSON.stringify({ url: 'https://x.example/', events: 'user.nope' }), /unknown event type "user.nope"/],
      [JSON.stringify({ url: 'https://x.example/', events: '*', secret: 'mine' }), /secret: unknown field/],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      const answer = await res.json();
      expect(answer.error).toBe('invalid_request');
      expect(answer.error_description).toMatch(message);
    }
    expect((await t.app.request('/api/v1/webhooks/wh_x/deliveries?limit=-1', { headers: auth })).status).toBe(400);
    expect((await t.app.request('/api/v1/webhooks/wh_x/deliveries?limit=5000', { headers: auth })).status).toBe(404);
    expect((await t.app.request('/api/v1/webhooks/wh_x', { method: 'PUT', headers: auth })).status).toBe(404);
    expect((await (await t.app.request('/api/v1/webhooks', { headers: auth })).json()).endpoints).toEqual([]);
    // http to localhost is the development exception.
    expect((await post(JSON.stringify({ url: 'http://localhost:8080/h', events: '*' }))).status).toBe(201);
    t.close();
  });
});

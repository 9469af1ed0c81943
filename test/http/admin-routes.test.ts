/** The admin JSON API's client update: in place, validated as registration is, errors naming wire fields. */
import { afterEach, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';

const TOKEN = 'admin-token-admin-token-admin-token-0123';
let close: (() => void) | undefined;
afterEach(() => close?.());

async function admin() {
  const t = await testApp({ config: testConfig({ IDBRIDGE_ADMIN_TOKEN: TOKEN }) });
  close = t.close;
  const call = (method: string, path: string, body?: unknown) =>
    t.app.request(path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const created = await call('POST', '/admin/clients', { name: 'App', redirect_uris: ['https://app.example/cb'] });
  expect(created.status).toBe(201);
  return { ...t, call, client: (await created.json()) as Record<string, unknown> };
}

describe('admin API: clients', () => {
  it('PATCH changes redirect URIs, name and trusted in place, at once', async () => {
    const { call, client, services } = await admin();
    const id = client['client_id'] as string;
    await services.clients.find(id); // cached, as after a sign-in
    const res = await call('PATCH', `/admin/clients/${id}`, { redirect_uris: ['https://app.example/new'], name: 'Renamed', trusted: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ client_id: id, name: 'Renamed', trusted: true, redirect_uris: ['https://app.example/new'] });
    expect((await services.clients.find(id))?.redirectUris).toEqual(['https://app.example/new']);
    const listed = (await (await call('GET', `/admin/clients/${id}`)).json()) as Record<string, unknown>;
    expect(listed).toMatchObject({ name: 'Renamed', public: false, scopes: client['scopes'] });
  });

  it('names the wire field and the bad URI in validation errors, for registration and update', async () => {
    const { call, client } = await admin();
    const bad = await call('POST', '/admin/clients', { name: 'X', redirect_uris: ['https://ok.example/cb', 'ftp://bad.example/cb'] });
    expect(bad.status).toBe(400);
    const description = ((await bad.json()) as { error_description: string }).error_description;
    expect(description).toBe('redirect_uris: "ftp://bad.example/cb" is not an absolute https URL (http only for localhost/127.0.0.1) without fragment');
    const patch = await call('PATCH', `/admin/clients/${client['client_id']}`, { post_logout_redirect_uris: ['https://x.example/#frag'] });
    expect(patch.status).toBe(400);
    expect(((await patch.json()) as { error_description: string }).error_description).toMatch(/^post_logout_redirect_uris: "https:\/\/x\.example\/#frag" is not/);
  });

  it('refuses fields that cannot change, an empty change and an unknown client', async () => {
    const { call, client } = await admin();
    const id = client['client_id'] as string;
    const secret = await call('PATCH', `/admin/clients/${id}`, { public: true, client_id: 'c_mine' });
    expect(secret.status).toBe(400);
    expect(((await secret.json()) as { error_description: string }).error_description).toMatch(/^public, client_id: cannot be changed/);
    const empty = await call('PATCH', `/admin/clients/${id}`, {});
    expect(empty.status).toBe(400);
    expect((await call('PATCH', '/admin/clients/c_nobody', { name: 'N' })).status).toBe(404);
    expect((await call('GET', `/admin/clients/${id}`)).status).toBe(200);
  });
});

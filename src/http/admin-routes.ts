import { Hono, type MiddlewareHandler } from 'hono';
import { IdbridgeError, invalidRequest } from '../errors.js';
import { clientView, type ClientRegistry } from '../provider/oidc/client-registry.js';
import { timingSafeEqualStrings } from '../util/bytes.js';
import type { AppEnv } from './context.js';
import { jsonBody } from './params.js';

const UPDATABLE = ['name', 'redirect_uris', 'post_logout_redirect_uris', 'trusted'];

/**
 * The admin bearer token check (`IDBRIDGE_ADMIN_TOKEN`), compared in constant time; without a
 * configured token the routes behind it do not exist (404). Shared by the admin API and the
 * bulk-import jobs.
 */
export function adminTokenAuth(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  return async function adminTokenAuth(c, next) {
    if (!adminToken) throw new IdbridgeError('not_found', 'The admin API is not enabled.');
    const m = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '');
    // Constant-time: the admin token is the key to every client's configuration.
    if (!m || !(await timingSafeEqualStrings(m[1]!, adminToken))) {
      c.header('www-authenticate', 'Bearer');
      throw new IdbridgeError('unauthorized', 'A valid admin bearer token is required.');
    }
    await next();
  };
}

/**
 * Admin JSON API (clients), behind the bearer token from `IDBRIDGE_ADMIN_TOKEN`; absent token
 * configuration disables the API entirely (404).
 */
export function adminRoutes(clients: ClientRegistry, adminToken: string | undefined) {
  const app = new Hono<AppEnv>();
  app.use('/admin/*', async (c, next) => {
    c.set('errorFormat', 'json');
    await next();
  });
  app.use('/admin/*', adminTokenAuth(adminToken));

  app.get('/admin/clients', async (c) => c.json({ clients: (await clients.list()).map(clientView) }));
  app.post('/admin/clients', async (c) => {
    const body = await jsonBody(c);
    const { client, clientSecret } = await clients.register({
      name: body['name'] as string,
      redirectUris: body['redirect_uris'] as string[],
      postLogoutRedirectUris: body['post_logout_redirect_uris'] as string[] | undefined,
      public: body['public'] as boolean | undefined,
      trusted: body['trusted'] as boolean | undefined,
      scopes: body['scopes'] as string[] | undefined,
    });
    c.header('cache-control', 'no-store');
    return c.json({ ...clientView(client), ...(clientSecret ? { client_secret: clientSecret } : {}) }, 201);
  });
  app.get('/admin/clients/:id', async (c) => {
    const client = await clients.find(c.req.param('id'));
    if (!client) throw new IdbridgeError('not_found', 'No such client.');
    return c.json(clientView(client));
  });
  // Change a client in place (same client_id and secret); absent fields stay as they are.
  app.patch('/admin/clients/:id', async (c) => {
    const body = await jsonBody(c);
    const unknown = Object.keys(body).filter((key) => !UPDATABLE.includes(key));
    if (unknown.length > 0) throw invalidRequest(`${unknown.join(', ').slice(0, 200)}: cannot be changed (only ${UPDATABLE.join(', ')})`);
    const client = await clients.update(c.req.param('id'), {
      name: body['name'] as string | undefined,
      redirectUris: body['redirect_uris'] as string[] | undefined,
      postLogoutRedirectUris: body['post_logout_redirect_uris'] as string[] | undefined,
      trusted: body['trusted'] as boolean | undefined,
    });
    return c.json(clientView(client));
  });
  app.delete('/admin/clients/:id', async (c) => {
    await clients.remove(c.req.param('id'));
    return c.body(null, 204);
  });
  return app;
}

/**
 * The Users REST API under /api/v1 (OpenAPI 3.1 at /api/openapi.json, a server-rendered reference
 * at /api/docs). Handlers are thin: authenticate, check the scope, parse (the zod schemas of
 * `user-resource.ts`), call {@link UsersApi}, render. Every error is RFC 9457 problem+json.
 */
import { createRoute, OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { IdbridgeError, invalidFields } from '../errors.js';
import type { AppEnv } from '../http/context.js';
import { jsonBody } from '../http/params.js';
import { bearerAuth, requireScope, type ApiEnv } from './api-auth.js';
import { API_SCOPES, type ApiScope, type ApiTokens } from './api-tokens.js';
import { renderDocsPage } from './docs-page.js';
import type { AuditStore } from './ports.js';
import { toE164, UserCreateSchema, UserPatchSchema, UserSchema } from './user-resource.js';
import type { UsersApi, VersionedUser } from './users-service.js';


export interface UsersRoutesDeps {
  users: UsersApi;
  tokens: ApiTokens;
  audit: AuditStore;
  /** The admin token (config `identity.adminToken`): every scope. */
  adminToken: string | undefined;
}

const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
  })
  .catchall(z.unknown())
  .openapi('Problem', { description: 'RFC 9457 problem details.' });

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });
const etagHeader = { ETag: { description: 'Entity tag of the representation (strong).', schema: { type: 'string' as const } } };
const userResponse = (description: string) => ({ description, headers: etagHeader, content: { 'application/json': { schema: UserSchema } } });

const COMMON_ERRORS = {
  400: problem('Invalid request (the detail names each field).'),
  401: problem('No or an invalid bearer token.'),
  403: problem('The token lacks the scope (`insufficient_scope`).'),
  405: problem('Method not allowed.'),
};
const WRITE_ERRORS = {
  ...COMMON_ERRORS,
  404: problem('No such user.'),
  409: problem('Duplicate email, username, customer or external id, or a state conflict.'),
  412: problem('If-Match does not match the current ETag.'),
  413: problem('Body too large.'),
  415: problem('Wrong content type.'),
  501: problem('The user directory is a site database (federated): writes are not available.'),
  503: problem('A mail or the revocation could not be completed; retry.'),
};

const IdParam = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: 'id', in: 'path' }, example: 'u_AbC' }) });
const IfMatchHeader = z.object({
  'if-match': z.string().max(1024).optional().openapi({ param: { name: 'if-match', in: 'header' }, description: 'Only act if the user still has this ETag (412 otherwise).' }),
});
const LocaleBody = z.object({ locale: z.string().regex(/^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$/).optional() }).strict().openapi('MailOptions');

const UserListSchema = z
  .object({
    users: z.array(UserSchema),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .openapi('UserList');
const UserSearchSchema = z.object({ users: z.array(UserSchema) }).openapi('UserSearchResult');
const AuditListSchema = z
  .object({
    entries: z.array(
      z.object({
        seq: z.number().int(),
        at: z.iso.datetime({ offset: true }),
        actor: z.string(),
        operation: z.string(),
        user_id: z.string().nullable(),
        fields: z.array(z.string()),
      }),
    ),
    next_before: z.number().int().nullable(),
  })
  .openapi('AuditList');

const limitParam = z.coerce.number().int().min(1).max(200).default(50);

/** A route of this API: its scope, declared for the docs and enforced before validation. */
function route<R extends RouteConfig>(scope: ApiScope, config: R & { body?: 'json' | 'merge-patch' | 'optional-json' }): R {
  const middleware: MiddlewareHandler<ApiEnv>[] = [requireScope(scope)];
  if (config.body) {
    const types = config.body === 'merge-patch' ? ['application/merge-patch+json', 'application/json'] : ['application/json'];
    // Read the body through the one JSON reader first: the one body limit (413), the content
    // type (415) and malformed JSON (400) answer as problems before the schema validator runs
    // (which then reads the cached text).
    middleware.push(async (c, next) => {
      if (config.body === 'optional-json' && !c.req.header('content-type') && !(await c.req.text())) return next();
      await jsonBody(c, types);
      await next();
    });
  }
  const { body: _body, ...rest } = config;
  return createRoute({ ...rest, middleware, security: [{ bearer: [scope] }] }) as unknown as R;
}

/** The Users API router (mounted by the app factory). */
export function usersRoutes(deps: UsersRoutesDeps) {
  const app = new OpenAPIHono<ApiEnv>({
    // Schema failures become one 400 problem listing every field (never zod's own shape).
    defaultHook: (result) => {
      if (!result.success) throw invalidFields(result.error.issues, {}, 'request');
    },
  });

  app.use('/api/*', async (c, next) => {
    c.set('errorFormat', 'problem');
    await next();
  });
  app.use('/api/v1/*', bearerAuth(deps));

  const { users } = deps;
  const send = (c: Context, v: VersionedUser, status: 200 | 201 = 200) => {
    c.header('etag', v.etag);
    return c.json(v.resource, status);
  };
  const caller = (c: Context<ApiEnv>) => c.get('caller');

  app.openapi(
    route('users:read', {
      method: 'get',
      path: '/api/v1/users/by-email/{email}',
      summary: 'Get a user by email (case-insensitive)',
      tags: ['Users'],
      request: { params: z.object({ email: z.string().min(1).max(254).openapi({ param: { name: 'email', in: 'path' } }) }) },
      responses: { 200: userResponse('The user.'), 404: problem('No such user.'), ...COMMON_ERRORS },
    }),
    async (c) => send(c, await users.byEmail(c.req.valid('param').email)) as never,
  );

  app.openapi(
    route('users:read', {
      method: 'get',
      path: '/api/v1/users/by-customer/{customer}',
      summary: "Get a user by the tenant's customer id",
      tags: ['Users'],
      request: { params: z.object({ customer: z.string().min(1).max(128).openapi({ param: { name: 'customer', in: 'path' } }) }) },
      responses: { 200: userResponse('The user.'), 404: problem('No such user.'), 501: problem('Not available for a site directory.'), ...COMMON_ERRORS },
    }),
    async (c) => send(c, await users.byCustomer(c.req.valid('param').customer)) as never,
  );

  app.openapi(
    route('users:read', {
      method: 'get',
      path: '/api/v1/users/search',
      summary: 'Search by email, phone (compared in E.164) or external id',
      description: 'Exactly one of `email`, `phone`, `external_id`. A phone without `+` is read in the national format of `region`.',
      tags: ['Users'],
      request: {
        query: z.object({
          email: z.string().min(1).max(254).optional(),
          phone: z.string().min(1).max(32).optional(),
          region: z.string().regex(/^[A-Za-z]{2}$/).optional().openapi({ description: 'ISO 3166-1 alpha-2 region for a national phone number.' }),
          external_id: z.string().min(1).max(128).optional(),
          limit: limitParam,
        }),
      },
      responses: { 200: { description: 'The matching users (possibly none).', content: { 'application/json': { schema: UserSearchSchema } } }, 501: problem('Not available for a site directory.'), ...COMMON_ERRORS },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const given = (['email', 'phone', 'external_id'] as const).filter((k) => q[k] !== undefined);
      if (given.length !== 1) throw invalidFields([{ path: [], message: 'give exactly one of email, phone, external_id' }], {}, 'query');
      let phone: string | undefined;
      if (q.phone !== undefined) {
        phone = toE164(q.phone, q.region);
        if (!phone) throw invalidFields([{ path: ['phone'], message: 'not a phone number (international, or national with region)' }], {}, 'query');
      }
      const found = await users.search({ email: q.email, phone, externalId: q.external_id }, q.limit);
      return c.json({ users: found.map((u) => u.resource) }) as never;
    },
  );

  app.openapi(
    route('users:read', {
      method: 'get',
      path: '/api/v1/users',
      summary: 'List users (cursor pagination, ordered by create_time, id)',
      tags: ['Users'],
      request: {
        query: z.object({
          cursor: z.string().max(400).optional().openapi({ description: 'Opaque; from `next_cursor` of the previous page.' }),
          limit: limitParam,
        }),
      },
      responses: { 200: { description: 'A page of users.', content: { 'application/json': { schema: UserListSchema } } }, 501: problem('Not available for a site directory.'), ...COMMON_ERRORS },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await users.list(q.cursor, q.limit);
      return c.json({ users: page.users.map((u) => u.resource), next_cursor: page.nextCursor }) as never;
    },
  );

  // After the literal paths (search, by-email, by-customer): the router tries routes in order.
  app.openapi(
    route('users:read', {
      method: 'get',
      path: '/api/v1/users/{id}',
      summary: 'Get a user by id',
      tags: ['Users'],
      request: { params: IdParam },
      responses: { 200: userResponse('The user.'), 404: problem('No such user.'), ...COMMON_ERRORS },
    }),
    async (c) => send(c, await users.get(c.req.valid('param').id)) as never,
  );

  app.openapi(
    route('users:write', {
      method: 'post',
      path: '/api/v1/users',
      summary: 'Create a user (with a password, a pre-hashed password, or an invitation mail)',
      tags: ['Users'],
      body: 'json',
      request: { body: { required: true, content: { 'application/json': { schema: UserCreateSchema } } } },
      responses: { 201: userResponse('The created user.'), ...WRITE_ERRORS },
    }),
    async (c) => {
      const created = await users.create(c.req.valid('json'), caller(c));
      c.header('location', `/api/v1/users/${encodeURIComponent(created.resource.id)}`);
      return send(c, created, 201) as never;
    },
  );

  app.openapi(
    route('users:write', {
      method: 'patch',
      path: '/api/v1/users/{id}',
      summary: 'Update a user (JSON Merge Patch, RFC 7396)',
      description: 'Changing `email` resets `email_verified` to false unless the patch sets `email_verified` itself.',
      tags: ['Users'],
      body: 'merge-patch',
      request: {
        params: IdParam,
        headers: IfMatchHeader,
        body: {
          required: true,
          content: { 'application/merge-patch+json': { schema: UserPatchSchema }, 'application/json': { schema: UserPatchSchema } },
        },
      },
      responses: { 200: userResponse('The updated user.'), ...WRITE_ERRORS },
    }),
    async (c) => send(c, await users.patch(c.req.valid('param').id, c.req.valid('json'), c.req.valid('header')['if-match'], caller(c))) as never,
  );

  app.openapi(
    route('users:write', {
      method: 'delete',
      path: '/api/v1/users/{id}',
      summary: 'Delete a user (ends sessions, revokes tokens, consents and linked identities)',
      tags: ['Users'],
      request: { params: IdParam, headers: IfMatchHeader },
      responses: { 204: { description: 'Deleted.' }, ...WRITE_ERRORS },
    }),
    async (c) => {
      await users.delete(c.req.valid('param').id, c.req.valid('header')['if-match'], caller(c));
      return c.body(null, 204) as never;
    },
  );

  const action = (path: string, summary: string, run: (c: Context<ApiEnv>, id: string, ifMatch: string | undefined) => Promise<VersionedUser>) =>
    app.openapi(
      route('users:write', {
        method: 'post',
        path: `/api/v1/users/{id}/${path}`,
        summary,
        tags: ['Actions'],
        request: { params: IdParam, headers: IfMatchHeader },
        responses: { 200: userResponse('The user after the action.'), ...WRITE_ERRORS },
      }),
      async (c) => send(c, await run(c, c.req.param('id')!, c.req.header('if-match'))) as never,
    );
  action('mark-email-verified', 'Mark the email address as verified', (c, id, m) => users.markEmailVerified(id, m, caller(c)));
  action('block', 'Block the user (ends sessions and revokes tokens at once)', (c, id, m) => users.setBlocked(id, true, m, caller(c)));
  action('unblock', 'Unblock the user', (c, id, m) => users.setBlocked(id, false, m, caller(c)));

  const mailAction = (path: string, summary: string, run: (c: Context<ApiEnv>, id: string, locale: string | undefined) => Promise<void>) =>
    app.openapi(
      route('users:write', {
        method: 'post',
        path: `/api/v1/users/{id}/${path}`,
        summary,
        tags: ['Actions'],
        body: 'optional-json',
        request: { params: IdParam, body: { required: false, content: { 'application/json': { schema: LocaleBody } } } },
        responses: { 202: { description: 'The mail was handed to the mail transport.' }, ...WRITE_ERRORS },
      }),
      async (c) => {
        await run(c, c.req.valid('param').id, c.req.valid('json').locale);
        return c.body(null, 202) as never;
      },
    );
  mailAction('send-verification-email', 'Send the email-address verification mail', (c, id, locale) => users.sendVerificationEmail(id, locale, caller(c)));
  mailAction('send-password-reset-email', 'Send the password-reset mail (set-password for accounts without one)', (c, id, locale) =>
    users.sendResetEmail(id, locale, caller(c)),
  );

  app.openapi(
    route('audit:read', {
      method: 'get',
      path: '/api/v1/audit',
      summary: 'The audit log of Users API writes (newest first)',
      tags: ['Audit'],
      request: {
        query: z.object({
          user_id: z.string().min(1).max(128).optional(),
          before: z.coerce.number().int().min(1).optional().openapi({ description: '`next_before` of the previous page.' }),
          limit: limitParam,
        }),
      },
      responses: { 200: { description: 'Audit entries.', content: { 'application/json': { schema: AuditListSchema } } }, ...COMMON_ERRORS },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await deps.audit.list({ limit: q.limit + 1, before: q.before, userId: q.user_id });
      const page = rows.slice(0, q.limit);
      return c.json({
        entries: page.map((e) => ({ seq: e.seq, at: new Date(e.at).toISOString(), actor: e.actor, operation: e.operation, user_id: e.userId, fields: e.fields })),
        next_before: rows.length > q.limit ? page.at(-1)!.seq : null,
      }) as never;
    },
  );

  // Known paths with a method they do not have: 405 with Allow (Hono would answer 404).
  const allowed: Array<[string, string]> = [
    ['/api/v1/users', 'GET, POST'],
    ['/api/v1/users/search', 'GET'],
    ['/api/v1/users/by-email/:email', 'GET'],
    ['/api/v1/users/by-customer/:customer', 'GET'],
    ['/api/v1/users/:id', 'GET, PATCH, DELETE'],
    ...['mark-email-verified', 'block', 'unblock', 'send-verification-email', 'send-password-reset-email'].map((a): [string, string] => [`/api/v1/users/:id/${a}`, 'POST']),
    ['/api/v1/audit', 'GET'],
  ];
  for (const [path, allow] of allowed) {
    app.all(path, (c) => {
      c.header('allow', allow);
      throw new IdbridgeError('method_not_allowed', `${c.req.method} is not allowed here (${allow}).`);
    });
  }

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: `An API token from \`idbridge token add --scope …\` (scopes: ${API_SCOPES.join(', ')}) or the admin token (every scope).`,
  });
  const documentConfig = {
    openapi: '3.1.0',
    info: {
      title: 'idbridge Users API',
      version: '1.0.0',
      description: 'Look users up, create, update and delete them, and trigger their mails. Errors are RFC 9457 problem documents.',
    },
  };
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  const openApiDocument = () => (document ??= app.getOpenAPI31Document(documentConfig));
  app.get('/api/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/api/docs', (c) => c.html(renderDocsPage(openApiDocument() as unknown as Record<string, unknown>)));
  return app;
}

/**
 * SCIM 2.0 under /scim/v2 (RFC 7644): Users (list with filter and startIndex/count, create, get,
 * replace, patch, delete) and the discovery endpoints. A facade over the same {@link UsersApi}
 * as the REST API, so there is one write path: the same validation, uniqueness, ETags, audit
 * entries, and revocation when `active` goes false (a block). Authentication is the API's bearer
 * tokens (scopes users:read / users:write). Handlers are thin: parse (the pure modules of this
 * folder), call the service, render `application/scim+json`; errors are RFC 7644 §3.12 documents.
 */
import { Hono, type Context } from 'hono';
import { IdbridgeError, isIdbridgeError } from '../../errors.js';
import { jsonBody, queryParams, single } from '../../http/params.js';
import type { ApiTokens } from '../api-tokens.js';
import { bearerAuth as authenticate, requireScope, type ApiEnv } from '../api-auth.js';
import { checkPrecondition, type UsersApi, type VersionedUser } from '../users-service.js';
import { listOf, MAX_RESULTS, serviceProviderConfig, userResourceType, userSchema } from './scim-discovery.js';
import { scimError } from './scim-errors.js';
import { matchesFilter, parseFilter } from './scim-filter.js';
import { applyPatch, parsePatchRequest } from './scim-patch.js';
import { LIST_RESPONSE_SCHEMA, USER_SCHEMA } from './scim-schema.js';
import { canonicalUser, patchChanges, putChanges, scimAttributeName, scimBase, toScimUser, toUserCreate, type ScimChanges } from './scim-user.js';

export interface ScimRoutesDeps {
  users: UsersApi;
  tokens: ApiTokens;
  adminToken: string | undefined;
  /** The public URL of the bridge (config `publicUrl`): `meta.location` is absolute. */
  publicUrl: string;
}

const SCIM_TYPE = 'application/scim+json; charset=utf-8';
const ROOT = '/scim/v2';

/** The SCIM router (mounted by the app factory at the bridge, next to the Users API). */
export function scimRoutes(deps: ScimRoutesDeps) {
  const app = new Hono<ApiEnv>();
  const base = `${deps.publicUrl}${ROOT}`;
  const { users } = deps;

  app.use(`${ROOT}/*`, async (c, next) => {
    c.set('errorFormat', 'scim');
    await next();
  });
  app.use(`${ROOT}/*`, authenticate(deps));

  const send = (c: Context, body: unknown, status: 200 | 201 = 200, etag?: string) => {
    if (etag) c.header('etag', etag);
    return c.body(JSON.stringify(body), status, { 'content-type': SCIM_TYPE });
  };
  const resource = (v: VersionedUser) => toScimUser(v.resource, v.etag, `${base}/Users/${encodeURIComponent(v.resource.id)}`);
  const sendUser = (c: Context, v: VersionedUser, status: 200 | 201 = 200) => send(c, resource(v), status, v.etag);

  app.get(`${ROOT}/ServiceProviderConfig`, requireScope('users:read'), (c) => send(c, serviceProviderConfig(base)));
  app.get(`${ROOT}/ResourceTypes`, requireScope('users:read'), (c) => send(c, listOf([userResourceType(base)])));
  app.get(`${ROOT}/ResourceTypes/User`, requireScope('users:read'), (c) => send(c, userResourceType(base)));
  app.get(`${ROOT}/Schemas`, requireScope('users:read'), (c) => send(c, listOf([userSchema(base)])));
  app.get(`${ROOT}/Schemas/:id`, requireScope('users:read'), (c) => {
    if (c.req.param('id') !== USER_SCHEMA) throw new IdbridgeError('not_found', 'No such schema (idbridge serves the core User schema).');
    return send(c, userSchema(base));
  });

  app.get(`${ROOT}/Users`, requireScope('users:read'), async (c) => {
    const q = queryParams(c);
    const filterText = single(q, 'filter');
    const startIndex = Math.max(1, integerParam(single(q, 'startIndex'), 'startIndex') ?? 1);
    const count = Math.min(MAX_RESULTS, Math.max(0, integerParam(single(q, 'count'), 'count') ?? MAX_RESULTS));
    let page: VersionedUser[];
    let total: number;
    if (filterText !== undefined) {
      const filter = parseFilter(filterText);
      // Every supported attribute is unique: one indexed lookup finds the only candidate, and
      // the whole filter is then checked against it.
      const key = filter.find((t) => t.attribute !== 'externalId') ?? filter[0]!;
      const candidates = await service(() => (key.attribute === 'externalId' ? users.search({ externalId: key.value }, 1) : users.search({ email: key.value }, 1)));
      const matching = candidates.filter((v) => matchesFilter(filter, resource(v) as never));
      total = matching.length;
      page = matching.slice(startIndex - 1, startIndex - 1 + count);
    } else {
      const result = await service(() => users.listByOffset(startIndex - 1, count));
      total = result.total;
      page = result.users;
    }
    return send(c, { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, startIndex, itemsPerPage: page.length, Resources: page.map(resource) });
  });

  app.post(`${ROOT}/Users`, requireScope('users:write'), async (c) => {
    const create = toUserCreate(canonicalUser(await scimBody(c)));
    const created = await service(() => users.create(create, c.get('caller')));
    c.header('location', `${base}/Users/${encodeURIComponent(created.resource.id)}`);
    return sendUser(c, created, 201);
  });

  app.get(`${ROOT}/Users/:id`, requireScope('users:read'), async (c) => sendUser(c, await service(() => users.get(c.req.param('id')))));

  /** Apply changes computed from the current user: the profile patch, then `active` (block / unblock). */
  const write = async (c: Context<ApiEnv>, compute: (current: VersionedUser) => ScimChanges) => {
    const id = c.req.param('id')!;
    const ifMatch = c.req.header('if-match');
    const current = await service(() => users.get(id));
    // A stale version fails before anything is written (the writes below check it again).
    checkPrecondition(ifMatch, current.etag);
    const changes = compute(current);
    let result = current;
    let condition = ifMatch;
    if (Object.keys(changes.patch).length > 0) {
      result = await service(() => users.patch(id, changes.patch, condition, c.get('caller')));
      // The version moved on with our own write; the block below is part of the same request.
      condition = undefined;
    }
    // active=false is a block: the service ends the user's sessions and revokes tokens at once.
    if (changes.active !== undefined) result = await service(() => users.setBlocked(id, !changes.active, condition, c.get('caller')));
    return sendUser(c, result);
  };

  app.put(`${ROOT}/Users/:id`, requireScope('users:write'), async (c) => {
    const doc = canonicalUser(await scimBody(c));
    return write(c, (current) => putChanges(doc, scimBase(current.resource)));
  });

  app.patch(`${ROOT}/Users/:id`, requireScope('users:write'), async (c) => {
    const operations = parsePatchRequest(await scimBody(c));
    return write(c, (current) => {
      const before = scimBase(current.resource);
      return patchChanges(before, applyPatch(before, operations));
    });
  });

  app.delete(`${ROOT}/Users/:id`, requireScope('users:write'), async (c) => {
    await service(() => users.delete(c.req.param('id'), c.req.header('if-match'), c.get('caller')));
    return c.body(null, 204);
  });

  // Known paths with a method they do not have: 405 with Allow; anything else under /scim/v2: 404.
  const allowed: Array<[string, string]> = [
    [`${ROOT}/Users`, 'GET, POST'],
    [`${ROOT}/Users/:id`, 'GET, PUT, PATCH, DELETE'],
    [`${ROOT}/ServiceProviderConfig`, 'GET'],
    [`${ROOT}/ResourceTypes`, 'GET'],
    [`${ROOT}/ResourceTypes/User`, 'GET'],
    [`${ROOT}/Schemas`, 'GET'],
    [`${ROOT}/Schemas/:id`, 'GET'],
  ];
  for (const [path, allow] of allowed) {
    app.all(path, (c) => {
      c.header('allow', allow);
      throw new IdbridgeError('method_not_allowed', `${c.req.method} is not allowed here (${allow}).`);
    });
  }
  app.all(`${ROOT}/*`, () => {
    throw new IdbridgeError('not_found', 'No such SCIM endpoint (idbridge serves Users, ServiceProviderConfig, ResourceTypes and Schemas).');
  });
  return app;
}

/** A 1-based index or a count: a decimal integer (RFC 7644 §3.4.2.4). */
function integerParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d{1,9}$/.test(value.trim())) throw scimError('invalidValue', `${name} must be an integer.`);
  return Number(value.trim());
}

/**
 * The JSON object of the body (`application/scim+json`, or `application/json`, which RFC 7644
 * §3.1 lets clients send): the one JSON reader and the one body limit; malformed JSON is
 * `invalidSyntax`.
 */
async function scimBody(c: Context): Promise<Record<string, unknown>> {
  try {
    return await jsonBody(c, ['application/scim+json', 'application/json']);
  } catch (error) {
    if (isIdbridgeError(error) && error.status === 400) throw scimError('invalidSyntax', error.description);
    throw error;
  }
}

/**
 * A Users API call, its errors in SCIM's vocabulary: a duplicate is `uniqueness` naming the SCIM
 * attribute; a refused value is `invalidValue`. Others (404, 412, 501, 503) keep their status.
 */
async function service<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isIdbridgeError(error) || error.extra['scimType']) throw error;
    if (error.code === 'conflict' && error.extra['field']) {
      throw scimError('uniqueness', `A user with this ${scimAttributeName(error.extra['field'])} already exists.`);
    }
    if (error.status === 400) throw scimError('invalidValue', error.description);
    throw error;
  }
}

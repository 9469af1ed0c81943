import { and, eq, gt, sql } from 'drizzle-orm';
import { IdbridgeError } from '../errors.js';
import type { AuthorizationRequest } from '../protocol/oidc/authorize.js';
import type { CheckIdRequest } from '../protocol/openid2/checkid.js';
import type { AuthRequest, AuthRequestStore, NewAuthRequest, PendingPayload, PostbackData } from '../provider/ports.js';
import { isAttributeName } from '../users/profile.js';
import { once, setPlaceholder, type Database } from './database.js';
import { authRequests } from './schema.js';

type Row = typeof authRequests.$inferSelect;

/** {@link AuthRequestStore} on `auth_requests`. */
export class AuthRequestRepository implements AuthRequestStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  private readonly byId = once(() =>
    this.db
      .select()
      .from(authRequests)
      .where(and(eq(authRequests.tenant, this.tenant), eq(authRequests.requestId, sql.placeholder('id'))))
      .limit(1)
      .prepare(),
  );

  // The sign-in path's statements, built once (see `once`); each transition stays one conditional UPDATE.
  private readonly byPlaceholder = () => and(eq(authRequests.tenant, this.tenant), eq(authRequests.requestId, sql.placeholder('id')));
  private readonly insertCreated = once(() =>
    this.db
      .insert(authRequests)
      .values({
        tenant: this.tenant,
        requestId: sql.placeholder('id'),
        protocol: sql.placeholder('protocol'),
        browserHash: sql.placeholder('browserHash'),
        state: 'created',
        realm: sql.placeholder('realm'),
        requestedAttributes: sql.placeholder('attributes'),
        immediate: sql.placeholder('immediate'),
        payload: sql.placeholder('payload'),
        createdAt: sql.placeholder('createdAt'),
        expiresAt: sql.placeholder('expiresAt'),
      })
      .prepare(),
  );
  private readonly toPostedBack = once(() =>
    this.db
      .update(authRequests)
      .set({
        state: 'posted_back',
        username: setPlaceholder('username'),
        attributes: setPlaceholder('attributes'),
        noPrompt: setPlaceholder('noPrompt'),
        authTime: setPlaceholder('authTime'),
        amr: setPlaceholder('amr'),
        acr: setPlaceholder('acr'),
        returnTokenHash: setPlaceholder('returnTokenHash'),
        postedAt: setPlaceholder('now'),
      })
      .where(and(this.byPlaceholder(), eq(authRequests.state, 'created'), gt(authRequests.expiresAt, sql.placeholder('now'))))
      .returning({ id: authRequests.requestId })
      .prepare(),
  );
  private readonly toOutcome = once(() =>
    this.db
      .update(authRequests)
      .set({ state: setPlaceholder('outcome'), completedAt: setPlaceholder('now') })
      .where(and(this.byPlaceholder(), eq(authRequests.state, sql.placeholder('from')), gt(authRequests.expiresAt, sql.placeholder('now'))))
      .returning()
      .prepare(),
  );

  async create(request: NewAuthRequest): Promise<void> {
    await this.insertCreated().run({
      id: request.requestId,
      protocol: request.protocol,
      browserHash: request.browserHash,
      realm: request.realm,
      attributes: request.requestedAttributes.join(','),
      immediate: request.immediate,
      payload: JSON.stringify(request.payload),
      createdAt: request.createdAt,
      expiresAt: request.expiresAt,
    });
  }

  async get(requestId: string): Promise<AuthRequest | null> {
    const rows = await this.byId().all({ id: requestId });
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async recordPostback(requestId: string, data: PostbackData, now: number): Promise<boolean> {
    const rows = await this.toPostedBack().all({
      id: requestId,
      username: data.username,
      attributes: JSON.stringify(data.attributes),
      noPrompt: data.noPrompt,
      authTime: data.authTime,
      amr: data.amr?.join(' ') ?? null,
      acr: data.acr ?? null,
      returnTokenHash: data.returnTokenHash,
      now,
    });
    return rows.length === 1;
  }

  async complete(
    requestId: string,
    from: 'created' | 'posted_back',
    outcome: 'completed' | 'cancelled',
    now: number,
  ): Promise<AuthRequest | null> {
    const rows = await this.toOutcome().all({ id: requestId, outcome, from, now });
    return rows[0] ? toRequest(rows[0]) : null;
  }
}

function toRequest(row: Row): AuthRequest {
  return {
    requestId: row.requestId,
    ...pendingPayload(row.protocol, row.payload),
    browserHash: row.browserHash,
    state: row.state,
    realm: row.realm,
    requestedAttributes: row.requestedAttributes.split(',').filter(isAttributeName),
    immediate: row.immediate,
    username: row.username,
    attributes: row.attributes ? JSON.parse(row.attributes) : null,
    noPrompt: row.noPrompt,
    authTime: row.authTime,
    amr: row.amr ? row.amr.split(' ').filter(Boolean) : null,
    acr: row.acr,
    returnTokenHash: row.returnTokenHash,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

/**
 * The stored payload, narrowed by the row's protocol. It is this code's own JSON (written by
 * `create`), so it is not re-validated field by field; but a payload that lacks what its protocol
 * needs to answer the relying party (a corrupt row, or one written by an incompatible version
 * during a deploy) reads as an unknown request, so the user is asked to start again instead of
 * failing later while the answer is built.
 */
function pendingPayload(protocol: Row['protocol'], text: string): PendingPayload {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    payload = undefined;
  }
  if (protocol === 'openid2' && isCheckIdRequest(payload)) return { protocol, payload };
  if (protocol === 'oidc' && isAuthorizationRequest(payload)) return { protocol, payload };
  throw new IdbridgeError('unknown_request', 'This sign-in request is unknown. Please start again from the site you came from.');
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

function isCheckIdRequest(value: unknown): value is CheckIdRequest {
  return (
    isObject(value) &&
    (value['mode'] === 'checkid_setup' || value['mode'] === 'checkid_immediate') &&
    typeof value['immediate'] === 'boolean' &&
    typeof value['identifierSelect'] === 'boolean' &&
    isStringOrNull(value['claimedId']) &&
    isStringOrNull(value['identity']) &&
    typeof value['returnTo'] === 'string' &&
    typeof value['realm'] === 'string' &&
    isStringOrNull(value['assocHandle']) &&
    isObject(value['attributes'])
  );
}

function isAuthorizationRequest(value: unknown): value is AuthorizationRequest {
  if (!isObject(value) || !isObject(value['client'])) return false;
  const client = value['client'];
  return (
    typeof client['clientId'] === 'string' &&
    typeof client['name'] === 'string' &&
    typeof client['trusted'] === 'boolean' &&
    typeof value['redirectUri'] === 'string' &&
    typeof value['responseMode'] === 'string' &&
    isStringArray(value['scopes']) &&
    isStringArray(value['prompt'])
  );
}

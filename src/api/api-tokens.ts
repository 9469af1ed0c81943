import type { Clock } from '../clock.js';
import { invalidRequest } from '../errors.js';
import { randomToken, sha256Base64Url, timingSafeEqualStrings } from '../util/bytes.js';
import type { ApiTokenRecord, ApiTokenStore } from './ports.js';

/**
 * The scopes an API token can carry. `webhooks:admin`: manage webhook endpoints
 * (`/api/v1/webhooks`), which includes reading every user change their deliveries carry.
 */
export const API_SCOPES = ['users:read', 'users:write', 'audit:read', 'webhooks:admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export function isApiScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}

/** Who is calling: an API token (by id) or the admin token (every scope). */
export interface ApiCaller {
  /** `admin` or `token:<id>`: what the audit log records. */
  actor: string;
  scopes: ReadonlySet<ApiScope>;
}

const TOKEN_PATTERN = /^idbt_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;

/**
 * API tokens for the Users API (`idbridge token add|list|revoke`). A token is
 * `idbt_<id>_<secret>`, shown once; only the SHA-256 of the whole token is stored. The id finds
 * the row and the stored hash is compared in constant time; an unknown id costs the same compare
 * against a dummy, so neither the response nor its timing tells which part was wrong.
 */
export class ApiTokens {
  readonly #dummyHash = sha256Base64Url(`idbt_dummy_${randomToken(256)}`);

  constructor(
    private readonly store: ApiTokenStore,
    private readonly clock: Clock,
  ) {}

  /** Create a token; the returned `token` is the only time it exists in clear. */
  async create(scopes: readonly string[], name?: string): Promise<{ token: string; record: ApiTokenRecord }> {
    const unknown = scopes.filter((s) => !isApiScope(s));
    if (scopes.length === 0 || unknown.length > 0) {
      throw invalidRequest(`scope: ${unknown.length ? `unknown ${unknown.join(', ')}` : 'at least one is needed'} (one of ${API_SCOPES.join(', ')})`);
    }
    if (name !== undefined && (name.trim() === '' || name.length > 100)) throw invalidRequest('name: 1-100 characters');
    const id = randomToken(128);
    const token = `idbt_${id}_${randomToken(256)}`;
    const record: ApiTokenRecord = {
      id,
      name: name?.trim() ?? null,
      tokenHash: await sha256Base64Url(token),
      scopes: [...new Set(scopes)].sort(),
      createdAt: this.clock.now(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.store.insert(record);
    return { token, record };
  }

  list(): Promise<ApiTokenRecord[]> {
    return this.store.list();
  }

  /** True when a live token was revoked (false: unknown or already revoked). */
  revoke(id: string): Promise<boolean> {
    return this.store.revoke(id, this.clock.now());
  }

  /** The caller a presented token stands for, or null (unknown, wrong, revoked). */
  async authenticate(presented: string): Promise<ApiCaller | null> {
    const m = TOKEN_PATTERN.exec(presented);
    const record = m ? await this.store.find(m[1]!) : null;
    const hash = await sha256Base64Url(presented);
    const matches = await timingSafeEqualStrings(hash, record?.tokenHash ?? (await this.#dummyHash));
    if (!record || !matches || record.revokedAt !== null) return null;
    const now = this.clock.now();
    // Last use at minute precision: one write per token per minute, not one per request.
    if (record.lastUsedAt === null || now - record.lastUsedAt > 60_000) await this.store.touch(record.id, now);
    return { actor: `token:${record.id}`, scopes: new Set(record.scopes.filter(isApiScope)) };
  }
}

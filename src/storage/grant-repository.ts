import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AuthorizationCode, Grant, GrantStore, IssuedToken } from '../provider/oidc/ports.js';
import { once, setPlaceholder, type Database } from './database.js';
import { oidcCodes, oidcGrants, oidcTokens } from './schema.js';

/** {@link GrantStore} on `oidc_grants`, `oidc_codes` and `oidc_tokens`. One-time steps are single conditional updates. */
export class GrantRepository implements GrantStore {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  private readonly grantById = once(() =>
    this.db
      .select()
      .from(oidcGrants)
      .where(and(eq(oidcGrants.tenant, this.tenant), eq(oidcGrants.grantId, sql.placeholder('id'))))
      .limit(1)
      .prepare(),
  );
  private readonly tokenByHash = once(() =>
    this.db
      .select()
      .from(oidcTokens)
      .where(and(eq(oidcTokens.tenant, this.tenant), eq(oidcTokens.tokenHash, sql.placeholder('hash'))))
      .limit(1)
      .prepare(),
  );

  // The sign-in path's writes, built once (see `once`).
  private readonly insertGrant = once(() =>
    this.db
      .insert(oidcGrants)
      .values({
        tenant: this.tenant,
        grantId: sql.placeholder('grantId'),
        clientId: sql.placeholder('clientId'),
        username: sql.placeholder('username'),
        sub: sql.placeholder('sub'),
        scopes: sql.placeholder('scopes'),
        claims: sql.placeholder('claims'),
        authTime: sql.placeholder('authTime'),
        acr: sql.placeholder('acr'),
        amr: sql.placeholder('amr'),
        sid: sql.placeholder('sid'),
        openid2Id: sql.placeholder('openid2Id'),
        createdAt: sql.placeholder('createdAt'),
        revokedAt: null,
      })
      .prepare(),
  );
  private readonly insertCode = once(() =>
    this.db
      .insert(oidcCodes)
      .values({
        tenant: this.tenant,
        codeHash: sql.placeholder('codeHash'),
        grantId: sql.placeholder('grantId'),
        clientId: sql.placeholder('clientId'),
        redirectUri: sql.placeholder('redirectUri'),
        codeChallenge: sql.placeholder('codeChallenge'),
        nonce: sql.placeholder('nonce'),
        expiresAt: sql.placeholder('expiresAt'),
        createdAt: sql.placeholder('now'),
        consumedAt: null,
      })
      .prepare(),
  );
  /** Unused → used, once: the single conditional UPDATE that makes a code single-use. */
  private readonly consumeUnused = once(() =>
    this.db
      .update(oidcCodes)
      .set({ consumedAt: setPlaceholder('now') })
      .where(and(eq(oidcCodes.tenant, this.tenant), eq(oidcCodes.codeHash, sql.placeholder('codeHash')), isNull(oidcCodes.consumedAt)))
      .returning()
      .prepare(),
  );
  private readonly insertToken = once(() =>
    this.db
      .insert(oidcTokens)
      .values({
        tenant: this.tenant,
        tokenHash: sql.placeholder('tokenHash'),
        kind: sql.placeholder('kind'),
        grantId: sql.placeholder('grantId'),
        clientId: sql.placeholder('clientId'),
        scopes: sql.placeholder('scopes'),
        createdAt: sql.placeholder('createdAt'),
        expiresAt: sql.placeholder('expiresAt'),
      })
      .prepare(),
  );

  async createGrant(grant: Grant): Promise<void> {
    await this.insertGrant().run({
      grantId: grant.grantId,
      clientId: grant.clientId,
      username: grant.username,
      sub: grant.sub,
      scopes: grant.scopes.join(' '),
      claims: JSON.stringify(grant.claims),
      authTime: grant.authTime,
      acr: grant.acr,
      amr: grant.amr?.join(' ') ?? null,
      sid: grant.sid,
      openid2Id: grant.openid2Id,
      createdAt: grant.createdAt,
    });
  }

  async findGrant(grantId: string): Promise<Grant | null> {
    const rows = await this.grantById().all({ id: grantId });
    const row = rows[0];
    if (!row) return null;
    return {
      grantId: row.grantId,
      clientId: row.clientId,
      username: row.username,
      sub: row.sub,
      scopes: row.scopes.split(' ').filter(Boolean),
      claims: JSON.parse(row.claims),
      authTime: row.authTime,
      acr: row.acr,
      amr: row.amr ? row.amr.split(' ') : null,
      sid: row.sid,
      openid2Id: row.openid2Id,
      createdAt: row.createdAt,
      revokedAt: row.revokedAt,
    };
  }

  async revokeGrant(grantId: string, at: number): Promise<void> {
    await this.db
      .update(oidcGrants)
      .set({ revokedAt: at })
      .where(and(eq(oidcGrants.tenant, this.tenant), eq(oidcGrants.grantId, grantId), isNull(oidcGrants.revokedAt)));
  }

  async revokeGrantsForUser(username: string, at: number): Promise<void> {
    await this.db
      .update(oidcGrants)
      .set({ revokedAt: at })
      .where(and(eq(oidcGrants.tenant, this.tenant), eq(oidcGrants.username, username), isNull(oidcGrants.revokedAt)));
  }

  async revokeGrantsBySid(sid: string, at: number): Promise<void> {
    await this.db
      .update(oidcGrants)
      .set({ revokedAt: at })
      .where(and(eq(oidcGrants.tenant, this.tenant), eq(oidcGrants.sid, sid), isNull(oidcGrants.revokedAt)));
  }

  async revokeGrantsFor(username: string, clientId: string, at: number): Promise<void> {
    await this.db
      .update(oidcGrants)
      .set({ revokedAt: at })
      .where(
        and(eq(oidcGrants.tenant, this.tenant), eq(oidcGrants.username, username), eq(oidcGrants.clientId, clientId), isNull(oidcGrants.revokedAt)),
      );
  }

  async createCode(codeHash: string, code: AuthorizationCode, now: number): Promise<void> {
    await this.insertCode().run({
      codeHash,
      grantId: code.grantId,
      clientId: code.clientId,
      redirectUri: code.redirectUri,
      codeChallenge: code.codeChallenge,
      nonce: code.nonce,
      expiresAt: code.expiresAt,
      now,
    });
  }

  async consumeCode(codeHash: string, now: number) {
    const won = await this.consumeUnused().all({ codeHash, now });
    if (won[0]) return { code: toCode(won[0]) };
    const key = and(eq(oidcCodes.tenant, this.tenant), eq(oidcCodes.codeHash, codeHash));
    const rows = await this.db.select().from(oidcCodes).where(key).limit(1);
    return rows[0] ? { reused: toCode(rows[0]) } : null;
  }

  async createToken(tokenHash: string, token: Omit<IssuedToken, 'consumedAt' | 'revokedAt'>): Promise<void> {
    await this.insertToken().run({
      tokenHash,
      kind: token.kind,
      grantId: token.grantId,
      clientId: token.clientId,
      scopes: token.scopes.join(' '),
      createdAt: token.createdAt,
      expiresAt: token.expiresAt,
    });
  }

  async findToken(tokenHash: string): Promise<IssuedToken | null> {
    const rows = await this.tokenByHash().all({ hash: tokenHash });
    const row = rows[0];
    if (!row) return null;
    return {
      kind: row.kind,
      grantId: row.grantId,
      clientId: row.clientId,
      scopes: row.scopes.split(' ').filter(Boolean),
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      consumedAt: row.consumedAt,
      revokedAt: row.revokedAt,
    };
  }

  async consumeRefreshToken(tokenHash: string, now: number): Promise<boolean> {
    const rows = await this.db
      .update(oidcTokens)
      .set({ consumedAt: now })
      .where(
        and(
          eq(oidcTokens.tenant, this.tenant),
          eq(oidcTokens.tokenHash, tokenHash),
          eq(oidcTokens.kind, 'refresh'),
          isNull(oidcTokens.consumedAt),
          isNull(oidcTokens.revokedAt),
        ),
      )
      .returning({ h: oidcTokens.tokenHash });
    return rows.length === 1;
  }

  async revokeToken(tokenHash: string, at: number): Promise<void> {
    await this.db
      .update(oidcTokens)
      .set({ revokedAt: at })
      .where(and(eq(oidcTokens.tenant, this.tenant), eq(oidcTokens.tokenHash, tokenHash), isNull(oidcTokens.revokedAt)));
  }
}

function toCode(row: typeof oidcCodes.$inferSelect): AuthorizationCode {
  return {
    grantId: row.grantId,
    clientId: row.clientId,
    redirectUri: row.redirectUri,
    codeChallenge: row.codeChallenge,
    nonce: row.nonce,
    expiresAt: row.expiresAt,
  };
}

/**
 * Housekeeping deletes exactly the rows that can no longer be used — in every table that expires —
 * and keeps live rows, rows still inside the grace period, and everything of other tenants.
 */
import { eq } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/entry/node/database.js';
import { Housekeeping } from '../../src/storage/housekeeping.js';
import * as t from '../../src/storage/schema.js';
import { testApp } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const WINDOW_S = 3600;

describe('Housekeeping', () => {
  const database = openDatabase(':memory:');
  const db = database.db;

  it('purges every expired row in every expiring table, and only those', async () => {
    const clock = new TestClock();
    const now = clock.now();
    const dead = now - 2 * DAY; // expired longer ago than the one-day grace
    const recent = now - HOUR; // expired, but inside the grace
    const live = now + HOUR;
    const tenants = ['default', 'other'];

    for (const tenant of tenants) {
      for (const [id, expiresAt] of [['dead', dead], ['recent', recent], ['live', live]] as const) {
        await db.insert(t.bridgeRequests).values({ tenant, requestId: id, browserHash: 'b', state: 'pending', createdAt: dead, updatedAt: dead, expiresAt });
        await db.insert(t.bridgeSessions).values({ tenant, idHash: id, userId: 'u', authTime: dead, createdAt: dead, expiresAt });
        await db.insert(t.connectorFlows).values({ tenant, idHash: id, kind: 'authorize', connectorId: 'google', browserHash: 'b', sealed: 'x', createdAt: dead, expiresAt });
        await db.insert(t.authRequests).values({ tenant, requestId: id, protocol: 'oidc', browserHash: 'b', state: 'created', realm: 'https://rp.example/', payload: '{}', createdAt: dead, expiresAt });
        await db.insert(t.associations).values({ tenant, handle: id, type: 'HMAC-SHA256', secret: 's', private: id === 'dead', createdAt: dead, expiresAt });
        await db.insert(t.opSessions).values({ tenant, idHash: id, sid: `sid-${id}`, username: 'u', authTime: dead, createdAt: dead, expiresAt });
        await db.insert(t.emailTokens).values({ tenant, tokenHash: id, purpose: 'reset-password', userId: 'u', email: 'u@example.com', createdAt: dead, expiresAt });
        // Grants: one per code/token, so a grant lives exactly as long as what hangs off it.
        await db.insert(t.oidcGrants).values({ tenant, grantId: `code-${id}`, clientId: 'c_live', username: 'u', sub: 's', scopes: 'openid', claims: '{}', authTime: dead, createdAt: dead });
        await db.insert(t.oidcCodes).values({ tenant, codeHash: id, grantId: `code-${id}`, clientId: 'c_live', redirectUri: 'https://rp.example/cb', createdAt: dead, expiresAt });
        await db.insert(t.oidcGrants).values({ tenant, grantId: `token-${id}`, clientId: 'c_live', username: 'u', sub: 's', scopes: 'openid', claims: '{}', authTime: dead, createdAt: dead });
        await db.insert(t.oidcTokens).values({ tenant, tokenHash: id, kind: 'refresh', grantId: `token-${id}`, clientId: 'c_live', scopes: 'openid', createdAt: dead, expiresAt });
        // Retired keys are published until publishUntil; current keys (retiredAt null) stay forever.
        await db.insert(t.signingKeys).values({ tenant, kid: id, alg: 'ES256', publicJwk: '{}', privateJwk: 'x', createdAt: dead, retiredAt: dead, publishUntil: expiresAt });
      }
      await db.insert(t.signingKeys).values({ tenant, kid: 'current', alg: 'ES256', publicJwk: '{}', privateJwk: 'x', createdAt: dead });
      // A grant created just now, before its code is stored: not purged although nothing hangs off it yet.
      await db.insert(t.oidcGrants).values({ tenant, grantId: 'fresh', clientId: 'c_live', username: 'u', sub: 's', scopes: 'openid', claims: '{}', authTime: now, createdAt: now });
      // Throttle counters: dead = window and lockout both over (past the grace).
      const old = dead - WINDOW_S * 1000;
      await db.insert(t.loginThrottle).values([
        { tenant, key: 'dead', failures: 3, windowStart: old, lockedUntil: old },
        { tenant, key: 'in-window', failures: 3, windowStart: now - HOUR, lockedUntil: 0 },
        { tenant, key: 'locked', failures: 30, windowStart: old, lockedUntil: live },
      ]);
      // Consents: of a registered client, of a deleted client, of an OpenID 2.0 realm.
      await db.insert(t.oidcClients).values({ tenant, clientId: 'c_live', name: 'Live', redirectUris: '[]', public: false, scopes: 'openid', createdAt: dead });
      await db.insert(t.consents).values([
        { tenant, username: 'u', audience: 'c_live', grants: 'openid', createdAt: dead },
        { tenant, username: 'u', audience: 'c_deleted', grants: 'openid', createdAt: dead },
        { tenant, username: 'u', audience: 'https://rp.example/', grants: 'email', createdAt: dead },
      ]);
    }

    const counts = await new Housekeeping({ db, tenant: 'default', clock, throttleWindowSeconds: WINDOW_S }).purge();

    expect(counts).toEqual({
      bridge_requests: 1,
      bridge_sessions: 1,
      connector_flows: 1,
      login_throttle: 1,
      auth_requests: 1,
      associations: 1,
      op_sessions: 1,
      oidc_codes: 1,
      oidc_tokens: 1,
      oidc_grants: 2,
      signing_keys: 1,
      consents: 1,
      email_tokens: 1,
    });
    const keys = async (table: SQLiteTable & { tenant: SQLiteColumn }, column: SQLiteColumn, tenant = 'default') =>
      (await db.select({ k: column }).from(table).where(eq(table.tenant, tenant))).map((r) => String(r.k)).sort();
    expect(await keys(t.bridgeRequests, t.bridgeRequests.requestId)).toEqual(['live', 'recent']);
    expect(await keys(t.bridgeSessions, t.bridgeSessions.idHash)).toEqual(['live', 'recent']);
    expect(await keys(t.connectorFlows, t.connectorFlows.idHash)).toEqual(['live', 'recent']);
    expect(await keys(t.authRequests, t.authRequests.requestId)).toEqual(['live', 'recent']);
    expect(await keys(t.associations, t.associations.handle)).toEqual(['live', 'recent']);
    expect(await keys(t.opSessions, t.opSessions.idHash)).toEqual(['live', 'recent']);
    expect(await keys(t.oidcCodes, t.oidcCodes.codeHash)).toEqual(['live', 'recent']);
    expect(await keys(t.oidcTokens, t.oidcTokens.tokenHash)).toEqual(['live', 'recent']);
    expect(await keys(t.oidcGrants, t.oidcGrants.grantId)).toEqual(['code-live', 'code-recent', 'fresh', 'token-live', 'token-recent']);
    expect(await keys(t.signingKeys, t.signingKeys.kid)).toEqual(['current', 'live', 'recent']);
    expect(await keys(t.loginThrottle, t.loginThrottle.key)).toEqual(['in-window', 'locked']);
    expect(await keys(t.consents, t.consents.audience)).toEqual(['c_live', 'https://rp.example/']);
    expect(await keys(t.emailTokens, t.emailTokens.tokenHash)).toEqual(['live', 'recent']);
    // The other tenant is untouched.
    expect(await keys(t.bridgeRequests, t.bridgeRequests.requestId, 'other')).toEqual(['dead', 'live', 'recent']);
    expect(await keys(t.consents, t.consents.audience, 'other')).toEqual(['c_deleted', 'c_live', 'https://rp.example/']);

    // Idempotent: a second run finds nothing.
    const again = await new Housekeeping({ db, tenant: 'default', clock, throttleWindowSeconds: WINDOW_S }).purge();
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
    database.close();
  });

  it('as a service: returns the counts and logs them as one JSON line', async () => {
    const t = await testApp();
    try {
      const counts = await t.services.housekeeping.run();
      // One count per table with expiring rows (connectors' flows and mailed links included).
      expect(Object.keys(counts).sort()).toEqual(
        ['associations', 'auth_requests', 'bridge_requests', 'bridge_sessions', 'connector_flows', 'consents', 'email_tokens', 'login_throttle', 'oidc_codes', 'oidc_grants', 'oidc_tokens', 'op_sessions', 'signing_keys'],
      );
      expect(t.logger.entries.filter((e) => e.event === 'housekeeping')).toEqual([expect.objectContaining({ level: 'info', ...counts, ms: expect.any(Number) })]);
    } finally {
      t.close();
    }
  });
});

/** UserRevocation on real SQLite: bridge sessions (keeping one on request), OP sessions, grants, consents. */
import { afterAll, describe, expect, it } from 'vitest';
import { BridgeSessions } from '../../src/bridge/sessions.js';
import { BridgeRevocation } from '../../src/bridge/user-revocation.js';
import { openDatabase } from '../../src/entry/node/database.js';
import { memoryLogger } from '../../src/log.js';
import { IdentityRevocation } from '../../src/provider/user-revocation.js';
import { BridgeSessionRepository } from '../../src/storage/bridge-session-repository.js';
import { ConsentRepository } from '../../src/storage/consent-repository.js';
import { GrantRepository } from '../../src/storage/grant-repository.js';
import { OpSessionRepository } from '../../src/storage/op-session-repository.js';
import { TestClock } from '../helpers/clock.js';

describe('user revocation', () => {
  const database = openDatabase(':memory:');
  afterAll(() => database.close());
  const clock = new TestClock();
  const sessions = new BridgeSessions(new BridgeSessionRepository(database.db, 'default'), clock, 3600);
  const opSessions = new OpSessionRepository(database.db, 'default');
  const grants = new GrantRepository(database.db, 'default');
  const consents = new ConsentRepository(database.db, 'default');
  const identity = new IdentityRevocation({ opSessions, grants, consents, clock, logger: memoryLogger() });
  const revocation = new BridgeRevocation(sessions, identity);

  const grant = (grantId: string, username: string) =>
    grants.createGrant({
      grantId,
      clientId: 'c_1',
      username,
      sub: `sub-${username}`,
      scopes: ['openid'],
      claims: {},
      authTime: 1,
      acr: null,
      amr: ['pwd'],
      sid: null,
      openid2Id: null,
      createdAt: clock.now(),
      revokedAt: null,
    });

  it('ends every session and grant of the user, keeps the given bridge session and other users\' things', async () => {
    const keep = await sessions.start('u_1', ['pwd'], undefined);
    const other = await sessions.start('u_1', ['pwd'], undefined);
    const stranger = await sessions.start('u_2', ['pwd'], undefined);
    await opSessions.create('op-1', { sid: 'sid-1', username: 'u_1', authTime: 1, expiresAt: clock.now() + 3600_000 }, clock.now());
    await opSessions.create('op-2', { sid: 'sid-2', username: 'u_2', authTime: 1, expiresAt: clock.now() + 3600_000 }, clock.now());
    await grant('g-1', 'u_1');
    await grant('g-2', 'u_2');
    await consents.remember('u_1', 'c_1', ['openid'], clock.now());

    await revocation.revokeAll('u_1', { keepBridgeSession: keep.token });

    expect(await sessions.resolve(keep.token)).not.toBeNull();
    expect(await sessions.resolve(other.token)).toBeNull();
    expect(await sessions.resolve(stranger.token)).not.toBeNull();
    expect(await opSessions.find('op-1', clock.now())).toBeNull();
    expect(await opSessions.find('op-2', clock.now())).not.toBeNull();
    expect((await grants.findGrant('g-1'))!.revokedAt).not.toBeNull();
    expect((await grants.findGrant('g-2'))!.revokedAt).toBeNull();
    // A reset keeps remembered consents; a deletion (consents: true) forgets them.
    expect(await consents.find('u_1', 'c_1')).toEqual(['openid']);
    await revocation.revokeAll('u_1', { consents: true });
    expect(await consents.find('u_1', 'c_1')).toBeNull();
    expect(await sessions.resolve(keep.token)).toBeNull();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type NodeDatabase } from '../../src/entry/node/database.js';
import type { OidcClient } from '../../src/protocol/oidc/client.js';
import { OidcClientRepository } from '../../src/storage/oidc-client-repository.js';
import { TestClock } from '../helpers/clock.js';

const client: OidcClient = {
  clientId: 'app',
  name: 'App',
  redirectUris: ['https://app.example/cb'],
  postLogoutRedirectUris: [],
  public: false,
  trusted: false,
  scopes: ['openid'],
  secretHash: null,
};

let database: NodeDatabase | undefined;
afterEach(() => database?.close());

describe('OidcClientRepository read cache', () => {
  it('keeps a client for 30 s of the injected clock, then sees another process remove it', async () => {
    database = openDatabase(':memory:');
    const clock = new TestClock();
    const here = new OidcClientRepository(database.db, 't', clock);
    const otherProcess = new OidcClientRepository(database.db, 't', clock);
    await here.insert(client, clock.now());
    expect((await here.find('app'))?.name).toBe('App');

    await otherProcess.remove('app');
    // (The test clock also runs in real time: margins, not edges.)
    clock.advance(25_000);
    expect(await here.find('app')).not.toBeNull(); // still cached: changes elsewhere apply within 30 s
    clock.advance(5_000);
    expect(await here.find('app')).toBeNull();
  });

  it('applies its own removal at once and never caches unknown client ids', async () => {
    database = openDatabase(':memory:');
    const clock = new TestClock();
    const repo = new OidcClientRepository(database.db, 't', clock);
    expect(await repo.find('app')).toBeNull();
    await new OidcClientRepository(database.db, 't', clock).insert(client, clock.now());
    expect(await repo.find('app')).not.toBeNull(); // the miss was not cached
    await repo.remove('app');
    expect(await repo.find('app')).toBeNull();
  });
});

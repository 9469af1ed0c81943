import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type NodeDatabase } from '../../src/entry/node/database.js';
import type { OidcClient } from '../../src/protocol/oidc/client.js';
import { ClientRegistry } from '../../src/provider/oidc/client-registry.js';
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

describe('OidcClientRepository read cache with data_version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idbridge-clients-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('follows an update and a removal committed by another connection (the CLI) at once', async () => {
    const path = join(dir, 'db.sqlite');
    const server = openDatabase(path); // the running server's connection
    const cli = openDatabase(path); // the CLI, another process
    try {
      const clock = new TestClock();
      const serverStore = new OidcClientRepository(server.db, 'default', clock, server.dataVersion);
      const cliRegistry = new ClientRegistry(new OidcClientRepository(cli.db, 'default', clock, cli.dataVersion), clock);
      const { client: registered } = await cliRegistry.register({ name: 'App', redirectUris: ['https://app.example/old'] });
      expect((await serverStore.find(registered.clientId))?.redirectUris).toEqual(['https://app.example/old']); // now cached

      await cliRegistry.update(registered.clientId, { redirectUris: ['https://app.example/new'] });
      expect((await serverStore.find(registered.clientId))?.redirectUris).toEqual(['https://app.example/new']);

      await cliRegistry.remove(registered.clientId);
      expect(await serverStore.find(registered.clientId)).toBeNull();
    } finally {
      cli.close();
      server.close();
    }
  });

  it('keeps serving from the cache while nobody else writes', async () => {
    database = openDatabase(':memory:');
    const clock = new TestClock();
    let reads = 0;
    const store = new OidcClientRepository(database.db, 'default', clock, () => (reads++, 7));
    await store.insert(client, clock.now());
    const first = await store.find('app');
    expect(await store.find('app')).toBe(first); // the same cached object
    expect(reads).toBeGreaterThanOrEqual(2);
  });
});

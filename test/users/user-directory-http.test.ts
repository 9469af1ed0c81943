/**
 * The UserDirectory contract against the site directory over the HTTP directory
 * (HttpSiteSource) with the reference implementation (examples/http-directory) as the site,
 * federated and migrate, over real loopback HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createHttpSiteSource } from '../../src/users/http/http-site-source.js';
import { SiteDirectory } from '../../src/users/site-directory.js';
import { referenceHash, startReferenceDirectory, type DirectoryProcess } from '../helpers/directory-server.js';
import { idbridgeStores } from '../helpers/site-directory.js';
import { userDirectoryContract } from './user-directory-contract.js';

const SECRET = 'http-directory-contract-secret-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'idbridge-udhttp-'));
const sites: DirectoryProcess[] = [];
afterAll(async () => {
  await Promise.all(sites.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

for (const mode of ['federated', 'migrate'] as const) {
  userDirectoryContract(`site directory (${mode}) over HttpSiteSource, reference implementation`, async (people) => {
    const usersFile = join(dir, `users-${mode}.json`);
    const users = people.map((p) => ({
      id: String(p.key),
      email: p.email,
      username: p.username ?? null,
      passwordHash: referenceHash(p.password),
      blocked: Boolean(p.blocked),
      emailVerified: Boolean(p.verified),
      attributes: { ...(p.fullname ? { fullname: p.fullname } : {}), ...(p.phone ? { phone: p.phone } : {}) },
    }));
    writeFileSync(usersFile, JSON.stringify({ users }));
    const site = await startReferenceDirectory({ secret: SECRET, usersFile });
    sites.push(site);
    const stores = idbridgeStores();
    const source = createHttpSiteSource(
      { url: site.url, secret: SECRET, timeoutMs: 3_000, retries: 1, cacheSeconds: 0, breaker: { failures: 50, resetSeconds: 30 } },
      { fetch: (input, init) => fetch(input, init), clock: systemClock, logger: stores.logger, random: () => 0 },
    );
    const directory = new SiteDirectory({ source, store: stores.store, hasher: stores.hasher, links: stores.links, clock: stores.clock, logger: stores.logger }, { mode, writeBack: false, name: 'site' });
    return { directory, close: async () => { await source.close(); stores.database.close(); } };
  });
}

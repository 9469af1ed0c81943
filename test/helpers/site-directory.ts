import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/entry/node/database.js';
import { nodeScrypt } from '../../src/entry/node/scrypt.js';
import { memoryLogger } from '../../src/log.js';
import { DirectoryLinkRepository } from '../../src/storage/directory-link-repository.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { BuiltinUserDirectory } from '../../src/users/builtin-directory.js';
import { createUser } from '../../src/users/create-user.js';
import { PasswordHasher } from '../../src/users/password-hasher.js';
import { SiteDirectory, type SiteDirectoryOptions } from '../../src/users/site-directory.js';
import { TestClock } from './clock.js';
import { createSiteTable, SqliteSiteSource } from './sqlite-site-source.js';
import type { DirectoryFixture, Person } from '../users/user-directory-contract.js';

/** Cheap scrypt for tests (the cost is not what is under test). */
export const TEST_SCRYPT = { ln: 10, r: 8, p: 1 };

/** idbridge's own database (in memory) with the stores a directory needs. */
export function idbridgeStores() {
  const database = openDatabase(':memory:');
  const clock = new TestClock();
  const logger = memoryLogger();
  const store = new UserRepository(database.db, 'default');
  const links = new DirectoryLinkRepository(database.db, 'default');
  const hasher = new PasswordHasher(nodeScrypt, TEST_SCRYPT);
  return { database, clock, logger, store, links, hasher };
}

/** The built-in directory holding `people`. */
export async function builtinFixture(people: Person[]): Promise<DirectoryFixture & ReturnType<typeof idbridgeStores>> {
  const stores = idbridgeStores();
  for (const p of people) {
    await createUser(
      { email: p.email, username: p.username, password: p.password, blocked: p.blocked, emailVerified: p.verified, fullname: p.fullname, phone: p.phone },
      { store: stores.store, hasher: stores.hasher, now: stores.clock.now() },
    );
  }
  return { ...stores, directory: new BuiltinUserDirectory(stores.store, stores.hasher, stores.clock), close: async () => stores.database.close() };
}

/** A site directory over a site table in a fresh SQLite file holding `people`. */
export async function sqliteSiteFixture(people: Person[], options: Partial<SiteDirectoryOptions> = {}, bcryptCost = 4) {
  const dir = mkdtempSync(join(tmpdir(), 'idbridge-site-'));
  const file = join(dir, 'site.sqlite');
  const mapping = createSiteTable(
    file,
    people.map((p) => ({ id: p.key, email: p.email, username: p.username, password: p.password, blocked: p.blocked, verified: p.verified, name: p.fullname, phone: p.phone })),
    bcryptCost,
  );
  const source = new SqliteSiteSource(file, mapping, { bcryptCost });
  const stores = idbridgeStores();
  const directory = new SiteDirectory(
    { source, store: stores.store, hasher: stores.hasher, links: stores.links, clock: stores.clock, logger: stores.logger },
    { mode: 'federated', writeBack: false, name: 'site', ...options },
  );
  return {
    ...stores,
    file,
    source,
    directory,
    close: async () => {
      await source.close();
      stores.database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

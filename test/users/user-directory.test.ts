/**
 * The UserDirectory contract against every directory kind available in this build: the built-in
 * table, and the site directory (federated and migrate) over a site table in a real SQLite file.
 */
import { builtinFixture, sqliteSiteFixture } from '../helpers/site-directory.js';
import { userDirectoryContract } from './user-directory-contract.js';

userDirectoryContract('built-in table', builtinFixture);
userDirectoryContract('site directory, federated, SQLite', (people) => sqliteSiteFixture(people, { mode: 'federated' }));
userDirectoryContract('site directory, migrate, SQLite', (people) => sqliteSiteFixture(people, { mode: 'migrate' }));

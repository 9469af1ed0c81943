import type { SqlDirectoryConfig } from '../../../config/document.js';
import type { SqlClient } from '../../../users/sql/client.js';
import { parseServerUrl, sqlitePath } from './connection-url.js';
import { createMysqlClient } from './mysql-client.js';
import { createPgClient } from './pg-client.js';
import { createSqliteClient } from './sqlite-client.js';

/**
 * The SQL client for `directory: { kind: sql }`, chosen by the URL's scheme: `postgres://` /
 * `postgresql://` (pg), `mysql://` / `mariadb://` (mysql2), `sqlite:` (better-sqlite3). Pools
 * connect lazily, so this does not touch the network; run `SqlSiteSource.check()` at start-up.
 *
 * @throws DirectoryUnavailableError('misconfigured') for a URL it cannot use (unknown parameter,
 *   TLS checks switched off, unreadable certificate file), naming the problem, never the password.
 */
export function openSqlClient(directory: Pick<SqlDirectoryConfig, 'url' | 'pool'> & { writeBack?: boolean }): SqlClient {
  // Writable only for federated write-back (`execute`, the hash UPDATE); lookups stay read-only.
  const options = { writable: directory.writeBack === true };
  if (directory.url.startsWith('sqlite:')) return createSqliteClient(sqlitePath(directory.url), directory.pool.queryTimeoutMs, options);
  const target = parseServerUrl(directory.url);
  return target.engine === 'postgres' ? createPgClient(target, directory.pool, options) : createMysqlClient(target, directory.pool, options);
}

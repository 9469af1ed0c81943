import { systemClock } from '../../clock.js';
import { ConfigError, type Config } from '../../config.js';
import { createHashRegistry, type HashRegistry } from '../../users/hashes/registry.js';
import { createHttpSiteSource } from '../../users/http/http-site-source.js';
import { SqlSiteSource } from '../../users/sql/sql-site-source.js';
import { mappingFromConfig } from '../../users/sql/statements.js';
import { nodeFetch } from './fetch.js';
import { nodeHashPrimitives } from './hash-primitives.js';
import { openSqlClient } from './sql/open-sql-client.js';
import type { Logger } from '../../log.js';
import { checkDirectory, type DirectoryCheckReport, type HashIdentifier } from '../../users/directory-check.js';
import { SQL_PRESETS } from '../../users/presets/index.js';
import type { SiteUserSource } from '../../users/site-source.js';

/**
 * Open the site's user database `config.directory` names (Node: the SQL drivers, or undici for
 * the HTTP contract). Undefined for the built-in directory.
 *
 * SQL: `SqlSiteSource` over `openSqlClient` (pg, mysql2, better-sqlite3), hashes checked by the
 * verifier registry on the native primitives. HTTP: `HttpSiteSource` over undici.
 */
export async function openSiteSource(config: Config, deps: { logger: Logger }): Promise<SiteUserSource | undefined> {
  const d = config.directory;
  if (d.kind === 'builtin') return undefined;
  if (d.kind === 'http') {
    return createHttpSiteSource(d, { fetch: nodeFetch(), clock: systemClock, logger: deps.logger, random: Math.random });
  }
  const hashes = hashRegistry(config, deps.logger)!;
  const saltColumn = d.saltedHash?.saltColumn?.split('.').pop();
  const context = (row: Record<string, unknown>) => (saltColumn ? { salt: String(row[saltColumn] ?? '') } : {});
  return new SqlSiteSource({
    client: openSqlClient(d),
    mapping: mappingFromConfig(d),
    verifyHash: (password, hash, row) => hashes.verify(password, hash, saltColumn ? { salt: String(row[saltColumn] ?? '') } : {}),
    burn: (password) => hashes.burn(password),
    logger: deps.logger,
    // Federated only (the schema refuses writeBack with migrate or without upgrade targets).
    writeBack:
      d.writeBack && d.mode === 'federated'
        ? { upgrade: { needsUpgrade: (hash, row) => hashes.needsUpgrade(hash, context(row)), rehash: (password, hash, row) => hashes.rehash(password, hash, context(row)) } }
        : undefined,
  });
}

/** The verifier registry for the SQL directory (its cost limits, pepper, salted-hash template and upgrade targets). */
function hashRegistry(config: Config, logger?: Logger): HashRegistry | undefined {
  const d = config.directory;
  if (d.kind !== 'sql') return undefined;
  return createHashRegistry(nodeHashPrimitives, { pepper: d.pepper, saltedHash: d.saltedHash, upgrade: d.upgrade, logger });
}

/** The verifier registry's `identify`, for the per-format counts of `directory check`. */
export function hashIdentifier(config: Config): HashIdentifier | undefined {
  return hashRegistry(config);
}

/** `checkDirectory` with this configuration's preset and hash registry. */
export function checkSiteSource(config: Config, source: SiteUserSource, sample: number, hashes = hashIdentifier(config)): Promise<DirectoryCheckReport> {
  const d = config.directory;
  const preset = d.kind === 'sql' && d.preset ? SQL_PRESETS[d.preset] : undefined;
  return checkDirectory(source, { hashes, sample, expectedFormats: preset?.hashFormats });
}

/**
 * The start-up check: a wrong mapping stops the server before it listens (ConfigError, one
 * problem per line, non-zero exit). A site that cannot be reached right now is logged and the
 * server starts anyway: sign-ins answer "temporarily unavailable" until it is back.
 */
export async function startupCheck(config: Config, source: SiteUserSource, logger: Logger): Promise<void> {
  const report = await checkSiteSource(config, source, 100);
  if (report.unavailable) {
    logger.log('warn', 'directory_check_unavailable', { kind: report.kind, detail: report.unavailable });
    return;
  }
  for (const note of report.notes) logger.log('warn', 'directory_check_note', { kind: report.kind, note });
  if (report.problems.length > 0) throw new ConfigError(report.problems);
}

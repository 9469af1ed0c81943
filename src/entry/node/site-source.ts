import { ConfigError, type Config } from '../../config.js';
import type { Logger } from '../../log.js';
import { checkDirectory, type DirectoryCheckReport, type HashIdentifier } from '../../users/directory-check.js';
import { SQL_PRESETS } from '../../users/presets/index.js';
import type { SiteUserSource } from '../../users/site-source.js';

/**
 * Open the site's user database `config.directory` names (Node: the SQL drivers, or undici for
 * the HTTP contract). Undefined for the built-in directory.
 *
 * The SQL (`SqlSiteSource` over `openSqlClient`) and HTTP (`HttpSiteSource`) sources are built
 * in their own parts of issue 10 and are wired here as they land; until then a site directory is
 * refused at start-up with a message naming `directory.kind`, never at the first sign-in.
 */
export async function openSiteSource(config: Config, _deps: { logger: Logger }): Promise<SiteUserSource | undefined> {
  const d = config.directory;
  if (d.kind === 'builtin') return undefined;
  throw new ConfigError([`directory.kind: ${d.kind} is not available in this build yet (the ${d.kind} directory is still being built)`]);
}

/** The verifier registry's `identify`, for the per-format counts of `directory check` (when present in this build). */
export function hashIdentifier(_config: Config): HashIdentifier | undefined {
  return undefined;
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

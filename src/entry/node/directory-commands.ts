import type { AppServices } from '../../app.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import type { DirectoryCheckReport, HashIdentifier } from '../../users/directory-check.js';
import type { SiteUserSource } from '../../users/site-source.js';
import { checkSiteSource, hashIdentifier, openSiteSource } from './site-source.js';

/** A command's answer: what to print and the exit code. */
export interface CommandOutput {
  code: number;
  output: string;
}

/**
 * `idbridge directory check [--json]`: connect with the configured mapping, verify the
 * table/columns/queries, read a sample, count hash formats and list unusable rows. Exit 1 when the
 * mapping is wrong or the site cannot be reached. `source` is opened from the config unless given.
 */
export async function directoryCheck(config: Config, options: { json: boolean; logger: Logger; source?: SiteUserSource; sample?: number; hashes?: HashIdentifier }): Promise<CommandOutput> {
  const d = config.directory;
  if (d.kind === 'builtin') {
    const json = { kind: 'builtin', ok: true, problems: [], notes: ["idbridge's own user table: nothing to check"] };
    return { code: 0, output: options.json ? JSON.stringify(json) : "directory: builtin (idbridge's own user table); nothing to check" };
  }
  const source = options.source ?? (await openSiteSource(config, { logger: options.logger }));
  if (!source) throw new Error('no site source');
  try {
    const report = await checkSiteSource(config, source, options.sample ?? 1000, options.hashes ?? hashIdentifier(config));
    return { code: report.ok ? 0 : 1, output: options.json ? JSON.stringify(checkJson(config, report)) : checkText(config, report) };
  } finally {
    if (!options.source) await source.close().catch(() => undefined);
  }
}

function checkJson(config: Config, report: DirectoryCheckReport) {
  const d = config.directory;
  return {
    kind: report.kind,
    mode: d.kind === 'builtin' ? undefined : d.mode,
    preset: d.kind === 'sql' ? (d.preset ?? null) : null,
    ok: report.ok,
    problems: report.problems,
    notes: report.notes,
    unavailable: report.unavailable ?? null,
    sampled: report.sampled,
    formats: report.formats,
    unusable: report.unusable,
  };
}

function checkText(config: Config, report: DirectoryCheckReport): string {
  const d = config.directory;
  const lines = [`directory: ${report.kind}${d.kind === 'sql' && d.preset ? ` (preset ${d.preset})` : ''}, mode ${d.kind === 'builtin' ? '-' : d.mode}`];
  if (report.unavailable) lines.push(`  cannot reach the site: ${report.unavailable}`);
  for (const p of report.problems) lines.push(`  problem: ${p}`);
  for (const n of report.notes) lines.push(`  note: ${n}`);
  if (report.sampled > 0) {
    lines.push(`  sampled ${report.sampled} user(s); hash formats:`);
    const formats = Object.entries(report.formats).sort((a, b) => b[1] - a[1]);
    if (formats.length === 0) lines.push('    (not counted: no hash registry in this build)');
    for (const [format, n] of formats) lines.push(`    ${format.padEnd(24)} ${n}`);
  }
  if (report.unusable.length > 0) {
    lines.push(`  ${report.unusable.length} row(s) cannot sign in:`);
    for (const row of report.unusable.slice(0, 50)) lines.push(`    key ${row.key}: ${row.problem}`);
    if (report.unusable.length > 50) lines.push(`    … and ${report.unusable.length - 50} more (--json lists all)`);
  }
  lines.push(report.ok ? 'OK: the mapping works.' : 'FAILED: fix the directory settings above (idbridge will not start with them).');
  return lines.join('\n');
}

/**
 * `idbridge directory status [--json]`: which directory serves users, and in migrate mode how
 * many users were already moved into idbridge's own table (of those seen so far).
 */
export async function directoryStatus(services: Pick<AppServices, 'config' | 'links' | 'userStore'>, options: { json: boolean }): Promise<CommandOutput> {
  const d = services.config.directory;
  const builtinUsers = await services.userStore.count();
  if (d.kind === 'builtin') {
    const json = { kind: 'builtin', builtin_users: builtinUsers };
    return { code: 0, output: options.json ? JSON.stringify(json) : `directory: builtin; ${builtinUsers} user(s) in idbridge's own table` };
  }
  const { linked, migrated } = await services.links.counts(d.name);
  const json = { kind: d.kind, name: d.name, mode: d.mode, linked, migrated, not_migrated: linked - migrated, builtin_users: builtinUsers };
  const text = [
    `directory: ${d.kind} "${d.name}", mode ${d.mode}`,
    `  site users seen (stable ids assigned): ${linked}`,
    ...(d.mode === 'migrate'
      ? [`  migrated into idbridge's table:        ${migrated}`, `  still served by the site:              ${linked - migrated}`]
      : migrated > 0
        ? [`  migrated earlier (served by idbridge):  ${migrated}`]
        : []),
    `  users in idbridge's own table:         ${builtinUsers}`,
  ].join('\n');
  return { code: 0, output: options.json ? JSON.stringify(json) : text };
}

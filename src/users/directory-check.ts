import type { SiteUserSource } from './site-source.js';

/** What `directory check` needs of the verifier registry: a hash's format, by its shape alone. */
export interface HashIdentifier {
  identify(storedHash: string, context?: { salt?: string }): { format: string | null; weak: boolean; problem?: string };
}

/** The outcome of checking a site directory's mapping against the live site. */
export interface DirectoryCheckReport {
  kind: 'sql' | 'http';
  /** False when the mapping is wrong (or the site could not be reached): non-zero exit, no start. */
  ok: boolean;
  /** Mapping errors, each naming the setting. */
  problems: string[];
  notes: string[];
  /** Rows read (SQL), and per hash format how many of them it covers (`unknown` when unrecognised). */
  sampled: number;
  formats: Record<string, number>;
  /** Sampled rows that cannot sign in, by the site's key and why (never the hash). */
  unusable: Array<{ key: string; problem: string }>;
  /** Set when the site could not be reached: `reason: detail`. */
  unavailable?: string;
}

/**
 * Check a source's mapping and summarise its sample: per-format counts from the verifier
 * registry's `identify`, unusable rows (no hash, unknown format, malformed, over the cost limits),
 * and formats the preset's application does not write (a note: the mapping may be wrong).
 */
export async function checkDirectory(
  source: SiteUserSource,
  options: { hashes?: HashIdentifier; sample?: number; expectedFormats?: readonly string[] } = {},
): Promise<DirectoryCheckReport> {
  const report: DirectoryCheckReport = { kind: source.kind, ok: true, problems: [], notes: [], sampled: 0, formats: {}, unusable: [] };
  if (!source.check) {
    report.notes.push(`the ${source.kind} directory has no mapping check`);
    return report;
  }
  let found;
  try {
    found = await source.check({ sample: options.sample ?? 1000 });
  } catch (error) {
    const e = error as { reason?: string; detail?: string; message?: string };
    report.ok = false;
    report.unavailable = e.reason ? `${e.reason}: ${e.detail ?? ''}` : String(e.message ?? error);
    return report;
  }
  if (found.unavailable) {
    report.ok = false;
    report.unavailable = `${found.unavailable.reason}: ${found.unavailable.detail}`;
  }
  report.problems.push(...found.problems);
  report.notes.push(...(found.notes ?? []));
  const weak = new Set<string>();
  for (const row of found.hashes ?? []) {
    report.sampled++;
    if (row.passwordHash === null || row.passwordHash === '') {
      report.unusable.push({ key: row.key, problem: 'no password hash' });
      continue;
    }
    if (!options.hashes) continue;
    const id = options.hashes.identify(row.passwordHash, row.salt ? { salt: row.salt } : {});
    const format = id.format ?? 'unknown';
    report.formats[format] = (report.formats[format] ?? 0) + 1;
    if (id.problem) report.unusable.push({ key: row.key, problem: id.format ? `${id.format}: ${id.problem}` : 'unknown hash format' });
    else if (id.weak) weak.add(format);
  }
  if (weak.size > 0) report.notes.push(`weak hash formats in use (upgrade them, or use migrate mode): ${[...weak].sort().join(', ')}`);
  if (options.expectedFormats && options.hashes) {
    const unexpected = Object.keys(report.formats).filter((f) => f !== 'unknown' && !options.expectedFormats!.includes(f));
    if (unexpected.length > 0) report.notes.push(`hash formats the preset's application does not write: ${unexpected.sort().join(', ')}`);
  }
  if (report.sampled > 0 && report.unusable.length === report.sampled && options.hashes) {
    // Not one usable hash: the column (or query) is almost certainly the wrong one.
    report.problems.push(`directory.columns.passwordHash: none of the ${report.sampled} sampled rows holds a usable password hash`);
  }
  report.ok = report.problems.length === 0 && !report.unavailable;
  return report;
}

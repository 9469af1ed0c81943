/** How an import reports progress: a one-line bar for a terminal, a JSON line for scripts. */
import type { ImportProgress } from './importer.js';

export interface RateWindow {
  /** Rows processed (all outcomes) and bytes, at the start of the run (a resume starts higher). */
  startRows: number;
  startBytes: number;
  startedAt: number;
}

export function rowsDone(p: ImportProgress): number {
  return p.inserted + p.updated + p.skipped + p.rejected;
}

/** Rows per second and the estimated seconds left (by bytes: the row count is not known ahead). */
export function rates(p: ImportProgress, window: RateWindow, now: number): { rowsPerSecond: number; etaSeconds: number | null } {
  const seconds = Math.max((now - window.startedAt) / 1000, 0.001);
  const rowsPerSecond = (rowsDone(p) - window.startRows) / seconds;
  const bytesPerSecond = (p.offset - window.startBytes) / seconds;
  const etaSeconds = bytesPerSecond > 0 ? Math.max(0, (p.totalBytes - p.offset) / bytesPerSecond) : null;
  return { rowsPerSecond, etaSeconds };
}

/** `[#########-----------]  45%  450,000 rows  81,234 rows/s  ETA 0:07  (12 rejected)` */
export function progressBar(p: ImportProgress, window: RateWindow, now: number, width = 24): string {
  const fraction = p.totalBytes > 0 ? Math.min(1, p.offset / p.totalBytes) : 1;
  const filled = Math.round(fraction * width);
  const { rowsPerSecond, etaSeconds } = rates(p, window, now);
  const eta = etaSeconds === null ? '--:--' : clock(etaSeconds);
  const rejected = p.rejected > 0 ? `  (${p.rejected.toLocaleString('en')} rejected)` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${rowsDone(p).toLocaleString('en')} rows  ${Math.round(rowsPerSecond).toLocaleString('en')} rows/s  ETA ${eta}${rejected}`;
}

/** One `--json` progress line. */
export function progressJson(p: ImportProgress, window: RateWindow, now: number): Record<string, unknown> {
  const { rowsPerSecond, etaSeconds } = rates(p, window, now);
  return {
    progress: {
      rows: rowsDone(p),
      inserted: p.inserted,
      updated: p.updated,
      skipped: p.skipped,
      rejected: p.rejected,
      bytes: p.offset,
      total_bytes: p.totalBytes,
      line: p.line,
      rows_per_second: Math.round(rowsPerSecond),
      eta_seconds: etaSeconds === null ? null : Math.round(etaSeconds),
    },
  };
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

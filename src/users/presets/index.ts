import { devise } from './devise.js';
import { django } from './django.js';
import { laravel } from './laravel.js';
import type { PresetDialect, SqlPreset } from './preset.js';
import { wordpress } from './wordpress.js';

export type { PresetDialect, SqlPreset } from './preset.js';

/** The presets `directory.preset` may name. */
export const SQL_PRESETS = { wordpress, django, laravel, devise } as const satisfies Record<string, SqlPreset>;
export type SqlPresetName = keyof typeof SQL_PRESETS;

export function isPresetName(name: unknown): name is SqlPresetName {
  return typeof name === 'string' && Object.hasOwn(SQL_PRESETS, name);
}

/** The dialect of a connection URL, or undefined for one the schema will refuse. */
export function dialectOfUrl(url: unknown): PresetDialect | undefined {
  if (typeof url !== 'string') return undefined;
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  if (/^(mysql|mariadb):\/\//.test(url)) return 'mysql';
  if (url.startsWith('sqlite:')) return 'sqlite';
  return undefined;
}

type Mapping = Record<string, unknown>;

/** The config schema's identifier rule: only such a table name is ever spliced into a preset query. */
const SAFE_TABLE = /^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$/;

/**
 * The operator's `directory` section with a preset filled in underneath: every key they wrote
 * wins (columns and attributes key by key). The preset's own queries apply only when the operator
 * overrides neither `columns` nor `queries`. Unknown presets and non-objects pass through
 * untouched, for the schema to report.
 */
export function applyPreset(directory: unknown): unknown {
  if (!directory || typeof directory !== 'object' || Array.isArray(directory)) return directory;
  const d = directory as Mapping;
  if (d['kind'] !== 'sql' || !isPresetName(d['preset'])) return directory;
  const preset: SqlPreset = SQL_PRESETS[d['preset']];
  const columns = isMapping(d['columns']) ? d['columns'] : undefined;
  const out: Mapping = Object.assign(Object.create(null), d);
  out['table'] = d['table'] ?? preset.table;
  const { attributes: presetAttributes, ...presetColumns } = preset.columns;
  const attributes = columns && isMapping(columns['attributes']) ? columns['attributes'] : undefined;
  out['columns'] = Object.assign(Object.create(null), presetColumns, columns, {
    // A non-mapping `attributes` stays as written, for the schema to report.
    attributes: attributes
      ? Object.assign(Object.create(null), presetAttributes, attributes)
      : columns?.['attributes'] !== undefined
        ? columns['attributes']
        : { ...presetAttributes },
  });
  const dialect = dialectOfUrl(d['url']);
  if (preset.queries && d['queries'] === undefined && columns === undefined && dialect && typeof out['table'] === 'string' && SAFE_TABLE.test(out['table'])) {
    out['queries'] = preset.queries({ table: out['table'], dialect });
  }
  return out;
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

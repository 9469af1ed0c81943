import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../config.js';
import type { DocumentSource } from '../../config/document.js';

/** Looked for in the working directory when `IDBRIDGE_CONFIG` is not set. */
export const CONFIG_FILE_NAMES = ['idbridge.config.yaml', 'idbridge.config.yml', 'idbridge.config.json'];
/** A configuration file is small; anything larger is a mistake (or an alias bomb's output). */
const MAX_BYTES = 1024 * 1024;

/**
 * Find and parse the configuration file: the path in `IDBRIDGE_CONFIG`, else the one
 * `idbridge.config.{yaml,yml,json}` in `cwd`. Undefined when there is none (everything defaults).
 * Parse errors are {@link ConfigError}s naming the file, line and column.
 */
export function readConfigFile(env: Record<string, string | undefined>, cwd = process.cwd()): DocumentSource | undefined {
  const explicit = env['IDBRIDGE_CONFIG']?.trim();
  let path: string;
  if (explicit) {
    path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigError([`IDBRIDGE_CONFIG: "${explicit}" does not exist (a YAML or JSON configuration file)`]);
  } else {
    const found = CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).filter((p) => existsSync(p));
    if (found.length === 0) return undefined;
    if (found.length > 1) {
      throw new ConfigError([`${found.map((p) => basename(p)).join(' and ')}: more than one configuration file; keep one, or name it in IDBRIDGE_CONFIG`]);
    }
    path = found[0]!;
  }
  const name = explicit ? explicit : basename(path);
  const stat = statSync(path);
  if (!stat.isFile()) throw new ConfigError([`${name}: is not a file`]);
  if (stat.size > MAX_BYTES) throw new ConfigError([`${name}: is larger than 1 MiB`]);
  const text = readFileSync(path, 'utf8');
  return { name, data: extname(path).toLowerCase() === '.json' ? parseJson(name, text) : parseYaml(name, text) };
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${name}: not valid JSON (${(error as Error).message})`]);
  }
}

function parseYaml(name: string, text: string): unknown {
  // Duplicate keys are errors (a silent last-wins hides a mistake); aliases are bounded by the
  // library (maxAliasCount), so a hostile file cannot blow up memory.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return `${name}: ${at ? `line ${at.line}, column ${at.col}: ` : ''}${what}`;
      }),
    );
  }
  return doc.toJS({ maxAliasCount: 100 });
}

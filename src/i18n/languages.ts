import { ConfigError } from '../config.js';
import { negotiateLocale, type LocaleRequest } from './negotiate.js';
import { BUILTIN_CATALOGUES, translator, type Catalogue, type Translate } from './translate.js';
import { en } from './en.js';

/** An operator's message file, as the entry point read it (`de.json`, `fr.json` in `languages.directory`). */
export interface LanguageFile {
  /** The file name, for messages. */
  name: string;
  content: string;
}

export interface LanguagesOptions {
  /** The locale used when neither `ui_locales` nor `Accept-Language` matches. */
  defaultLocale: string;
  files?: readonly LanguageFile[];
}

const FILE_NAME = /^([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.json$/;
const MAX_FILE_BYTES = 256 * 1024;

/**
 * The languages of this deployment: the built-in catalogues (en, de) plus the operator's message
 * files, each merged over the built-in one of the same tag. Bad files (not JSON, not a flat map of
 * strings, a name that is no language tag) are configuration errors naming the file; missing keys
 * fall back to English and unknown keys are ignored, both reported once in {@link warnings}.
 */
export class Languages {
  readonly locales: readonly string[];
  readonly defaultLocale: string;
  /** Reported once at start by the entry point (missing keys, unknown keys). */
  readonly warnings: readonly string[];
  private readonly translators = new Map<string, Translate>();

  constructor(options: LanguagesOptions) {
    const problems: string[] = [];
    const warnings: string[] = [];
    const catalogues = new Map<string, Record<string, string>>(Object.entries(BUILTIN_CATALOGUES).map(([k, v]) => [k, { ...v }]));
    for (const file of options.files ?? []) {
      const m = FILE_NAME.exec(file.name);
      if (!m) {
        problems.push(`languages.directory: ${file.name}: the file name must be a language tag and .json (de.json, pt-BR.json)`);
        continue;
      }
      const tag = canonicalTag(m[1]!);
      const parsed = parseMessages(file, problems);
      if (!parsed) continue;
      const known = Object.keys(en);
      const unknown = Object.keys(parsed).filter((k) => !Object.hasOwn(en, k));
      if (unknown.length > 0) warnings.push(`languages.directory: ${file.name}: unknown keys ignored: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ` (+${unknown.length - 10})` : ''}`);
      const base = catalogues.get(tag) ?? {};
      const merged: Record<string, string> = { ...base };
      for (const k of known) if (Object.hasOwn(parsed, k)) merged[k] = parsed[k]!;
      const missing = known.filter((k) => !Object.hasOwn(merged, k));
      if (missing.length > 0) warnings.push(`languages.directory: ${file.name}: ${missing.length} keys missing, shown in English: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`);
      catalogues.set(tag, merged);
    }
    const defaultLocale = [...catalogues.keys()].find((l) => l.toLowerCase() === options.defaultLocale.toLowerCase());
    if (!defaultLocale) problems.push(`languages.default: ${JSON.stringify(options.defaultLocale)}: must be one of the available languages (${[...catalogues.keys()].join(', ')})`);
    if (problems.length > 0) throw new ConfigError(problems);
    this.defaultLocale = defaultLocale!;
    this.locales = [...catalogues.keys()];
    this.warnings = warnings;
    for (const [tag, catalogue] of catalogues) this.translators.set(tag, translator(tag, catalogue as Catalogue));
  }

  /** The locale for a request: `ui_locales`, then `Accept-Language`, then the default. */
  negotiate(request: LocaleRequest): string {
    return negotiateLocale(request, this.locales, this.defaultLocale);
  }

  /** The translate function of `locale` (an available one; anything else gets the default's). */
  translator(locale: string): Translate {
    return this.translators.get(locale) ?? this.translators.get(negotiateLocale({ uiLocales: locale }, this.locales, this.defaultLocale))!;
  }

  /** A locale of this deployment for any requested tag (the mail port takes the caller's word). */
  resolve(locale: string | undefined): string {
    return negotiateLocale({ uiLocales: locale }, this.locales, this.defaultLocale);
  }
}

/** `pt-br` → `pt-BR`, `DE` → `de`: how tags are written (BCP 47 case conventions). */
function canonicalTag(tag: string): string {
  return tag
    .split('-')
    .map((part, i) => (i === 0 ? part.toLowerCase() : part.length === 2 ? part.toUpperCase() : part.length === 4 ? part[0]!.toUpperCase() + part.slice(1).toLowerCase() : part.toLowerCase()))
    .join('-');
}

function parseMessages(file: LanguageFile, problems: string[]): Record<string, string> | undefined {
  if (file.content.length > MAX_FILE_BYTES) {
    problems.push(`languages.directory: ${file.name}: larger than ${MAX_FILE_BYTES / 1024} KB`);
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(file.content);
  } catch (error) {
    problems.push(`languages.directory: ${file.name}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    problems.push(`languages.directory: ${file.name}: must be a JSON object of "key": "message"`);
    return undefined;
  }
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') {
      problems.push(`languages.directory: ${file.name}: "${key.slice(0, 80)}" must be a string`);
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** Command-line options: one small parser whose every complaint is one short sentence. */

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  /** A boolean that also accepts `--no-<name>` (false). */
  negatable?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpecs = { json: { type: 'boolean' }, help: { type: 'boolean' } };

/** A mistake in how the command was called (exit code 2). `command` names the help to point to. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export class ParsedArgs {
  constructor(
    private readonly values: ReadonlyMap<string, string | boolean | string[]>,
    readonly positionals: readonly string[],
  ) {}

  string(name: string): string | undefined {
    const value = this.values.get(name);
    return typeof value === 'string' ? value : undefined;
  }

  strings(name: string): string[] | undefined {
    const value = this.values.get(name);
    return Array.isArray(value) ? value : undefined;
  }

  flag(name: string): boolean | undefined {
    const value = this.values.get(name);
    return typeof value === 'boolean' ? value : undefined;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }
}

/**
 * Parse `argv` against `options` (plus {@link GLOBAL_OPTIONS}): `--name value`, `--name=value`,
 * `--flag`, `--no-flag` (negatable), `-h`, and `--` before positionals that start with a dash.
 */
export function parseArgs(argv: readonly string[], options: OptionSpecs, command?: string): ParsedArgs {
  const specs = new Map(Object.entries({ ...GLOBAL_OPTIONS, ...options }));
  const values = new Map<string, string | boolean | string[]>();
  const positionals: string[] = [];
  const fail = (message: string) => new UsageError(message, command);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      values.set('help', true);
      continue;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1) throw fail(`unknown option ${quote(arg)}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    let spec = specs.get(name);
    let negated = false;
    if (!spec && name.startsWith('no-') && specs.get(name.slice(3))?.negatable) {
      name = name.slice(3);
      spec = specs.get(name);
      negated = true;
    }
    if (!spec) throw fail(`unknown option ${quote(`--${name}`)}`);
    if (values.has(name) && !spec.multiple) throw fail(`--${name} is given more than once`);
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw fail(`--${name} takes no value`);
      values.set(name, !negated);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // A following option is a forgotten value, not the value (use --name=--x for that).
      if (next === undefined || next.startsWith('--')) throw fail(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.multiple) values.set(name, [...((values.get(name) as string[] | undefined) ?? []), value]);
    else values.set(name, value);
  }
  return new ParsedArgs(values, positionals);
}

/** An argument as it may be shown: bounded and without control characters. */
export function quote(text: string): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text).replace(/\\u00[0-9a-f]{2}/g, '?');
}

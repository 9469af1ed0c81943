import { ConfigError } from '../../config.js';
import { IdbridgeError } from '../../errors.js';
import { parseArgs, quote, UsageError } from './cli/args.js';
import { WrongRoleError, type Command } from './cli/command.js';
import { CancelledError } from './cli/password.js';

/**
 * One row of the command table: the words that select a command and how to load it. Why lazy:
 * every command module pulls in its dependencies (the app with its views and OIDC provider, SQL
 * drivers, mail), and loading all of them cost ≈ 100 MiB of RSS before a command started, which
 * `users import` (target: peak RSS under 200 MiB for a million rows) cannot afford. Only the
 * selected command's module is loaded; `help` loads them all. The name here must equal the loaded
 * command's name (test/entry/node/cli.test.ts checks every row).
 */
export interface CommandEntry {
  name: string;
  load(): Promise<Command>;
}

const serve: Command = {
  name: 'serve',
  synopsis: '',
  summary: 'Start the server (bridge and identity service, per IDBRIDGE_ROLE)',
  options: {},
  run: async () => (await import('./cli/serve.js')).serveCommand(),
};

/** Every command, in the order `help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', load: async () => serve },
  { name: 'migrate', load: async () => (await import('./cli/migrate.js')).migrate },
  { name: 'user add', load: async () => (await import('./cli/user.js')).userAdd },
  { name: 'user list', load: async () => (await import('./cli/user.js')).userList },
  { name: 'users import', load: async () => (await import('./cli/users-import.js')).usersImport },
  { name: 'users export', load: async () => (await import('./cli/users-import.js')).usersExport },
  { name: 'client add', load: async () => (await import('./cli/client.js')).clientAdd },
  { name: 'client update', load: async () => (await import('./cli/client.js')).clientUpdate },
  { name: 'client list', load: async () => (await import('./cli/client.js')).clientList },
  { name: 'client remove', load: async () => (await import('./cli/client.js')).clientRemove },
  { name: 'keys rotate', load: async () => (await import('./cli/keys.js')).keysRotate },
  { name: 'keys list', load: async () => (await import('./cli/keys.js')).keysList },
  { name: 'directory check', load: async () => (await import('./cli/directory.js')).directoryCheck },
  { name: 'directory status', load: async () => (await import('./cli/directory.js')).directoryStatus },
  { name: 'aw show', load: async () => (await import('./cli/aw.js')).awShow },
  { name: 'aw rotate', load: async () => (await import('./cli/aw.js')).awRotate },
  { name: 'aw janrain-compat', load: async () => (await import('./cli/aw.js')).awJanrainCompat },
  { name: 'secret rewrap', load: async () => (await import('./cli/secret.js')).secretRewrap },
  { name: 'token add', load: async () => (await import('./cli/token.js')).tokenAdd },
  { name: 'token list', load: async () => (await import('./cli/token.js')).tokenList },
  { name: 'token revoke', load: async () => (await import('./cli/token.js')).tokenRevoke },
  { name: 'audit list', load: async () => (await import('./cli/token.js')).auditList },
  { name: 'webhook add', load: async () => (await import('./cli/webhook.js')).webhookAdd },
  { name: 'webhook list', load: async () => (await import('./cli/webhook.js')).webhookList },
  { name: 'webhook remove', load: async () => (await import('./cli/webhook.js')).webhookRemove },
  { name: 'webhook deliveries', load: async () => (await import('./cli/webhook.js')).webhookDeliveries },
];

/** Every command loaded (for help texts only). */
const loadAll = (entries: readonly CommandEntry[]): Promise<Command[]> => Promise.all(entries.map((e) => e.load()));

const SIDE_MARK = { bridge: '[bridge]', identity: '[identity]' } as const;

async function usage(): Promise<string> {
  const lines = (await loadAll(COMMANDS)).map((c) => `  ${c.name.padEnd(18)}${c.summary}${c.side ? `  ${SIDE_MARK[c.side]}` : ''}`);
  return `Usage: idbridge <command> [options]

Commands:
${lines.join('\n')}
  help [COMMAND]    Show this text, or a command's help

[bridge] commands run where IDBRIDGE_ROLE is bridge or all, [identity] ones where it is identity or all.

Options of every command:
  --json          Machine-readable output; errors too ({"error": ...} on stdout, non-zero exit)
  -h, --help      Show the command's help (\`idbridge user add --help\`)

Settings come from environment variables and ./.env; see README.md.`;
}

function commandHelp(command: Command): string {
  const where = command.side ? `\nRuns where IDBRIDGE_ROLE is ${command.side} or all.` : '';
  return [
    `Usage: idbridge ${command.name}${command.synopsis ? ` ${command.synopsis}` : ''} [--json]`,
    '',
    `${command.summary}.${where}`,
    ...(command.details ? ['', command.details] : []),
  ].join('\n');
}

function groupHelp(group: string, commands: readonly Command[]): string {
  return [`Usage: idbridge ${group} <command> [options]`, '', ...commands.map((c) => `  idbridge ${c.name}${c.synopsis ? ` ${c.synopsis}` : ''}\n      ${c.summary}`), '', `\`idbridge ${group} <command> --help\` shows one command's options.`].join('\n');
}

/** Run the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // Known before anything is parsed, so that even a broken command line gets a JSON error.
  const json = argv.slice(0, argv.indexOf('--') === -1 ? undefined : argv.indexOf('--')).includes('--json');
  try {
    return await dispatch(argv, json);
  } catch (error) {
    return fail(json, error);
  }
}

async function dispatch(argv: string[], json: boolean): Promise<number> {
  // The first two words that are not options select the command (`client update ID --name x`);
  // options may come before them too (`--json client list`).
  const words = argv.filter((a) => !a.startsWith('-'));
  const [first, second] = words;
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (first === undefined) {
    parseArgs(argv, {}); // reports an unknown option
    if (json && !wantsHelp) throw new UsageError('needs a command');
    process.stdout.write(`${await usage()}\n`);
    return wantsHelp ? 0 : 2;
  }
  if (first === 'help') {
    const topic = words.slice(1).join(' ');
    const group = COMMANDS.filter((c) => c.name.split(' ')[0] === topic);
    const found = COMMANDS.find((c) => c.name === topic);
    if (topic && !found && group.length === 0) throw new UsageError(`no command ${quote(topic)}`);
    process.stdout.write(`${found ? commandHelp(await found.load()) : group.length > 0 ? groupHelp(topic, await loadAll(group)) : await usage()}\n`);
    return 0;
  }
  const group = COMMANDS.filter((c) => c.name.split(' ')[0] === first);
  if (group.length === 0) throw new UsageError(`unknown command ${quote(first)}`);
  const entry = group.length === 1 && group[0]!.name === first ? group[0]! : group.find((c) => c.name === `${first} ${second}`);
  if (!entry) {
    if (wantsHelp && second === undefined) {
      process.stdout.write(`${groupHelp(first, await loadAll(group))}\n`);
      return 0;
    }
    const subs = group.map((c) => c.name.split(' ')[1]).join(', ');
    if (second === undefined) throw new UsageError(`needs a command: ${subs}`, first);
    throw new UsageError(`unknown command ${quote(second)}; ${first} has ${subs}`, first);
  }
  const command = await entry.load();
  // Drop the command's own words (the first occurrences), keep everything else in order.
  const rest = [...argv];
  for (const word of command.name.split(' ')) rest.splice(rest.indexOf(word), 1);
  const args = parseArgs(rest, command.options, command.name);
  if (args.flag('help')) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  const expected = command.positionals ?? [];
  if (args.positionals.length < expected.length) throw new UsageError(`needs ${expected.slice(args.positionals.length).join(' ')}`, command.name);
  if (args.positionals.length > expected.length) throw new UsageError(`unexpected argument ${quote(args.positionals[expected.length]!)}`, command.name);
  return (await command.run({ command, args, json })) ?? 0;
}

/**
 * Report a failure: one `idbridge:` line on stderr and, with `--json`, `{"error": message,
 * "code": ...}` on stdout. Exit codes: 2 for usage mistakes, 130 when cancelled, 1 otherwise.
 */
function fail(json: boolean, error: unknown): number {
  let message: string;
  let code: string;
  let exit = 1;
  let extra: Record<string, unknown> = {};
  if (error instanceof UsageError) {
    message = error.command ? `${error.command}: ${error.message} (see \`idbridge ${error.command} --help\`)` : `${error.message} (see \`idbridge --help\`)`;
    code = 'usage';
    exit = 2;
  } else if (error instanceof WrongRoleError) {
    message = error.message;
    code = 'wrong_role';
  } else if (error instanceof CancelledError) {
    message = error.message;
    code = 'cancelled';
    exit = 130;
  } else if (error instanceof ConfigError) {
    message = error.message;
    code = 'invalid_configuration';
    extra = { problems: error.problems };
  } else if (error instanceof IdbridgeError) {
    message = error.description;
    code = error.code;
  } else {
    message = `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    code = 'unexpected';
  }
  if (json) process.stdout.write(`${JSON.stringify({ error: message, code, ...extra })}\n`);
  process.stderr.write(`idbridge: ${message}\n`);
  return exit;
}

import type { AppServices } from '../../../app.js';
import type { Config, Role } from '../../../config.js';
import { checkDeploymentSecret } from '../../secret-rotation.js';
import { openDatabase, type NodeDatabase } from '../database.js';
import { loadNodeConfig } from '../environment.js';
import type { OptionSpecs, ParsedArgs } from './args.js';

/** The half of a split deployment a command's data lives with. */
export type Side = Exclude<Role, 'all'>;

/** One CLI command: its help, its options, where it may run, and what it does. */
export interface Command {
  /** Words that select it, e.g. `client update`. */
  name: string;
  /** What follows the name in the usage line, e.g. `CLIENT_ID [--name N]`. */
  synopsis: string;
  /** One line for the command list. */
  summary: string;
  /** The option descriptions shown by `--help`. */
  details?: string;
  /** The side that owns the data; absent: either side (the command adapts to the role). */
  side?: Side;
  options: OptionSpecs;
  /** Names of the positional arguments it takes (all required). */
  positionals?: readonly string[];
  /** Returns the exit code (0 when nothing is returned). */
  run(input: CommandInput): Promise<number | void>;
}

export interface CommandInput {
  command: Command;
  args: ParsedArgs;
  json: boolean;
}

/**
 * Run a command that refuses to run on the wrong side: users live with the bridge, clients, keys
 * and the API key with the identity service. The database is closed afterwards.
 */
export async function withServices(input: CommandInput, run: (services: AppServices, database: NodeDatabase) => Promise<void>): Promise<void> {
  // The app and its runtime parts are loaded here, not at the top: a command that needs only the
  // database (`users import`, through withDatabase) then never loads them (RSS; see cli.ts).
  const [{ createServices }, { readOperatorFiles, smtpOptions }, { SmtpMailer }, { jsonLogger }, { nodeFetch }, { nodeScrypt }, { nodeHashPrimitives }] = await Promise.all([
    import('../../../app.js'),
    import('../operator-files.js'),
    import('../smtp-mailer.js'),
    import('../../../log.js'),
    import('../fetch.js'),
    import('../scrypt.js'),
    import('../hash-primitives.js'),
  ]);
  await withDatabase(input, async (config, database) => {
    const smtp = smtpOptions(config);
    const mailer = smtp ? new SmtpMailer(smtp) : undefined;
    try {
      await run(
        createServices({
          config,
          mailer,
          operatorFiles: readOperatorFiles(config),
          db: database.db,
          fetch: nodeFetch(),
          scrypt: nodeScrypt,
          hashPrimitives: nodeHashPrimitives,
          logger: jsonLogger((line) => process.stderr.write(`${line}\n`), 'warn'),
        }),
        database,
      );
    } finally {
      mailer?.close();
    }
  });
}

/**
 * The part of {@link withServices} a command working on the database alone needs: the settings,
 * the side check, the open database and the deployment-secret check (as at serve: with the wrong
 * secret a command must neither fail obscurely nor seal new values under it). Closed afterwards.
 */
export async function withDatabase(input: CommandInput, run: (config: Config, database: NodeDatabase) => Promise<void>): Promise<void> {
  const { config } = loadNodeConfig();
  checkRole(input.command, config);
  const database = openDatabase(config.databasePath);
  try {
    await checkDeploymentSecret(config, database.db, Date.now());
    await run(config, database);
  } finally {
    database.close();
  }
}

/** A command run where its data does not live (exit code 1). */
export class WrongRoleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WrongRoleError';
  }
}

const SIDE_TEXT: Record<Side, { what: string; where: string }> = {
  bridge: { what: 'users live with the bridge, next to the site', where: 'IDBRIDGE_ROLE=bridge or all' },
  identity: { what: 'clients, signing keys and the API key live with the identity service', where: 'IDBRIDGE_ROLE=identity or all' },
};

function checkRole(command: Command, config: Config): void {
  if (!command.side || config.role === 'all' || config.role === command.side) return;
  const { what, where } = SIDE_TEXT[command.side];
  throw new WrongRoleError(`"${command.name}" does not run here (IDBRIDGE_ROLE=${config.role}): ${what}; run it where ${where}`);
}

/** JSON with `--json`, otherwise the text. */
export function print(input: CommandInput, json: unknown, text: string): void {
  process.stdout.write(input.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

export function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

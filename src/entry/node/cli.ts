import { parseArgs } from 'node:util';
import { createServices, type AppServices } from '../../app.js';
import { ConfigError, type Config } from '../../config.js';
import { IdbridgeError } from '../../errors.js';
import { clientView } from '../../provider/oidc/client-registry.js';
import { jsonLogger } from '../../log.js';
import { createUser, type NewUserInput } from '../../users/create-user.js';
import type { DirectoryUser } from '../../users/user.js';
import { randomToken } from '../../util/bytes.js';
import { openDatabase } from './database.js';
import { loadNodeConfig } from './environment.js';
import { nodeFetch } from './fetch.js';
import { nodeScrypt } from './scrypt.js';
import { startServer } from './server.js';

const USAGE = `Usage: idbridge <command> [options]

Commands:
  serve                         Start the server (bridge and identity service, per IDBRIDGE_ROLE)
  migrate                       Apply database migrations and exit
  user add --email E --password P [--username U] [--name FULL NAME] [--nickname N]
           [--dob YYYY-MM-DD] [--gender M|F] [--postcode P] [--country CC] [--language L]
           [--timezone Area/City] [--phone +123] [--customer-id ID] [--external-id ID]
           [--email-verified] [--blocked]
                                Create a user in the built-in user table
  user list [--limit N] [--offset N]
                                List users
  client add --name N --redirect-uri U [--redirect-uri U2] [--post-logout-redirect-uri U]
           [--public] [--trusted] [--scope S ...]
                                Register an OpenID Connect client (prints the secret once)
  client list                   List OpenID Connect clients
  client remove CLIENT_ID       Remove a client
  keys rotate                   Add new signing keys; old public keys stay published until
                                the tokens they signed expire
  keys list                     List published signing keys
  aw show                       Show the authenticating website's API key (postback credential)
  aw rotate                     Replace that API key (the old one stops working at once)
  aw janrain-compat on|off      Accept postbacks from a stock Janrain authenticating website
                                (no return_token; weaker, see docs/janrain-migration.md)
  help                          Show this text

Options:
  --json                        Machine-readable output

Settings come from environment variables and ./.env; see README.md.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  email: { type: 'string' },
  password: { type: 'string' },
  username: { type: 'string' },
  name: { type: 'string' },
  nickname: { type: 'string' },
  dob: { type: 'string' },
  gender: { type: 'string' },
  postcode: { type: 'string' },
  country: { type: 'string' },
  language: { type: 'string' },
  timezone: { type: 'string' },
  phone: { type: 'string' },
  'customer-id': { type: 'string' },
  'external-id': { type: 'string' },
  'email-verified': { type: 'boolean' },
  blocked: { type: 'boolean' },
  limit: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  public: { type: 'boolean' },
  trusted: { type: 'boolean' },
  scope: { type: 'string', multiple: true },
  offset: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

/** Run the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [command, sub] = positionals;
  if (!command || command === 'help' || values.help) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }

  try {
    switch (command) {
      case 'serve':
        return await serveCommand();
      case 'migrate':
        return withServices(values, async ({ config }) => {
          print(values, { migrated: true, database: config.databasePath }, `Database ${config.databasePath} is up to date.`);
        });
      case 'user':
        if (sub === 'add') return withServices(values, (s) => userAdd(s, values));
        if (sub === 'list') return withServices(values, (s) => userList(s, values));
        throw new UsageError(`unknown user command "${sub ?? ''}"`);
      case 'client':
        if (sub === 'add') return withServices(values, (s) => clientAdd(s, values));
        if (sub === 'list')
          return withServices(values, async (s) => {
            const clients = (await s.clients.list()).map(clientView);
            if (values.json) return void process.stdout.write(`${JSON.stringify({ clients })}\n`);
            table(
              ['CLIENT_ID', 'NAME', 'TYPE', 'TRUSTED', 'REDIRECT_URIS'],
              clients.map((c) => [c.client_id, c.name, c.public ? 'public' : 'confidential', c.trusted ? 'yes' : 'no', c.redirect_uris.join(' ')]),
            );
          });
        if (sub === 'remove') {
          const id = positionals[2];
          if (!id) throw new UsageError('client remove needs a CLIENT_ID');
          return withServices(values, async (s) => {
            await s.clients.remove(id);
            print(values, { removed: id }, `Removed client ${id}`);
          });
        }
        throw new UsageError(`unknown client command "${sub ?? ''}"`);
      case 'keys':
        if (sub === 'rotate')
          return withServices(values, async (s) => {
            await s.signingKeys.jwks(); // make sure the current keys exist before retiring them
            const kids = await s.signingKeys.rotate();
            print(values, { rotated: true, kids }, `New signing keys: ${kids.join(', ')}`);
          });
        if (sub === 'list')
          return withServices(values, async (s) => {
            const { keys } = await s.signingKeys.jwks();
            if (values.json) return void process.stdout.write(`${JSON.stringify({ keys })}\n`);
            table(['KID', 'ALG'], keys.map((k) => [String(k.kid), String(k.alg)]));
          });
        throw new UsageError(`unknown keys command "${sub ?? ''}"`);
      case 'aw':
        if (sub === 'show')
          return withServices(values, async (s) => {
            const key = await s.apiKeys.ensure();
            const compatible = await s.janrainCompatibility.enabled();
            print(values, { ...awInfo(s.config, key), janrain_compatible: compatible }, `${awText(s.config, key)}\nJanrain-compatible postbacks: ${compatible ? 'on' : 'off'}`);
          });
        if (sub === 'janrain-compat') {
          const value = positionals[2];
          if (value !== 'on' && value !== 'off') throw new UsageError('aw janrain-compat needs on or off');
          return withServices(values, async (s) => {
            await s.janrainCompatibility.set(value === 'on');
            print(
              values,
              { janrain_compatible: value === 'on' },
              value === 'on'
                ? 'Janrain-compatible postbacks are on: postbacks without return_token are accepted, and consent is always asked\nunless the relying party is trusted. See docs/janrain-migration.md for what this gives up.'
                : 'Janrain-compatible postbacks are off: every postback must carry return_token.',
            );
          });
        }
        if (sub === 'rotate')
          return withServices(values, async (s) => {
            const key = await s.apiKeys.rotate();
            print(values, { ...awInfo(s.config, key), rotated: true }, `API key rotated.\n${awText(s.config, key)}`);
          });
        throw new UsageError(`unknown aw command "${sub ?? ''}"`);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    return fail(values, error);
  }
}

function fail(values: Values, error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`idbridge: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  const message =
    error instanceof ConfigError
      ? error.message
      : error instanceof IdbridgeError
        ? error.description
        : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
  if (values.json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  process.stderr.write(`idbridge: ${message}\n`);
  return 1;
}

async function withServices(values: Values, run: (services: AppServices) => Promise<void>): Promise<number> {
  const { config } = loadNodeConfig();
  const database = openDatabase(config.databasePath);
  try {
    const services = createServices({
      config,
      db: database.db,
      fetch: nodeFetch(),
      scrypt: nodeScrypt,
      logger: jsonLogger((line) => process.stderr.write(`${line}\n`), 'warn'),
    });
    await run(services);
    return 0;
  } catch (error) {
    return fail(values, error);
  } finally {
    database.close();
  }
}

async function serveCommand(): Promise<number> {
  const { config, generatedSecretPath } = loadNodeConfig();
  const server = await startServer(config);
  const { services } = server;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`idbridge ${config.role === 'all' ? '(bridge + identity service)' : `(${config.role})`} listening on ${server.url}`);
  say(`  public URL: ${config.publicUrl}    database: ${config.databasePath}    environment: ${config.environment}`);
  if (generatedSecretPath) say(`  generated a development secret in ${generatedSecretPath}`);
  if (config.role !== 'bridge') {
    await services.apiKeys.ensure();
    await services.signingKeys.jwks(); // ES256 and RS256 keys exist from the first start on
  }
  if (config.environment === 'development' && config.role !== 'identity' && (await services.userStore.count()) === 0) {
    const password = randomToken(72);
    await createUser(
      { email: 'demo@example.com', username: 'demo', password, fullname: 'Demo User', nickname: 'demo', country: 'US', language: 'en', timezone: 'Europe/London', emailVerified: true },
      { store: services.userStore, hasher: services.hasher, now: services.clock.now() },
    );
    say('');
    say('  Created a demo user (development only; shown once):');
    say('    email:    demo@example.com   (username: demo)');
    say(`    password: ${password}`);
  }
  say('');

  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => undefined); // runs until stopped
}

async function userAdd(services: AppServices, values: Values): Promise<void> {
  if (!values.email || !values.password) throw new UsageError('user add needs --email and --password');
  const input: NewUserInput = {
    email: values.email,
    password: values.password,
    username: values.username,
    fullname: values.name,
    nickname: values.nickname,
    dob: values.dob,
    gender: values.gender as NewUserInput['gender'],
    postcode: values.postcode,
    country: values.country,
    language: values.language,
    timezone: values.timezone,
    phone: values.phone,
    customerId: values['customer-id'],
    externalId: values['external-id'],
    emailVerified: values['email-verified'] ?? false,
    blocked: values.blocked ?? false,
  };
  const user = await createUser(input, { store: services.userStore, hasher: services.hasher, now: services.clock.now() });
  print(values, userJson(services.config, user), `Created user ${user.id} <${user.email}>`);
}

async function clientAdd(services: AppServices, values: Values): Promise<void> {
  if (!values.name || !values['redirect-uri']?.length) throw new UsageError('client add needs --name and at least one --redirect-uri');
  const { client, clientSecret } = await services.clients.register({
    name: values.name,
    redirectUris: values['redirect-uri'],
    postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
    public: values.public ?? false,
    trusted: values.trusted ?? false,
    scopes: values.scope?.flatMap((s) => s.split(/[\s,]+/).filter(Boolean)),
  });
  const view = { ...clientView(client), ...(clientSecret ? { client_secret: clientSecret } : {}) };
  print(
    values,
    view,
    [`Client ${client.name} registered.`, `client_id:     ${client.clientId}`, ...(clientSecret ? [`client_secret: ${clientSecret}   (shown once; only its hash is stored)`] : [])].join('\n'),
  );
}

async function userList(services: AppServices, values: Values): Promise<void> {
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  const offset = values.offset === undefined ? 0 : Number(values.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be an integer from 1 to 10000');
  if (!Number.isInteger(offset) || offset < 0) throw new UsageError('--offset must be a non-negative integer');
  const users = await services.userStore.list({ limit, offset });
  const total = await services.userStore.count();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ total, users: users.map((u) => userJson(services.config, u)) })}\n`);
    return;
  }
  const rows = users.map((u) => [u.id, u.email, u.username ?? '', u.profile.fullname ?? '', u.blocked ? 'blocked' : '', String(u.loginsCount)]);
  table(['ID', 'EMAIL', 'USERNAME', 'NAME', 'STATUS', 'LOGINS'], rows);
  process.stdout.write(`${users.length} of ${total} user(s)\n`);
}

/** The seeds' user model (RFC 3339 times, logins_count as an int64 string) plus the profile. */
function userJson(config: Config, user: DirectoryUser) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    tenant: config.tenant,
    id: user.id,
    customer: user.customerId,
    email: user.email,
    username: user.username,
    email_verified: user.emailVerified,
    blocked: user.blocked,
    logins_count: String(user.loginsCount),
    login_time: iso(user.loginTime),
    create_time: iso(user.createTime),
    update_time: iso(user.updateTime),
    phone: user.phone,
    external_id: user.externalId,
    profile: user.profile,
  };
}

function awInfo(config: Config, apiKey: string) {
  return {
    api_key: apiKey,
    postback_url: `${config.publicUrl}/ows_auth`,
    return_url: `${config.publicUrl}/ows_return`,
    verify_url: config.identity.verifyUrl,
  };
}

function awText(config: Config, apiKey: string): string {
  const info = awInfo(config, apiKey);
  return [
    `API key:      ${info.api_key}`,
    `PostBack URL: ${info.postback_url}`,
    `Return URL:   ${info.return_url}`,
    `Verify URL:   ${info.verify_url}`,
  ].join('\n');
}

function print(values: Values, json: unknown, text: string): void {
  process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

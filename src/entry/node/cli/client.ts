import { clientView } from '../../../provider/oidc/client-registry.js';
import { UsageError } from './args.js';
import { print, table, withServices, type Command } from './command.js';

const REDIRECT_HELP = `  --redirect-uri U        exact redirect URI (https; http only for localhost); repeat for more
  --post-logout-redirect-uri U   exact URI for RP-initiated logout; repeat for more`;

export const clientAdd: Command = {
  name: 'client add',
  synopsis: `--name N --redirect-uri U [--redirect-uri U2] [--post-logout-redirect-uri U]
           [--public] [--trusted] [--scope S ...]`,
  summary: 'Register an OpenID Connect client (prints the secret once)',
  details: `  --name N                shown on the consent page
${REDIRECT_HELP}
  --public                a browser or native app: no secret, PKCE required
  --trusted               first-party: skips the consent page (unless prompt=consent)
  --scope S               scopes it may get (space or comma separated; default: all)`,
  side: 'identity',
  options: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    public: { type: 'boolean' },
    trusted: { type: 'boolean' },
    scope: { type: 'string', multiple: true },
  },
  run: (input) => {
    const { args } = input;
    const name = args.string('name');
    const redirectUris = args.strings('redirect-uri');
    if (!name || !redirectUris) throw new UsageError('needs --name and at least one --redirect-uri', input.command.name);
    return withServices(input, async (services) => {
      const { client, clientSecret } = await services.clients.register({
        name,
        redirectUris,
        postLogoutRedirectUris: args.strings('post-logout-redirect-uri') ?? [],
        public: args.flag('public') ?? false,
        trusted: args.flag('trusted') ?? false,
        scopes: args.strings('scope')?.flatMap((s) => s.split(/[\s,]+/).filter(Boolean)),
      });
      const view = { ...clientView(client), ...(clientSecret ? { client_secret: clientSecret } : {}) };
      print(
        input,
        view,
        [
          `Client ${client.name} registered.`,
          `client_id:     ${client.clientId}`,
          ...(clientSecret ? [`client_secret: ${clientSecret}   (shown once; only its hash is stored)`] : []),
        ].join('\n'),
      );
    });
  },
};

export const clientUpdate: Command = {
  name: 'client update',
  synopsis: `CLIENT_ID [--name N] [--redirect-uri U ...] [--post-logout-redirect-uri U ...]
           [--trusted | --no-trusted]`,
  summary: 'Change a client in place (same client_id and secret)',
  details: `Options given replace the stored value; the others stay. Takes effect at once, also in a
running server.
  --name N                new name
${REDIRECT_HELP}
                          (the given list replaces the registered one)
  --trusted / --no-trusted   skip / ask for consent`,
  side: 'identity',
  positionals: ['CLIENT_ID'],
  options: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    trusted: { type: 'boolean', negatable: true },
  },
  run: (input) => {
    const { args } = input;
    const changes = {
      name: args.string('name'),
      redirectUris: args.strings('redirect-uri'),
      postLogoutRedirectUris: args.strings('post-logout-redirect-uri'),
      trusted: args.flag('trusted'),
    };
    if (Object.values(changes).every((v) => v === undefined)) {
      throw new UsageError('needs something to change: --name, --redirect-uri, --post-logout-redirect-uri, --trusted or --no-trusted', input.command.name);
    }
    return withServices(input, async (services) => {
      const client = await services.clients.update(args.positionals[0]!, changes);
      print(input, clientView(client), `Client ${client.clientId} updated.\nredirect_uris: ${client.redirectUris.join(' ')}`);
    });
  },
};

export const clientList: Command = {
  name: 'client list',
  synopsis: '',
  summary: 'List OpenID Connect clients',
  side: 'identity',
  options: {},
  run: (input) =>
    withServices(input, async (services) => {
      const clients = (await services.clients.list()).map(clientView);
      if (input.json) return void process.stdout.write(`${JSON.stringify({ clients })}\n`);
      table(
        ['CLIENT_ID', 'NAME', 'TYPE', 'TRUSTED', 'REDIRECT_URIS'],
        clients.map((c) => [c.client_id, c.name, c.public ? 'public' : 'confidential', c.trusted ? 'yes' : 'no', c.redirect_uris.join(' ')]),
      );
    }),
};

export const clientRemove: Command = {
  name: 'client remove',
  synopsis: 'CLIENT_ID',
  summary: 'Remove a client',
  side: 'identity',
  positionals: ['CLIENT_ID'],
  options: {},
  run: (input) =>
    withServices(input, async (services) => {
      const id = input.args.positionals[0]!;
      await services.clients.remove(id);
      print(input, { removed: id }, `Removed client ${id}`);
    }),
};

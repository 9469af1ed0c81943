import { API_SCOPES } from '../../../api/api-tokens.js';
import { UsageError } from './args.js';
import { print, table, withServices, type Command } from './command.js';

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

export const tokenAdd: Command = {
  name: 'token add',
  synopsis: '--scope SCOPE[,SCOPE] [--name NAME]',
  summary: 'Create a Users API token (shown once, stored hashed)',
  details: `  --scope S               ${API_SCOPES.join(', ')}; several comma-separated
  --name NAME             what the token is for (shown by \`token list\`)
The token is printed once; only its SHA-256 is stored. Send it as \`Authorization: Bearer <token>\`.`,
  side: 'bridge',
  options: { scope: { type: 'string' }, name: { type: 'string' } },
  run: (input) =>
    withServices(input, async (services) => {
      const scope = input.args.string('scope');
      if (!scope) throw new UsageError(`needs --scope (${API_SCOPES.join(', ')})`, input.command.name);
      const { token, record } = await services.apiTokens.create(scope.split(/[,\s]+/).filter(Boolean), input.args.string('name'));
      print(input, { id: record.id, name: record.name, scopes: record.scopes, token }, `Token ${record.id} (${record.scopes.join(' ')}):\n${token}\nStore it now: it is not shown again.`);
    }),
};

export const tokenList: Command = {
  name: 'token list',
  synopsis: '',
  summary: 'List Users API tokens (never the tokens themselves)',
  side: 'bridge',
  options: {},
  run: (input) =>
    withServices(input, async (services) => {
      const tokens = (await services.apiTokens.list()).map(({ tokenHash: _omit, ...t }) => t);
      if (input.json) return void process.stdout.write(`${JSON.stringify({ tokens })}\n`);
      table(
        ['ID', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'STATUS'],
        tokens.map((t) => [t.id, t.name ?? '', t.scopes.join(' '), iso(t.createdAt), iso(t.lastUsedAt), t.revokedAt === null ? 'active' : `revoked ${iso(t.revokedAt)}`]),
      );
    }),
};

export const tokenRevoke: Command = {
  name: 'token revoke',
  synopsis: 'TOKEN_ID',
  summary: 'Revoke a Users API token at once',
  side: 'bridge',
  options: {},
  positionals: ['TOKEN_ID'],
  run: (input) =>
    withServices(input, async (services) => {
      const id = input.args.positionals[0]!;
      const revoked = await services.apiTokens.revoke(id);
      if (!revoked) throw new UsageError(`no active token ${id}`, input.command.name);
      print(input, { id, revoked: true }, `Revoked token ${id}`);
    }),
};

export const auditList: Command = {
  name: 'audit list',
  synopsis: '[--user ID] [--limit N]',
  summary: 'Show the audit log of Users API writes (newest first)',
  details: `  --user ID               only this user's entries
  --limit N               at most N entries (1-10000, default 100)`,
  side: 'bridge',
  options: { user: { type: 'string' }, limit: { type: 'string' } },
  run: (input) => {
    const limitText = input.args.string('limit') ?? '100';
    const limit = /^\d{1,5}$/.test(limitText) ? Number(limitText) : 0;
    if (limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000', input.command.name);
    return withServices(input, async (services) => {
      const entries = await services.audit.list({ limit, userId: input.args.string('user') });
      if (input.json) return void process.stdout.write(`${JSON.stringify({ entries: entries.map((e) => ({ ...e, at: iso(e.at) })) })}\n`);
      table(['WHEN', 'WHO', 'OPERATION', 'USER', 'FIELDS'], entries.map((e) => [iso(e.at), e.actor, e.operation, e.userId ?? '', e.fields.join(',')]));
    });
  },
};

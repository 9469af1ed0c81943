import { deliveryView, endpointView } from '../../../api/webhook-routes.js';
import { USER_EVENT_TYPES } from '../../../users/user-events.js';
import { UsageError } from './args.js';
import { print, table, withServices, type Command } from './command.js';

export const webhookAdd: Command = {
  name: 'webhook add',
  synopsis: 'URL --events TYPE[,TYPE…]',
  summary: 'Add a webhook endpoint for user change notifications (prints its signing secret once)',
  details: `  --events TYPES          comma-separated: ${USER_EVENT_TYPES.join(', ')}, or * for all
The URL must be https (http only to localhost outside production). The signing secret is shown
only now; receivers verify the Idbridge-Signature header with it (docs/webhooks.md).`,
  side: 'bridge',
  positionals: ['URL'],
  options: { events: { type: 'string' } },
  run: (input) => {
    const events = input.args.string('events');
    if (!events) throw new UsageError('needs --events', input.command.name);
    return withServices(input, async (services) => {
      const { endpoint, secret } = await services.webhooks.add({ url: input.args.positionals[0], events });
      print(
        input,
        { ...endpointView(endpoint), secret },
        `Added webhook ${endpoint.id} → ${endpoint.url} (${endpoint.events.join(', ')})\nSigning secret (shown only now): ${secret}`,
      );
    });
  },
};

export const webhookList: Command = {
  name: 'webhook list',
  synopsis: '',
  summary: 'List webhook endpoints',
  side: 'bridge',
  options: {},
  run: (input) =>
    withServices(input, async (services) => {
      const endpoints = await services.webhooks.list();
      if (input.json) return void process.stdout.write(`${JSON.stringify({ endpoints: endpoints.map(endpointView) })}\n`);
      table(['ID', 'URL', 'EVENTS'], endpoints.map((e) => [e.id, e.url, e.events.join(',')]));
    }),
};

export const webhookRemove: Command = {
  name: 'webhook remove',
  synopsis: 'ID',
  summary: 'Remove a webhook endpoint (its pending deliveries and log go with it)',
  side: 'bridge',
  positionals: ['ID'],
  options: {},
  run: (input) =>
    withServices(input, async (services) => {
      const id = input.args.positionals[0]!;
      await services.webhooks.remove(id);
      print(input, { removed: id }, `Removed webhook ${id}`);
    }),
};

export const webhookDeliveries: Command = {
  name: 'webhook deliveries',
  synopsis: 'ID [--limit N]',
  summary: "Show a webhook endpoint's latest deliveries (status, attempts, last answer)",
  details: '  --limit N               at most N deliveries, newest first (1-1000, default 50)',
  side: 'bridge',
  positionals: ['ID'],
  options: { limit: { type: 'string' } },
  run: (input) => {
    const raw = input.args.string('limit');
    if (raw !== undefined && !/^\d{1,4}$/.test(raw)) throw new UsageError('--limit must be a whole number from 1 to 1000', input.command.name);
    return withServices(input, async (services) => {
      const deliveries = (await services.webhooks.deliveries(input.args.positionals[0]!, raw === undefined ? 50 : Number(raw))).map(deliveryView);
      if (input.json) return void process.stdout.write(`${JSON.stringify({ deliveries })}\n`);
      table(
        ['EVENT', 'TYPE', 'USER', 'SEQ', 'STATUS', 'ATTEMPTS', 'LAST', 'NEXT ATTEMPT'],
        deliveries.map((d) => [d.event_id, d.type, d.user_id, String(d.sequence), d.status, String(d.attempts), d.last_error ?? (d.last_status === null ? '' : String(d.last_status)), d.next_attempt_time ?? '']),
      );
    });
  },
};

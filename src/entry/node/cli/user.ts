import type { Config } from '../../../config.js';
import { createUser, type NewUserInput } from '../../../users/create-user.js';
import type { DirectoryUser } from '../../../users/user.js';
import { UsageError } from './args.js';
import { print, table, withServices, type Command } from './command.js';
import { newPassword } from './password.js';

const PROFILE_OPTIONS = [
  'username', 'name', 'nickname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone', 'phone', 'customer-id', 'external-id',
] as const;

export const userAdd: Command = {
  name: 'user add',
  synopsis: `--email E [--password-stdin] [--username U] [--name FULL NAME] [--nickname N]
           [--dob YYYY-MM-DD] [--gender M|F] [--postcode P] [--country CC] [--language L]
           [--timezone Area/City] [--phone +123] [--customer-id ID] [--external-id ID]
           [--email-verified] [--blocked]`,
  summary: 'Create a user in the built-in user table',
  details: `The password is asked for on a terminal (twice, not shown). Elsewhere:
  --password-stdin        read it as one line from stdin (e.g. from a secrets manager)
  --password P            take it from the command line; avoid: visible in \`ps\` and the shell history
Profile (SREG formats):
  --username U            1-64 letters, digits, ".", "_" or "-" (sign-in name besides the email)
  --name FULL NAME        full name
  --dob YYYY-MM-DD        date of birth
  --gender M|F
  --country CC            ISO 3166-1 alpha-2
  --language L            ISO 639 (e.g. en, pt-BR)
  --timezone Area/City    IANA time zone
  --phone +123            phone number
  --customer-id ID / --external-id ID   your own identifiers
  --email-verified        mark the email as verified
  --blocked               create the account blocked`,
  side: 'bridge',
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    ...Object.fromEntries(PROFILE_OPTIONS.map((name) => [name, { type: 'string' as const }])),
    'email-verified': { type: 'boolean' },
    blocked: { type: 'boolean' },
  },
  run: (input) =>
    withServices(input, async (services) => {
      const { args } = input;
      const email = args.string('email');
      if (!email) throw new UsageError('needs --email', input.command.name);
      const password = await newPassword(args, input.command.name);
      const user = await createUser(
        {
          email,
          password,
          username: args.string('username'),
          fullname: args.string('name'),
          nickname: args.string('nickname'),
          dob: args.string('dob'),
          gender: args.string('gender') as NewUserInput['gender'],
          postcode: args.string('postcode'),
          country: args.string('country'),
          language: args.string('language'),
          timezone: args.string('timezone'),
          phone: args.string('phone'),
          customerId: args.string('customer-id'),
          externalId: args.string('external-id'),
          emailVerified: args.flag('email-verified') ?? false,
          blocked: args.flag('blocked') ?? false,
        },
        { store: services.userStore, hasher: services.hasher, now: services.clock.now() },
      );
      print(input, userJson(services.config, user), `Created user ${user.id} <${user.email}>`);
    }),
};

export const userList: Command = {
  name: 'user list',
  synopsis: '[--limit N] [--offset N]',
  summary: 'List users',
  details: `  --limit N               at most N users (1-10000, default 100)
  --offset N              skip the first N`,
  side: 'bridge',
  options: { limit: { type: 'string' }, offset: { type: 'string' } },
  run: (input) => {
    const { args } = input;
    const limit = integer(args.string('limit'), 100);
    const offset = integer(args.string('offset'), 0);
    if (limit === null || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000', input.command.name);
    if (offset === null || offset < 0) throw new UsageError('--offset must be a whole number, 0 or more', input.command.name);
    return withServices(input, async (services) => {
      const users = await services.userStore.list({ limit, offset });
      const total = await services.userStore.count();
      if (input.json) {
        process.stdout.write(`${JSON.stringify({ total, users: users.map((u) => userJson(services.config, u)) })}\n`);
        return;
      }
      const rows = users.map((u) => [u.id, u.email, u.username ?? '', u.profile.fullname ?? '', u.blocked ? 'blocked' : '', String(u.loginsCount)]);
      table(['ID', 'EMAIL', 'USERNAME', 'NAME', 'STATUS', 'LOGINS'], rows);
      process.stdout.write(`${users.length} of ${total} user(s)\n`);
    });
  },
};

function integer(text: string | undefined, fallback: number): number | null {
  if (text === undefined) return fallback;
  return /^\d{1,9}$/.test(text.trim()) ? Number(text) : null;
}

/**
 * The seed's user model (RFC 3339 times) plus the profile. `logins_count` is a number here, as
 * scripts using `--json` expect (the seed's API spells it as an int64 string).
 */
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
    logins_count: user.loginsCount,
    login_time: iso(user.loginTime),
    create_time: iso(user.createTime),
    update_time: iso(user.updateTime),
    phone: user.phone,
    external_id: user.externalId,
    profile: user.profile,
  };
}

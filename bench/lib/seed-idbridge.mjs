/**
 * Seed a fresh idbridge database for the benchmark, through the built modules in dist/ (run
 * `npm run build` first): a pool of users, one trusted (first-party, no consent page) confidential
 * OIDC client, the signing keys and the postback API key, so the server's first requests pay for
 * nothing the steady state would not.
 *
 * Usage: node bench/lib/seed-idbridge.mjs   (configuration from the environment, as `serve` reads
 * it: IDBRIDGE_DATABASE, IDBRIDGE_SECRET, IDBRIDGE_SCRYPT_*, IDBRIDGE_PUBLIC_URL, …) with
 * BENCH_USERS=<n>, BENCH_PASSWORD=<password>, BENCH_REDIRECT_URI=<uri>. Prints one JSON line:
 * { clientId, clientSecret, users: [{ id, email, login }] }.
 *
 * All users share one password and one precomputed PHC hash (made with the configured scrypt
 * parameters, so the server never rehashes at sign-in): a verification costs the same whatever the
 * salt, and seeding 32 users at N=2^17 would otherwise take longer than the benchmark itself.
 */
import { pathToFileURL } from 'node:url';

// The build under test: this checkout's dist/, or BENCH_IDBRIDGE_ROOT's (A/B runs).
const dist = process.env.BENCH_IDBRIDGE_ROOT ? new URL('dist/', pathToFileURL(`${process.env.BENCH_IDBRIDGE_ROOT.replace(/\/?$/, '/')}`)) : new URL('../../dist/', import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const { createServices } = await load('app.js');
const { loadConfig } = await load('config.js');
const { openDatabase } = await load('entry/node/database.js');
const { nodeFetch } = await load('entry/node/fetch.js');
const { nodeScrypt } = await load('entry/node/scrypt.js');
const { jsonLogger } = await load('log.js');
const { createUser } = await load('users/create-user.js');

const count = Number(process.env.BENCH_USERS ?? 32);
const password = process.env.BENCH_PASSWORD ?? 'bench password, not a secret';
const redirectUri = process.env.BENCH_REDIRECT_URI ?? 'http://127.0.0.1:9/cb';

const config = loadConfig(process.env);
const database = openDatabase(config.databasePath);
try {
  const services = createServices({
    config,
    db: database.db,
    fetch: nodeFetch(),
    scrypt: nodeScrypt,
    logger: jsonLogger((line) => process.stderr.write(`${line}\n`), 'warn'),
  });
  const phc = await services.hasher.hash(password);
  const sameHash = { hash: async () => phc };
  const now = services.clock.now();
  const users = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(3, '0');
    const user = await createUser(
      {
        email: `user${n}@bench.example`,
        username: `user${n}`,
        password,
        fullname: `Bench User ${n}`,
        nickname: `u${n}`,
        country: 'GB',
        language: 'en',
        timezone: 'Europe/London',
        emailVerified: true,
      },
      { store: services.userStore, hasher: sameHash, now },
    );
    users.push({ id: user.id, email: user.email, login: i % 2 === 0 ? user.email : user.username });
  }
  const { client, clientSecret } = await services.clients.register({
    name: 'Bench RP',
    redirectUris: [redirectUri],
    trusted: true,
    scopes: ['openid', 'profile', 'email'],
  });
  await services.signingKeys.jwks();
  await services.apiKeys.ensure();
  process.stdout.write(`${JSON.stringify({ clientId: client.clientId, clientSecret, users })}\n`);
} finally {
  database.close();
}

/**
 * Diagnostic (not part of the timed run): the SQL statements idbridge runs per complete sign-in.
 * Starts the built server in-process (dist/; run `npm run build` first) with better-sqlite3's
 * statements instrumented, runs N (50) sign-ins after 5 warm-up ones, and prints per sign-in how
 * often each statement ran, how often it was compiled, and its execution time.
 *
 *   node bench/sql-per-signin.mjs [oidc|openid2]
 */
import Sqlite from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const counts = new Map(); let counting = false;
const execUs = new Map();
const prepUs = new Map();
const prepares = new Map();
const orig = Sqlite.prototype.prepare;
// Every compiled statement is wrapped, so executions are counted even when idbridge reuses
// compiled statements (src/entry/node/database.ts caches them by SQL text).
Sqlite.prototype.prepare = function (sql) {
  const t0 = performance.now();
  const stmt = orig.call(this, sql);
  if (counting) {
    prepares.set(sql, (prepares.get(sql) ?? 0) + 1);
    prepUs.set(sql, (prepUs.get(sql) ?? 0) + (performance.now() - t0) * 1000);
  }
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const fn = stmt[method];
    stmt[method] = function (...args) {
      const t = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        if (counting) {
          counts.set(sql, (counts.get(sql) ?? 0) + 1);
          execUs.set(sql, (execUs.get(sql) ?? 0) + (performance.now() - t) * 1000);
        }
      }
    };
  }
  return stmt;
};
const { loadConfig } = await import('../dist/config.js');
const { startServer } = await import('../dist/entry/node/server.js');
const { createUser } = await import('../dist/users/create-user.js');
const F = await import('./lib/flows.mjs');
const { agentFor } = await import('./lib/http.mjs');
const S = await import('./lib/servers.mjs');
const port = await S.freePort();
const tmp = mkdtempSync(join(tmpdir(), 'cnt-'));
const config = loadConfig({ IDBRIDGE_ENV: 'test', // cheap hash: production refuses it (the OWASP floor)
   IDBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`, PORT: String(port), IDBRIDGE_DATABASE: join(tmp, 'db.sqlite'), IDBRIDGE_SECRET: 'x'.repeat(40), IDBRIDGE_SCRYPT_LN: '4', IDBRIDGE_TRUSTED_REALMS: S.TRUSTED_REALM, IDBRIDGE_LOG_LEVEL: 'warn' });
const server = await startServer(config);
const sv = server.services;
const phc = await sv.hasher.hash(S.PASSWORD);
const users = [];
for (let i = 0; i < 4; i++) { const u = await createUser({ email: `u${i}@b.example`, password: S.PASSWORD }, { store: sv.userStore, hasher: { hash: async () => phc }, now: Date.now() }); users.push({ id: u.id, email: u.email, login: u.email }); }
const { client, clientSecret } = await sv.clients.register({ name: 'b', redirectUris: [S.REDIRECT_URI], trusted: true, scopes: ['openid','profile','email'] });
const t = { origin: server.url, issuer: server.url, agent: agentFor(8), redirectUri: S.REDIRECT_URI, password: S.PASSWORD, clientId: client.clientId, clientSecret, realm: S.TRUSTED_REALM, seed: { users } };
t.config = await F.oidcClientConfig(t);
for (let i = 0; i < 5; i++) await F.oidcSignIn(t, users[i % 4]);
const which = process.argv[2] ?? 'oidc';
counting = true;
const N = Number(process.env.N ?? 50);
for (let i = 0; i < N; i++) which === 'oidc' ? await F.oidcSignIn(t, users[i % 4]) : await F.openId2SignIn(t, users[i % 4]);
counting = false;
let total = 0; for (const v of counts.values()) total += v;
let compiled = 0; for (const v of prepares.values()) compiled += v;
let prep = 0; for (const v of prepUs.values()) prep += v;
let exec = 0; for (const v of execUs.values()) exec += v;
console.log(`${which}: ${total / N} statements executed per sign-in (${exec / N | 0} µs), ${compiled / N} compiled per sign-in (${prep / N | 0} µs); wall time in-process`);
console.log('per sign-in: runs  compiles  exec µs  statement');
for (const [sql, n] of [...counts].sort((a, b) => (execUs.get(b[0]) ?? 0) - (execUs.get(a[0]) ?? 0)))
  console.log(`${(n / N).toFixed(1).padStart(17)} ${((prepares.get(sql) ?? 0) / N).toFixed(1).padStart(9)} ${((execUs.get(sql) ?? 0) / N).toFixed(0).padStart(8)}  ${sql.replace(/\s+/g, ' ').slice(0, 150)}`);
await t.agent.close(); await server.close();

/**
 * The comparison: panva's `oidc-provider` (v9) set up for the same job as idbridge in the benchmark.
 *
 * - One confidential first-party client (client_secret_basic), authorization code + PKCE (S256),
 *   token, userinfo; ID tokens RS256 (an RSA and an EC key are published, as idbridge does).
 * - The interaction is a password form (the same fields as idbridge's login page) checked against
 *   the *same* user pool: the `users` table of the seeded idbridge database, the same PHC scrypt
 *   hashes, verified with Node's `crypto.scrypt` with the parameters stored in the hash (so the same
 *   cost, on the libuv thread pool like idbridge).
 * - No consent page: the login handler creates the grant (openid profile email) and finishes the
 *   interaction with both login and consent results.
 * - Storage: an oidc-provider adapter on SQLite (better-sqlite3, WAL, synchronous=NORMAL — the
 *   pragmas idbridge uses) by default, so both servers persist every artefact the same way;
 *   `BENCH_OP_ADAPTER=memory` uses the built-in development MemoryAdapter (an LRU of 1000 entries,
 *   not meant for production) for reference.
 *
 * Environment: PORT, BENCH_USERS_DB (the seeded idbridge database, read-only), BENCH_OP_DB (its own
 * SQLite file), BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_REDIRECT_URI, BENCH_OP_ADAPTER.
 */
import Sqlite from 'better-sqlite3';
import { generateKeyPairSync, scrypt, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 3100);
const issuer = `http://127.0.0.1:${port}`;
const tenant = process.env.IDBRIDGE_TENANT ?? 'default';

// ---------------------------------------------------------------------------------------------
// Users: the seeded idbridge `users` table
// ---------------------------------------------------------------------------------------------

const usersDb = new Sqlite(process.env.BENCH_USERS_DB, { readonly: true, fileMustExist: true });
const byLogin = usersDb.prepare('SELECT * FROM users WHERE tenant = ? AND (email = ? OR username = ?)');
const byId = usersDb.prepare('SELECT * FROM users WHERE tenant = ? AND id = ?');

function parsePhc(encoded) {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(encoded);
  if (!m) return undefined;
  return { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]), salt: Buffer.from(m[4], 'base64'), hash: Buffer.from(m[5], 'base64') };
}

function verifyPassword(password, encoded) {
  const h = parsePhc(encoded);
  if (!h) return Promise.resolve(false);
  const N = 2 ** h.ln;
  const maxmem = 128 * N * h.r * (h.p + 1) + 16 * 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(Buffer.from(password.normalize('NFKC')), h.salt, h.hash.length, { N, r: h.r, p: h.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(timingSafeEqual(key, h.hash)),
    ),
  );
}

function claimsOf(row) {
  return {
    sub: row.id,
    email: row.email,
    email_verified: Boolean(row.email_verified),
    name: row.fullname ?? undefined,
    nickname: row.nickname ?? undefined,
    locale: row.language ?? undefined,
    zoneinfo: row.timezone ?? undefined,
    updated_at: Math.floor(row.update_time / 1000),
  };
}

// ---------------------------------------------------------------------------------------------
// Storage adapter
// ---------------------------------------------------------------------------------------------

function sqliteAdapter(path) {
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS oidc (
    model TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL,
    grant_id TEXT, user_code TEXT, uid TEXT, expires_at INTEGER,
    PRIMARY KEY (model, id));
    CREATE INDEX IF NOT EXISTS oidc_grant ON oidc (grant_id);
    CREATE INDEX IF NOT EXISTS oidc_uid ON oidc (model, uid);
    CREATE INDEX IF NOT EXISTS oidc_user_code ON oidc (model, user_code);`);
  const now = () => Math.floor(Date.now() / 1000);
  const upsert = db.prepare(
    'INSERT OR REPLACE INTO oidc (model, id, payload, grant_id, user_code, uid, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const find = db.prepare('SELECT payload, expires_at FROM oidc WHERE model = ? AND id = ?');
  const findByUid = db.prepare('SELECT payload, expires_at FROM oidc WHERE model = ? AND uid = ?');
  const findByUserCode = db.prepare('SELECT payload, expires_at FROM oidc WHERE model = ? AND user_code = ?');
  const consume = db.prepare("UPDATE oidc SET payload = json_set(payload, '$.consumed', ?) WHERE model = ? AND id = ?");
  const destroy = db.prepare('DELETE FROM oidc WHERE model = ? AND id = ?');
  const revoke = db.prepare('DELETE FROM oidc WHERE grant_id = ?');
  const live = (row) => (row && (row.expires_at === null || row.expires_at > now()) ? JSON.parse(row.payload) : undefined);
  return class SqliteAdapter {
    constructor(model) {
      this.model = model;
    }
    async upsert(id, payload, expiresIn) {
      upsert.run(this.model, id, JSON.stringify(payload), payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn ? now() + expiresIn : null);
    }
    async find(id) {
      return live(find.get(this.model, id));
    }
    async findByUid(uid) {
      return live(findByUid.get(this.model, uid));
    }
    async findByUserCode(userCode) {
      return live(findByUserCode.get(this.model, userCode));
    }
    async consume(id) {
      consume.run(now(), this.model, id);
    }
    async destroy(id) {
      destroy.run(this.model, id);
    }
    async revokeByGrantId(grantId) {
      revoke.run(grantId);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Provider
// ---------------------------------------------------------------------------------------------

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  ...(process.env.BENCH_OP_ADAPTER === 'memory' ? {} : { adapter: sqliteAdapter(process.env.BENCH_OP_DB) }),
  clients: [
    {
      client_id: process.env.BENCH_CLIENT_ID,
      client_secret: process.env.BENCH_CLIENT_SECRET,
      redirect_uris: [process.env.BENCH_REDIRECT_URI ?? 'http://127.0.0.1:9/cb'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [{ ...rsa, kid: 'rsa1', use: 'sig', alg: 'RS256' }, { ...ec, kid: 'ec1', use: 'sig', alg: 'ES256' }] },
  cookies: { keys: ['bench-cookie-key-0123456789abcdef0123456789abcdef'] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'nickname', 'locale', 'zoneinfo', 'updated_at'],
  },
  features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const row = byId.get(tenant, id);
    if (!row) return undefined;
    return { accountId: id, claims: async () => claimsOf(row) };
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 900,
    Session: 43200,
    Grant: 43200,
  },
});
provider.on('server_error', (_ctx, error) => process.stderr.write(`server_error: ${error?.stack ?? error}\n`));

// ---------------------------------------------------------------------------------------------
// The interaction (password form) and the HTTP server
// ---------------------------------------------------------------------------------------------

const esc = (s) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function loginPage(uid, clientName, message) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Sign in</h1><p class="realm">to continue to <strong>${esc(clientName)}</strong></p>
${message ? `<p class="alert" role="alert">${esc(message)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" class="form">
<label for="identifier">Email or username</label>
<input id="identifier" name="identifier" type="text" autocomplete="username" required maxlength="320">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button></form></main></body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 64 * 1024) reject(new Error('form too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function html(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid || details.prompt.name !== 'login') return html(res, 400, 'unexpected interaction');
  const client = await provider.Client.find(details.params.client_id);
  if (req.method === 'GET' && !action) return html(res, 200, loginPage(uid, client?.clientName ?? client?.clientId ?? '', undefined));
  if (req.method !== 'POST' || action !== 'login') return html(res, 404, 'not found');
  const form = await readForm(req);
  const identifier = (form.get('identifier') ?? '').trim().toLowerCase();
  const password = form.get('password') ?? '';
  const row = identifier && password.length <= 1024 ? byLogin.get(tenant, identifier, identifier) : undefined;
  const ok = row ? await verifyPassword(password, row.password_hash) : false;
  if (!ok || row.blocked) return html(res, 401, loginPage(uid, client?.clientName ?? '', 'The email/username or password is incorrect.'));
  // First-party client: the grant is created here, so no consent prompt follows.
  const grant = new provider.Grant({ accountId: row.id, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: row.id, amr: ['pwd'] }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
const server = createServer(async (req, res) => {
  const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login))?(?:\?|$)/.exec(req.url ?? '');
  if (!m) return callback(req, res);
  try {
    await interaction(req, res, m[1], m[2]);
  } catch (error) {
    process.stderr.write(`interaction error: ${error?.stack ?? error}\n`);
    if (!res.headersSent) html(res, 500, 'error');
    else res.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`oidc-provider listening on ${issuer}\n`));
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

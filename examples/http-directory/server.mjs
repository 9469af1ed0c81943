#!/usr/bin/env node
/**
 * Reference implementation of the idbridge HTTP directory contract (docs/directory-http.md and
 * docs/directory-http.openapi.yaml): the three operations a site's own application answers so
 * that idbridge can sign its users in without reaching the site's database.
 *
 * Plain Node (20+), the standard library only, no idbridge code: port it to your application's
 * language, or run it as is in front of a users file. Users live in a JSON file (see
 * users.example.json) with scrypt password hashes made by `node server.mjs hash-password`.
 *
 *   DIRECTORY_SECRET=... USERS_FILE=./users.json PORT=8787 node server.mjs
 *
 * What it shows, and what any implementation must do:
 * - verify every request's signature (HMAC-SHA256 over timestamp, nonce, method, path and body,
 *   compared in constant time) and its timestamp (±300 s);
 * - refuse a replayed request (the request signature is remembered for the window);
 * - sign every answer over the request signature, so idbridge can tell it is the site's answer to
 *   this very request;
 * - answer unknown users and wrong passwords alike (`{"user": null}`), and spend the same time on
 *   both (an unknown login is checked against a dummy hash).
 */
import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback);

/** Timestamps further than this from our clock are refused, and signatures are kept this long. */
export const WINDOW_SECONDS = 300;
const MAX_BODY_BYTES = 16 * 1024;
const MAX_LOGIN = 1024;
const MAX_PASSWORD = 4096;
/** Bounds on the scrypt parameters of a stored hash, so a planted hash cannot exhaust the machine. */
const SCRYPT_LIMITS = { logN: 20, r: 16, p: 4 };

const OPERATIONS = new Set(['/verify', '/users/by-id', '/users/by-email']);

// ---------------------------------------------------------------------------------------------
// Passwords: scrypt in a PHC-like string, `$scrypt$ln=17,r=8,p=1$<salt b64>$<hash b64>`.
// ---------------------------------------------------------------------------------------------

/** Hash a password, exactly the bytes given (no Unicode normalisation: verify must see the same bytes). OWASP's scrypt minimum by default: N = 2^17, r = 8, p = 1). */
export async function hashPassword(password, { logN = 17, r = 8, p = 1 } = {}) {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, scryptOptions(logN, r, p));
  return `$scrypt$ln=${logN},r=${r},p=${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** true when `password` matches `stored`; false for a wrong password or an unusable hash. */
export async function verifyPassword(password, stored) {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{43})$/.exec(stored ?? '');
  if (!m) return false;
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (logN < 1 || logN > SCRYPT_LIMITS.logN || r < 1 || r > SCRYPT_LIMITS.r || p < 1 || p > SCRYPT_LIMITS.p) return false;
  const expected = Buffer.from(m[5], 'base64url');
  const actual = await scrypt(password, Buffer.from(m[4], 'base64url'), expected.length, scryptOptions(logN, r, p));
  return timingSafeEqual(actual, expected);
}

function scryptOptions(logN, r, p) {
  return { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r * p };
}

// ---------------------------------------------------------------------------------------------
// Users: a JSON file, re-read when it changes (edit it without a restart).
// ---------------------------------------------------------------------------------------------

/**
 * The users of `file`, indexed by id and by lowercased email and username (most sites compare
 * logins case-insensitively). Maps, not objects: a login such as `__proto__` is just a string.
 */
function usersFrom(file) {
  let loaded = { mtimeMs: -1, byId: new Map(), byLogin: new Map(), byEmail: new Map() };
  return () => {
    const { mtimeMs } = statSync(file);
    if (mtimeMs === loaded.mtimeMs) return loaded;
    const data = JSON.parse(readFileSync(file, 'utf8'));
    if (!data || !Array.isArray(data.users)) throw new Error(`${file}: expected {"users": [...]}`);
    const next = { mtimeMs, byId: new Map(), byLogin: new Map(), byEmail: new Map() };
    for (const user of data.users) {
      if (typeof user?.id !== 'string' || user.id === '') throw new Error(`${file}: every user needs a string id`);
      next.byId.set(user.id, user);
      if (typeof user.email === 'string') {
        next.byLogin.set(user.email.toLowerCase(), user);
        next.byEmail.set(user.email.toLowerCase(), user);
      }
      if (typeof user.username === 'string') next.byLogin.set(user.username.toLowerCase(), user);
    }
    loaded = next;
    return loaded;
  };
}

/** The user as the contract shows it: never the hash. */
function publicUser(user) {
  return {
    id: user.id,
    email: user.email ?? null,
    username: user.username ?? null,
    blocked: user.blocked === true,
    emailVerified: user.emailVerified === true,
    attributes: user.attributes ?? {},
  };
}

// ---------------------------------------------------------------------------------------------
// Signatures.
// ---------------------------------------------------------------------------------------------

function hmacHex(secret, text) {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/** The secret that signed this request, or why it is refused. */
function checkRequestSignature(secrets, { timestamp, nonce, signature, method, path, body }, nowSeconds) {
  if (!/^\d{1,12}$/.test(timestamp ?? '') || !/^[A-Za-z0-9_-]{16,128}$/.test(nonce ?? '') || !/^v1=[0-9a-f]{64}$/.test(signature ?? '')) {
    return { error: 'bad_signature' };
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > WINDOW_SECONDS) return { error: 'stale_timestamp' };
  const given = Buffer.from(signature.slice(3), 'hex');
  const input = `${timestamp}\n${nonce}\n${method}\n${path}\n${body}`;
  // Every secret is tried, whatever the result, so the time taken says nothing about which matched.
  let matched = null;
  for (const secret of secrets) {
    if (timingSafeEqual(Buffer.from(hmacHex(secret, input), 'hex'), given)) matched ??= secret;
  }
  return matched === null ? { error: 'bad_signature' } : { secret: matched, requestSignature: signature.slice(3) };
}

/** Request signatures seen within the window: a second use is a replay. */
class ReplayGuard {
  #seen = new Map();

  /** false when `signature` was already used; otherwise remember it until its timestamp expires. */
  claim(signature, timestampSeconds, nowSeconds) {
    if (this.#seen.size > 10_000) {
      for (const [key, until] of this.#seen) if (until < nowSeconds) this.#seen.delete(key);
    }
    const until = this.#seen.get(signature);
    if (until !== undefined && until >= nowSeconds) return false;
    this.#seen.set(signature, timestampSeconds + WINDOW_SECONDS);
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// The server.
// ---------------------------------------------------------------------------------------------

/**
 * Create (not start) the directory server.
 * @param {{ secrets: string[], usersFile: string, basePath?: string, now?: () => number,
 *   log?: (entry: object) => void, dummyHash: string }} options
 */
export function createDirectoryServer({ secrets, usersFile, basePath = '', now = Date.now, log = () => {}, dummyHash }) {
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 32)) {
    throw new Error('DIRECTORY_SECRET must be at least 32 characters');
  }
  const users = usersFrom(usersFile);
  const replays = new ReplayGuard();
  const base = basePath.replace(/\/+$/, '');

  const operations = {
    '/verify': async (input) => {
      if (!isText(input.login, MAX_LOGIN) || !isText(input.password, MAX_PASSWORD)) return null;
      const user = users().byLogin.get(input.login.toLowerCase());
      // Unknown users are checked against a dummy hash: the same answer in the same time.
      const ok = await verifyPassword(input.password, user?.passwordHash ?? dummyHash);
      return user && ok ? publicUser(user) : null;
    },
    '/users/by-id': async (input) => {
      if (!isText(input.id, 256)) return undefined;
      const user = users().byId.get(input.id);
      return user ? publicUser(user) : null;
    },
    '/users/by-email': async (input) => {
      if (!isText(input.email, 320)) return undefined;
      const user = users().byEmail.get(input.email.toLowerCase());
      return user ? publicUser(user) : null;
    },
  };

  return createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const operation = path.startsWith(`${base}/`) ? path.slice(base.length) : null;
    let status = 500;
    let error;
    const answer = (code, payload, signWith) => {
      status = code;
      error = payload.error;
      const body = JSON.stringify(payload);
      const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
      if (signWith) {
        const timestamp = Math.floor(now() / 1000);
        headers['x-idbridge-timestamp'] = String(timestamp);
        headers['x-idbridge-signature'] = `v1=${hmacHex(signWith.secret, `${timestamp}\n${signWith.requestSignature}\n${code}\n${body}`)}`;
      }
      res.writeHead(code, headers).end(body);
    };
    try {
      if (req.method !== 'POST' || !OPERATIONS.has(operation)) return answer(404, { error: 'not_found' });
      const body = await readBody(req);
      if (body === null) return answer(413, { error: 'payload_too_large' });
      const nowSeconds = Math.floor(now() / 1000);
      const signed = checkRequestSignature(
        secrets,
        {
          timestamp: req.headers['x-idbridge-timestamp'],
          nonce: req.headers['x-idbridge-nonce'],
          signature: req.headers['x-idbridge-signature'],
          method: req.method,
          path,
          body,
        },
        nowSeconds,
      );
      if (signed.error) return answer(401, { error: signed.error });
      if (!replays.claim(signed.requestSignature, Number(req.headers['x-idbridge-timestamp']), nowSeconds)) {
        return answer(409, { error: 'replayed' }, signed);
      }
      let input;
      try {
        input = JSON.parse(body);
      } catch {
        return answer(400, { error: 'bad_request' }, signed);
      }
      if (!input || typeof input !== 'object' || Array.isArray(input)) return answer(400, { error: 'bad_request' }, signed);
      const user = await operations[operation](input);
      if (user === undefined) return answer(400, { error: 'bad_request' }, signed);
      return answer(200, { user }, signed);
    } catch (e) {
      // The users file is missing or broken: say so to the log, not to the caller.
      log({ event: 'error', error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) answer(500, { error: 'server_error' });
    } finally {
      // One line per request; never the login, email or password.
      log({ event: 'request', method: req.method, path, status, error });
    }
  });
}

function isText(value, max) {
  return typeof value === 'string' && value.length <= max;
}

/** The body as text, or null when it is larger than the contract allows. */
async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// Command line.
// ---------------------------------------------------------------------------------------------

async function main() {
  const env = process.env;
  const scryptParams = { logN: Number(env.SCRYPT_LOG_N ?? 17) };
  if (process.argv[2] === 'hash-password') {
    // The password comes on stdin, so it stays out of the shell history and the process list.
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    process.stdout.write(`${await hashPassword(password, scryptParams)}\n`);
    return;
  }
  const secrets = [env.DIRECTORY_SECRET, env.DIRECTORY_SECRET_PREVIOUS].filter((s) => s !== undefined && s !== '');
  const write = (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  const server = createDirectoryServer({
    secrets,
    usersFile: resolve(env.USERS_FILE ?? 'users.json'),
    basePath: env.BASE_PATH ?? '',
    log: write,
    dummyHash: await hashPassword(randomBytes(16).toString('hex'), scryptParams),
  });
  const host = env.HOST ?? '127.0.0.1';
  server.listen(Number(env.PORT ?? 8787), host, () => {
    const { port } = server.address();
    write({ event: 'listening', url: `http://${host.includes(':') ? `[${host}]` : host}:${port}${env.BASE_PATH ?? ''}` });
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { DirectoryUnavailableError } from '../../../users/site-source.js';
import { redactUrl } from './redact.js';

/** A server connection (`postgres://` / `mysql://` / `mariadb://`) taken apart. */
export interface ServerTarget {
  engine: 'postgres' | 'mysql';
  host: string;
  port: number | undefined;
  /** A Unix socket (directory for PostgreSQL, file for MySQL) instead of host:port. */
  socket: string | undefined;
  user: string | undefined;
  password: string | undefined;
  database: string | undefined;
  /** TLS with certificate verification, or false (loopback, a socket, or an explicit `sslmode=disable`). */
  tls: ConnectionOptions | false;
}

/** The TLS modes accepted (libpq's names; MySQL's `ssl-mode` names map onto them). */
const MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
type Mode = (typeof MODES)[number];
const MYSQL_MODES: Record<string, Mode> = { disabled: 'disable', preferred: 'prefer', required: 'require', verify_ca: 'verify-ca', verify_identity: 'verify-full' };
const PARAMS = ['sslmode', 'ssl-mode', 'ssl', 'sslrootcert', 'ssl-ca', 'sslcert', 'sslkey', 'host', 'socket'];

/**
 * Parse a server URL. TLS, secure by default:
 *
 * - A remote host (not loopback, not a socket) gets TLS with full verification (chain and host
 *   name) unless the URL says `sslmode=disable` — an explicit opt-out for private networks.
 * - `require` / `prefer` verify too (libpq's `require` would accept any certificate; idbridge
 *   never does), `verify-ca` checks the chain but not the host name.
 * - `sslmode=no-verify` and `ssl={"rejectUnauthorized":false}` are refused: certificate checks are
 *   never switched off. A private CA goes in `sslrootcert=/path/ca.pem`.
 *
 * @throws DirectoryUnavailableError('misconfigured') naming the bad part (never the password).
 */
export function parseServerUrl(url: string): ServerTarget {
  let u: URL;
  try {
    // libpq writes a socket connection with an empty host (`postgres://me@/db?host=/run/pg`).
    u = new URL(url.replace(/^([a-z]+:\/\/)([^/@]*@)?\//i, (_m, scheme: string, user = '') => `${scheme}${user}localhost/`));
  } catch {
    throw misconfigured(`directory.url: not a valid URL (${redactUrl(url)})`);
  }
  const engine = u.protocol === 'postgres:' || u.protocol === 'postgresql:' ? 'postgres' : u.protocol === 'mysql:' || u.protocol === 'mariadb:' ? 'mysql' : null;
  if (!engine) throw misconfigured(`directory.url: unsupported scheme ${u.protocol}`);
  for (const key of u.searchParams.keys()) {
    if (!PARAMS.includes(key)) throw misconfigured(`directory.url: unknown parameter ${key} (allowed: ${PARAMS.join(', ')})`);
  }
  const q = (k: string) => u.searchParams.get(k) ?? undefined;
  const socket = engine === 'postgres' ? q('host') : q('socket');
  const host = decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || 'localhost';
  const local = socket !== undefined || /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i.test(host);

  let mode: Mode | undefined;
  const raw = q('sslmode') ?? q('ssl-mode');
  if (raw !== undefined) {
    const m = (MYSQL_MODES[raw.toLowerCase()] ?? raw.toLowerCase()) as Mode;
    if (!MODES.includes(m)) throw misconfigured(`directory.url: sslmode=${raw} is not allowed (use one of ${MODES.join(', ')}; certificate checks cannot be switched off)`);
    mode = m;
  }
  const ssl = q('ssl');
  if (ssl !== undefined) {
    if (ssl === 'true' || ssl === '1') mode ??= 'verify-full';
    else if (ssl === 'false' || ssl === '0') mode ??= 'disable';
    else throw misconfigured('directory.url: ssl must be true or false (certificate checks cannot be switched off)');
  }
  mode ??= local ? 'disable' : 'verify-full';

  let tls: ConnectionOptions | false = false;
  if (mode !== 'disable') {
    tls = { rejectUnauthorized: true, servername: /^[\d.]+$|:/.test(host) ? undefined : host };
    if (mode === 'verify-ca') tls.checkServerIdentity = () => undefined;
    const file = (k: string) => {
      const path = q(k);
      if (path === undefined) return undefined;
      try {
        return readFileSync(path, 'utf8');
      } catch {
        throw misconfigured(`directory.url: ${k}=${path} cannot be read`);
      }
    };
    const ca = file('sslrootcert') ?? file('ssl-ca');
    if (ca) tls.ca = ca;
    const cert = file('sslcert');
    const key = file('sslkey');
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
  }
  return {
    engine,
    host,
    port: u.port ? Number(u.port) : undefined,
    socket,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
    tls,
  };
}

/** `sqlite:/abs/file.db`, `sqlite:///abs/file.db`, `sqlite:relative/file.db` → the file path. */
export function sqlitePath(url: string): string {
  const rest = url.replace(/^sqlite:/, '').replace(/^\/\/(?=\/)/, '');
  if (!rest || rest.includes('?')) throw misconfigured('directory.url: sqlite: needs a file path (sqlite:/path/to/site.db), without parameters');
  return decodeURIComponent(rest);
}

function misconfigured(detail: string): DirectoryUnavailableError {
  return new DirectoryUnavailableError('misconfigured', detail);
}

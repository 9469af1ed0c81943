import { readOperatorFiles, smtpOptions } from './operator-files.js';
import { SmtpMailer } from './smtp-mailer.js';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import { relative } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps, type AppServices } from '../../app.js';
import { ConfigError, type Config } from '../../config.js';
import { jsonLogger, type Logger } from '../../log.js';
import { checkDeploymentSecret } from '../secret-rotation.js';
import type { UserDirectory } from '../../users/user.js';
import { NodeImportJobs } from './import/import-jobs.js';
import { PasswordHasher } from '../../users/password-hasher.js';
import { openDatabase } from './database.js';
import { rpFetchLimits } from '../../provider/rp-discovery.js';
import { nodeFetch } from './fetch.js';
import { checkIdentityService, type IdentityCheckOptions } from './identity-check.js';
import { nodeRpFetch } from './rp-fetch.js';
import { publicFolder } from './paths.js';
import { nodeScrypt } from './scrypt.js';
import { nodeHashPrimitives } from './hash-primitives.js';
import { openSiteSource, startupCheck } from './site-source.js';
import { createHttpServer } from './unread-body.js';
import { drainable } from './shutdown.js';

export interface RunningServer {
  url: string;
  port: number;
  services: AppServices;
  /**
   * Graceful stop: stop accepting, let in-flight requests finish (within the configured grace
   * period), close the database, log `stopped`.
   */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  users?: UserDirectory;
  /** Override pieces of the runtime (tests). */
  deps?: Partial<AppDeps>;
  /** Timing of the bridge's background re-probes of the identity service (tests). */
  identityCheck?: IdentityCheckOptions;
}

/** Start idbridge on Node: SQLite (WAL, migrated), undici, native scrypt, static files, housekeeping. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  // JSON lines straight to stdout (console.log adds formatting work on every line).
  const logger = options.deps?.logger ?? options.logger ?? jsonLogger((line) => process.stdout.write(`${line}\n`), config.logLevel);
  const fetch = options.deps?.fetch ?? nodeFetch();
  // The site's user database (directory.kind sql/http): opened and its mapping checked before
  // anything listens, so a wrong mapping stops the start, not the first sign-in.
  const siteSource = options.users ? undefined : (options.deps?.siteSource ?? (await openSiteSource(config, { logger })));
  if (siteSource) {
    try {
      await startupCheck(config, siteSource, logger);
    } catch (error) {
      await siteSource.close().catch(() => undefined);
      throw error;
    }
  }
  // A bridge checks its PostBack URL and API key before serving anyone (throws ConfigError on a wrong key).
  const identityCheck = await checkIdentityService(config, fetch, logger, options.identityCheck).catch(async (error: unknown) => {
    await siteSource?.close().catch(() => undefined);
    throw error;
  });
  const operatorFiles = readOperatorFiles(config);
  const smtp = smtpOptions(config);
  const mailer = smtp ? new SmtpMailer(smtp) : undefined;
  const database = openDatabase(config.databasePath);
  // Bulk-import jobs of the API run in this process (src/entry/node/import/import-jobs.ts).
  const hasher = new PasswordHasher(nodeScrypt, config.passwordHash);
  const importJobs = new NodeImportJobs({ sqlite: database.sqlite, tenant: config.tenant, databasePath: config.databasePath, hashPassword: (p) => hasher.hash(p), logger });
  let server: ServerType;
  let services: AppServices;
  try {
    // A changed IDBRIDGE_SECRET must stop the start here, not fail later on every key it guards.
    const secretStatus = await checkDeploymentSecret(config, database.db, Date.now());
    if (secretStatus === 'previous') {
      logger.log('warn', 'secret_rotation_pending', { detail: 'values are still sealed under IDBRIDGE_SECRET_PREVIOUS; run `idbridge secret rewrap`' });
    }
    for (const warning of config.warnings) logger.log('warn', 'config_warning', { detail: warning });
    let app;
    ({ app, services } = await createApp({
      config,
      db: database.db,
      logger,
      siteSource,
      fetch,
      rpFetch: nodeRpFetch(rpFetchLimits(config.environment)),
      scrypt: nodeScrypt,
      hashPrimitives: nodeHashPrimitives,
      dataVersion: database.dataVersion,
      importJobs,
      users: options.users,
      mailer,
      operatorFiles,
      remoteAddress: (c) => {
        try {
          return getConnInfo(c).remote.address;
        } catch {
          return undefined; // an in-process request (all-in-one postback) has no socket
        }
      },
      assets: serveStatic({
        root: relative(process.cwd(), publicFolder()) || '.',
        rewriteRequestPath: (path) => path.replace(/^\/static/, ''),
      }),
      ...options.deps,
    }));
    server = await listen(app.fetch, config);
  } catch (error) {
    database.close();
    mailer?.close();
    await siteSource?.close().catch(() => undefined);
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  if (config.role !== 'identity') importJobs.resumeUnfinished();
  const drainer = drainable(server as Server);

  // Housekeeping every 10 minutes (it logs its own counts; a failed run is retried next time).
  const purge = setInterval(() => void services.housekeeping.run().catch(() => undefined), 10 * 60 * 1000);
  purge.unref();
  // Change notifications (where users live): every 5 s; a stop waits for the run in progress.
  const webhooks = config.role === 'identity' ? undefined : services.webhookDelivery.start(5_000);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    services,
    close: () =>
      (closing ??= (async () => {
        clearInterval(purge);
        identityCheck.stop();
        await webhooks?.stop();
        const started = Date.now();
        const { forced } = await drainer.drain(config.shutdownGraceSeconds * 1000);
        await importJobs.stop(); // after the batch in flight; resumed at the next start
        database.close(); // only now: in-flight requests needed it
        mailer?.close();
        await siteSource?.close().catch(() => undefined); // the site's pools and sockets
        logger.log(forced > 0 ? 'warn' : 'info', 'stopped', { drained_ms: Date.now() - started, forced_requests: forced });
      })()),
  };
}

/** Listen, turning the usual failures (busy port, unknown host) into a {@link ConfigError} naming the setting. */
function listen(fetch: Parameters<typeof serve>[0]['fetch'], config: Config): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    // createHttpServer: `Connection: close` and a gentle close when a request body was left unread.
    const server = serve({ fetch, port: config.port, hostname: config.host, createServer: createHttpServer }, () => {
      server.off('error', onError);
      resolve(server);
    });
    const onError = (error: NodeJS.ErrnoException) => reject(new ConfigError([listenProblem(error, config)]));
    server.once('error', onError);
  });
}

function listenProblem(error: NodeJS.ErrnoException, { host, port }: Config): string {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `PORT: ${where} is already in use by another process; stop it or choose another PORT (got "${port}")`;
    case 'EACCES':
      return `PORT: no permission to listen on ${where}; ports below 1024 need privileges, so use a higher PORT behind a reverse proxy (got "${port}")`;
    case 'EADDRNOTAVAIL':
      return `HOST: ${host} is not an address of this machine; use one of its addresses, 127.0.0.1 or 0.0.0.0 (got "${host}")`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return `HOST: ${host} does not resolve to an address; use an IP address or a resolvable host name (got "${host}")`;
    default:
      return `HOST: cannot listen on ${where}: ${error.code ?? error.message}`;
  }
}

import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import { relative } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps, type AppServices } from '../../app.js';
import type { Config } from '../../config.js';
import { jsonLogger, type Logger } from '../../log.js';
import type { UserDirectory } from '../../users/user.js';
import { openDatabase } from './database.js';
import { rpFetchLimits } from '../../provider/rp-discovery.js';
import { nodeFetch } from './fetch.js';
import { nodeRpFetch } from './rp-fetch.js';
import { publicFolder } from './paths.js';
import { nodeScrypt } from './scrypt.js';
import { createHttpServer } from './unread-body.js';

export interface RunningServer {
  url: string;
  port: number;
  services: AppServices;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  users?: UserDirectory;
  /** Override pieces of the runtime (tests). */
  deps?: Partial<AppDeps>;
}

/** Start idbridge on Node: SQLite (WAL, migrated), undici, native scrypt, static files, housekeeping. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const database = openDatabase(config.databasePath);
  const { app, services } = await createApp({
    config,
    db: database.db,
    // JSON lines straight to stdout (console.log adds formatting work on every line).
    logger: options.logger ?? jsonLogger((line) => process.stdout.write(`${line}\n`), config.logLevel),
    fetch: nodeFetch(),
    rpFetch: nodeRpFetch(rpFetchLimits(config.environment)),
    scrypt: nodeScrypt,
    dataVersion: database.dataVersion,
    users: options.users,
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
  });

  const server: ServerType = await new Promise((resolve) => {
    // createHttpServer: `Connection: close` and a gentle close when a request body was left unread.
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host, createServer: createHttpServer }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;

  // Housekeeping every 10 minutes (it logs its own counts; a failed run is retried next time).
  const purge = setInterval(() => void services.housekeeping.run().catch(() => undefined), 10 * 60 * 1000);
  purge.unref();

  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    services,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(purge);
        server.close(() => {
          database.close();
          resolve();
        });
        // Do not wait for idle keep-alive connections.
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  };
}

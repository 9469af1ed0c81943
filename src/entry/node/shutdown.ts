import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface Drainer {
  /**
   * Stop accepting connections and drain: requests already received run to completion and are
   * answered with `Connection: close`, idle keep-alive sockets are closed at once, and so is each
   * socket when its last response is out. Resolves when every connection is gone, or after
   * `graceMs` by closing whatever is still open; `forced` counts the requests cut off then.
   */
  drain(graceMs: number): Promise<{ forced: number }>;
  /** Close every connection now (a second signal while draining). */
  force(): void;
  readonly draining: boolean;
}

/**
 * Track an HTTP server's requests so that it can be drained. Why not only `server.close()`: it
 * stops accepting new connections, but a keep-alive client goes on sending requests on the
 * connection it has, and the server answers them keep-alive, so it never finishes closing while
 * such clients are busy.
 */
export function drainable(server: Server): Drainer {
  let draining = false;
  const active = new Set<ServerResponse>();

  // Before the app's own listener, so the header is set before the app can write its response.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.setHeader('Connection', 'close');
    active.add(res);
    res.once('close', () => active.delete(res));
    res.once('finish', () => {
      // A response whose headers went out keep-alive before the drain started: close its socket
      // now that it is complete (idle), instead of waiting for the client's next request.
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  });

  return {
    get draining() {
      return draining;
    },
    drain(graceMs) {
      draining = true;
      return new Promise((resolve) => {
        let forced = 0;
        const timer = setTimeout(() => {
          forced = active.size;
          server.closeAllConnections();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve({ forced });
        });
        for (const res of active) if (!res.headersSent) res.setHeader('Connection', 'close');
        server.closeIdleConnections();
      });
    },
    force() {
      server.closeAllConnections();
    },
  };
}

/**
 * Run `stop` on SIGTERM or SIGINT (once; a second signal runs `force`). Under an npm script, also
 * when npm goes away: a wrapper that dies without passing the signal on would otherwise leave the
 * server listening, orphaned under PID 1. (Only there: `nohup idbridge serve &` from a shell that
 * then exits is orphaned on purpose.)
 */
export function stopOnSignals(stop: (reason: string) => void, force: () => void, env: NodeJS.ProcessEnv = process.env): void {
  let stopping = false;
  const onSignal = (reason: string) => {
    if (stopping) return force();
    stopping = true;
    stop(reason);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const parent = process.ppid;
  if (env.npm_lifecycle_event && parent > 1) {
    const watch = setInterval(() => {
      if (process.ppid !== parent) {
        clearInterval(watch);
        onSignal('parent_exited');
      }
    }, 1000);
    watch.unref();
  }
}

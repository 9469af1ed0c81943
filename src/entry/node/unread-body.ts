/**
 * How the Node server ends a connection whose request was not read to the end (issue 15).
 *
 * The rule, in one place: a response whose headers are written while request body bytes are still
 * on their way says `Connection: close`, and the socket is then closed gently. Reading the rest of
 * a body nobody wants would cost bandwidth and time for a client that may never send it (a
 * declared 200 kB body of which 1 kB arrived), and announcing keep-alive and closing later (what
 * @hono/node-server's 500 ms drain does) breaks the client's next request on that connection
 * (RFC 9112 §9.3, §9.6). A body that has fully arrived but was not read by the handler is
 * discarded by Node and the connection stays usable.
 *
 * "Gently" (RFC 9112 §9.6, tear-down in stages): send the response and a FIN, then keep reading
 * and discarding what the client still sends — until it closes its side, or a small bound of bytes
 * or time — and only then close. Closing a socket with unread input makes the kernel send a reset,
 * which can destroy the response before the client has read it. Node's own answers to malformed
 * requests (400, 431, 408: the `clientError` event) go the same way.
 */
import { createServer, ServerResponse, type RequestListener, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Most bytes read and discarded after the response before the socket is closed anyway. */
export const LINGER_MAX_BYTES = 8 * 1024 * 1024;
/** Longest wait for the client to close its side after the response. */
export const LINGER_MAX_MS = 2000;

/**
 * A response that gives up keep-alive when its headers go out before the request has arrived
 * completely. Node then writes `Connection: close` (and no `Keep-Alive`) and closes the socket
 * after the response, through {@link closeGently}.
 */
class UnreadBodyAwareResponse extends ServerResponse {
  // Every header write goes through writeHead (Node's implicit headers call it too).
  override writeHead(...args: unknown[]): this {
    if (!this.req.complete) this.shouldKeepAlive = false;
    return (ServerResponse.prototype.writeHead as (...a: unknown[]) => this).apply(this, args);
  }
}

/**
 * `http.createServer` with the rule above: pass it to @hono/node-server's `serve` as
 * `createServer`.
 */
export const createHttpServer = ((options: ServerOptions, listener?: RequestListener): Server => {
  const server = createServer({ ...options, ServerResponse: UnreadBodyAwareResponse as typeof ServerResponse }, listener);
  server.on('connection', (socket: Socket) => {
    // Node's HTTP server ends a connection that will not be kept alive with destroySoon() (FIN, then
    // an immediate close that resets on unread input): make that the gentle close.
    socket.destroySoon = () => closeGently(socket);
  });
  server.on('clientError', answerClientError);
  return server;
}) as typeof createServer;

const CLIENT_ERRORS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/** Node's default answers to a request it cannot parse, followed by a gentle close. */
function answerClientError(error: NodeJS.ErrnoException, duplex: Duplex): void {
  const socket = duplex as Socket;
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // A response already on its way cannot be followed by another one.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!inFlight?.headersSent) {
    const status = CLIENT_ERRORS[error.code ?? ''] ?? '400 Bad Request';
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  closeGently(socket);
}

const lingering = new WeakSet<Socket>();

/**
 * End the connection without a reset: FIN after the pending output, then read and discard until
 * the client closes, {@link LINGER_MAX_BYTES} or {@link LINGER_MAX_MS}, then close.
 */
export function closeGently(socket: Socket): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  // Whatever still arrives is not a request any more: take the input away from the HTTP parser
  // (adding a 'data' listener makes Node's server stop feeding the parser from the handle).
  for (const listener of socket.listeners('data')) socket.off('data', listener as (...args: unknown[]) => void);
  let discarded = 0;
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES) socket.destroy();
  });
  const timer = setTimeout(() => socket.destroy(), LINGER_MAX_MS);
  timer.unref();
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
  socket.end();
  socket.resume();
}

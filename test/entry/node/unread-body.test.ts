/**
 * Issue 15: a response sent while request body bytes are still on the wire says
 * `Connection: close`, and the socket is then closed cleanly (FIN after the response, never a reset
 * that could destroy the response in the client's buffer). Connections whose requests were read
 * completely stay alive.
 *
 * Over raw `net` sockets (a pooled client would hide a broken connection by retrying elsewhere),
 * and with undici's pooled `Agent`, which relying parties and reverse proxies use.
 */
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdbridge, type TestServer } from '../../helpers/walk.js';

let idp: TestServer;
let port: number;

beforeAll(async () => {
  idp = await startIdbridge({});
  port = idp.server.port;
});
afterAll(async () => {
  await idp.close();
});

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parse every complete HTTP/1.1 response (Content-Length framed) at the start of `data`. */
function parseResponses(data: string): Parsed[] {
  const out: Parsed[] = [];
  let rest = data;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + length) return out;
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}

/** A raw client socket that records everything it receives and how it ended. */
class RawClient {
  readonly socket: Socket;
  data = '';
  ended = false;
  error: NodeJS.ErrnoException | undefined;
  readonly closed: Promise<void>;
  private waiters: Array<() => void> = [];

  /** `allowHalfOpen`: keep our side writable after the server's FIN (else net ends it at once). */
  constructor(options: { allowHalfOpen?: boolean } = {}) {
    this.socket = connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? false });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => {
      this.data += chunk;
      this.wake();
    });
    this.socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.socket.on('error', (error) => {
      this.error = error;
      this.wake();
    });
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async connected(): Promise<void> {
    if (this.socket.readyState === 'open') return;
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Wait until `n` complete responses arrived (or the socket ended), within five seconds. */
  async responses(n: number): Promise<Parsed[]> {
    const deadline = Date.now() + 5000;
    while (parseResponses(this.data).length < n && !this.ended && !this.error && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return parseResponses(this.data);
  }

  /** Wait for the server to end the connection, within five seconds. */
  async serverEnd(): Promise<void> {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
    await Promise.race([
      new Promise<void>((resolve) => {
        if (this.ended || this.error) return resolve();
        this.socket.once('end', () => resolve());
        this.socket.once('error', () => resolve());
      }),
      timeout,
    ]);
  }
}

function head(method: string, path: string, headers: Record<string, string | number> = {}): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('responses sent before the request body was read (raw socket)', () => {
  it('a declared oversized body, partly sent: 413 with Connection: close, then a clean close', async () => {
    const client = new RawClient();
    await client.connected();
    client.write(head('POST', '/token', { ...FORM, 'Content-Length': 200_000 }) + 'a'.repeat(1000));
    const [res] = await client.responses(1);
    expect(res?.status).toBe(413);
    expect(res?.headers['connection']).toBe('close');
    expect(res?.headers['keep-alive']).toBeUndefined();
    await client.serverEnd();
    expect(client.ended).toBe(true);
    // Our side closes too (net sockets do on end); a reset would surface as an error meanwhile.
    await client.closed;
    expect(client.error).toBeUndefined();
  });

  it('what the client still sends after that answer (the rest of the body, another request) is discarded, not served', async () => {
    const client = new RawClient({ allowHalfOpen: true });
    await client.connected();
    client.write(head('POST', '/token', { ...FORM, 'Content-Length': 200_000 }) + 'a'.repeat(1000));
    const [res] = await client.responses(1);
    expect(res?.headers['connection']).toBe('close');
    client.write('a'.repeat(199_000) + head('GET', '/healthz'));
    await client.serverEnd();
    expect(client.ended).toBe(true);
    client.socket.end();
    await client.closed;
    expect(client.error).toBeUndefined();
    expect(parseResponses(client.data)).toHaveLength(1);
  });

  it('an oversized body sent in full at once: the 413 arrives intact and the close is not a reset', async () => {
    const client = new RawClient();
    await client.connected();
    client.write(head('POST', '/token', { ...FORM, 'Content-Length': 1_000_000 }) + 'a'.repeat(1_000_000));
    const [res] = await client.responses(1);
    expect(res?.status).toBe(413);
    expect(res?.headers['connection']).toBe('close');
    await client.serverEnd();
    expect(client.ended).toBe(true);
    // Our side closes too (net sockets do on end); a reset would surface as an error meanwhile.
    await client.closed;
    expect(client.error).toBeUndefined();
  });

  it('a handler that answers before a slow body arrives (404 for a POST) closes the same way', async () => {
    const client = new RawClient();
    await client.connected();
    client.write(head('POST', '/no-such-endpoint', { ...FORM, 'Content-Length': 100 }) + 'a=1');
    const [res] = await client.responses(1);
    expect(res?.status).toBe(404);
    expect(res?.headers['connection']).toBe('close');
    await client.serverEnd();
    expect(client.ended).toBe(true);
    // Our side closes too (net sockets do on end); a reset would surface as an error meanwhile.
    await client.closed;
    expect(client.error).toBeUndefined();
  });

  it('ten requests on one keep-alive socket (bodies read by their handlers): all answered, the socket stays open', async () => {
    const client = new RawClient();
    await client.connected();
    for (let i = 0; i < 10; i++) {
      if (i % 2 === 1) client.write(head('POST', '/token', { ...FORM, 'Content-Length': 22 }) + 'grant_type=refresh_tok');
      else client.write(head('GET', '/healthz'));
      const responses = await client.responses(i + 1);
      expect(responses).toHaveLength(i + 1);
      const res = responses[i]!;
      expect(res.status).toBe(i % 2 === 1 ? 401 : 200);
      expect(res.headers['connection']).toBe('keep-alive');
    }
    expect(client.ended).toBe(false);
    expect(client.error).toBeUndefined();
    client.socket.end();
    await client.closed;
  });

  it('431 for oversized headers: Connection: close, then a clean close', async () => {
    const client = new RawClient();
    await client.connected();
    client.write(head('GET', '/healthz', { 'X-Big': 'b'.repeat(4_000_000) }));
    await client.serverEnd();
    expect(client.data).toMatch(/^HTTP\/1\.1 431 /);
    expect(client.data.toLowerCase()).toContain('connection: close');
    expect(client.ended).toBe(true);
    // Our side closes too (net sockets do on end); a reset would surface as an error meanwhile.
    await client.closed;
    expect(client.error).toBeUndefined();
  });

  it('400 for a malformed request line: Connection: close, then a clean close', async () => {
    const client = new RawClient();
    await client.connected();
    client.write(`GARBAGE\x01 / HTTP/1.1\r\nHost: x\r\n\r\n${'z'.repeat(4_000_000)}`);
    await client.serverEnd();
    expect(client.data).toMatch(/^HTTP\/1\.1 400 /);
    expect(client.data.toLowerCase()).toContain('connection: close');
    expect(client.ended).toBe(true);
    // Our side closes too (net sockets do on end); a reset would surface as an error meanwhile.
    await client.closed;
    expect(client.error).toBeUndefined();
  });
});

describe('undici pooled Agent after an early error answer', () => {
  it('an oversized request, then twenty normal requests through the same pool: zero failures', async () => {
    const agent = new Agent({ connections: 1, pipelining: 1 });
    try {
      const url = `http://127.0.0.1:${port}`;
      async function* slowBody() {
        yield Buffer.alloc(1000, 'a');
        // Longer than @hono/node-server's 500 ms drain timeout: the body is still on its way when the
        // answer has been sent.
        await new Promise((resolve) => setTimeout(resolve, 700));
        yield Buffer.alloc(199_000, 'a');
      }
      const big = await request(`${url}/token`, {
        dispatcher: agent,
        method: 'POST',
        headers: { ...FORM, 'content-length': '200000' },
        body: Readable.from(slowBody()),
      });
      expect(big.statusCode).toBe(413);
      expect(big.headers['connection']).toBe('close');
      await big.body.text();

      const failures: unknown[] = [];
      for (let i = 0; i < 20; i++) {
        try {
          const res = await request(`${url}/healthz`, { dispatcher: agent });
          expect(res.statusCode).toBe(200);
          await res.body.text();
        } catch (error) {
          failures.push(error);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await agent.close();
    }
  });

  it('an oversized body sent in full, then twenty requests: zero failures', async () => {
    const agent = new Agent({ connections: 1, pipelining: 1 });
    try {
      const url = `http://127.0.0.1:${port}`;
      const big = await request(`${url}/token`, { dispatcher: agent, method: 'POST', headers: FORM, body: 'a'.repeat(1_000_000) });
      expect(big.statusCode).toBe(413);
      await big.body.text();
      const failures: unknown[] = [];
      for (let i = 0; i < 20; i++) {
        try {
          const res = await request(`${url}/healthz`, { dispatcher: agent });
          expect(res.statusCode).toBe(200);
          await res.body.text();
        } catch (error) {
          failures.push(error);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await agent.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedPostback {
  at: number;
  form: URLSearchParams;
  contentType: string | undefined;
}

export interface ScriptedAnswer {
  status: number;
  retryAfter?: string;
  body?: string;
  /** Delay before answering, in ms (to provoke timeouts). */
  delayMs?: number;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for the identity service's PostBack URL. It records
 * every postback and answers from a script (default: 200 OK).
 */
export class FakeIdentityService {
  readonly postbacks: RecordedPostback[] = [];
  script: ScriptedAnswer[] = [];
  private server: Server | undefined;
  port = 0;

  get postbackUrl(): string {
    return `http://127.0.0.1:${this.port}/ows_auth`;
  }

  get returnUrl(): string {
    return `http://127.0.0.1:${this.port}/ows_return`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url !== '/ows_auth' || req.method !== 'POST') {
          res.writeHead(404).end('not found');
          return;
        }
        this.postbacks.push({
          at: Date.now(),
          form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
          contentType: req.headers['content-type'],
        });
        const answer = this.script.shift() ?? { status: 200 };
        const send = () => {
          const headers: Record<string, string> = { 'content-type': 'text/plain' };
          if (answer.retryAfter) headers['retry-after'] = answer.retryAfter;
          res.writeHead(answer.status, headers).end(answer.body ?? (answer.status === 200 ? 'OK' : 'error'));
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

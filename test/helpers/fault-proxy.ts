/**
 * A fault-injecting HTTP proxy between a bridge and its identity service (node:http, loopback).
 * Every request is forwarded; each postback (`POST …/ows_auth`) first takes the next action of
 * `script` (default: forward), and its body and fate are recorded in `postbacks`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultAction =
  /** Pass it on and relay the answer. */
  | 'forward'
  /** Answer 503 without passing it on (not delivered). */
  | '503'
  /** Pass it on, let the identity service accept it, then drop the bridge's connection unanswered. */
  | 'forward-then-drop'
  /** Wait `ms`, then pass it on (the identity service accepts it even if the bridge gave up). */
  | { slow: number }
  /** Hold it until {@link FaultProxy.release} is called, then pass it on. */
  | 'hold';

export interface ProxiedPostback {
  action: FaultAction;
  body: string;
  /** The identity service's status, or null when it never got the postback. */
  upstream: number | null;
  /** What the bridge got: a status, or 'dropped' (connection closed) / 'gone' (the bridge left first). */
  answered: number | 'dropped' | 'gone' | null;
}

export class FaultProxy {
  script: FaultAction[] = [];
  readonly postbacks: ProxiedPostback[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private held: Array<() => void> = [];
  private heldWaiters: Array<() => void> = [];
  port = 0;

  constructor(private target: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  retarget(target: string): void {
    this.target = target;
  }

  /** Listen (again, on the same port after {@link stop}). */
  async start(port = this.port): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stop listening and cut every connection: the bridge then sees "connection refused". */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once a postback is being held. */
  async whenHolding(): Promise<void> {
    if (this.held.length > 0) return;
    await new Promise<void>((resolve) => this.heldWaiters.push(resolve));
  }

  /** Let the held postbacks through. */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const go of held) go();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const isPostback = req.method === 'POST' && (req.url ?? '').split('?')[0]!.endsWith('/ows_auth');
    if (!isPostback) {
      const answer = await this.forward(req, body).catch(() => null);
      if (!answer) return void res.destroy();
      return void res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
    }
    const action = this.script.shift() ?? 'forward';
    const record: ProxiedPostback = { action, body: body.toString('utf8'), upstream: null, answered: null };
    this.postbacks.push(record);
    let bridgeLeft = false;
    res.on('close', () => {
      if (!res.writableFinished) bridgeLeft = true;
    });
    if (action === '503') {
      record.answered = 503;
      return void res.writeHead(503, { 'content-type': 'text/plain' }).end('service unavailable');
    }
    if (action === 'hold') {
      await new Promise<void>((resolve) => {
        this.held.push(resolve);
        for (const waiter of this.heldWaiters.splice(0)) waiter();
      });
    }
    if (typeof action === 'object') await new Promise((resolve) => setTimeout(resolve, action.slow));
    const answer = await this.forward(req, body).catch(() => null);
    record.upstream = answer?.status ?? null;
    if (bridgeLeft || res.destroyed) {
      record.answered = 'gone';
      return;
    }
    if (action === 'forward-then-drop' || !answer) {
      record.answered = 'dropped';
      return void res.socket?.destroy();
    }
    record.answered = answer.status;
    res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
  }

  private async forward(req: IncomingMessage, body: Buffer) {
    const res = await fetch(`${this.target}${req.url ?? '/'}`, {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(body),
      redirect: 'manual',
    });
    return { status: res.status, type: res.headers.get('content-type') ?? 'text/plain', body: await res.text() };
  }
}

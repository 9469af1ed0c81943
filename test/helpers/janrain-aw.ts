/**
 * A stock Janrain "authenticating website" (AW), written only from Janrain's published description
 * of Identity Services (../shared/seeds/003): a Verify URL, its own login page and user table, a
 * form-encoded postback with `api_key`, `request_id`, `username`, `no_prompt` and `sreg_*` values,
 * and a redirect to the Return URL with `request_id`. It knows nothing of idbridge: no idbridge
 * import, no `return_token`, no `auth_time`. Like real AWs it may send more than was asked for.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwUser {
  login: string;
  password: string;
  /** SREG values by short name (email, fullname, nickname, …). */
  profile: Record<string, string>;
}

export interface AwOptions {
  apiKey: string;
  postbackUrl: string;
  returnUrl: string;
  /** The `no_prompt` value sent, verbatim (`true`, `false`, `1`, `0`, …). */
  noPrompt: string;
  /** How the browser is sent to the Return URL: a 302 with the query, or an auto-submitted form POST. */
  returnVia: 'get' | 'post';
  /** Fields sent on top of the requested ones (a sample AW that posts its whole user row). */
  extraFields: Record<string, string>;
}

export interface PostbackRecord {
  requestId: string;
  status: number;
  text: string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export class JanrainAw {
  readonly postbacks: PostbackRecord[] = [];
  readonly options: AwOptions = { apiKey: '', postbackUrl: '', returnUrl: '', noPrompt: 'false', returnVia: 'get', extraFields: {} };
  private readonly users = new Map<string, AwUser>();
  /** What each request asked for (step 2), by request_id. */
  private readonly pending = new Map<string, string[]>();
  /** The AW's own sessions: cookie value → login. */
  private readonly sessions = new Map<string, string>();
  private server: Server | undefined;
  url = '';

  addUser(user: AwUser): void {
    this.users.set(user.login, user);
  }

  async start(host = '127.0.0.1'): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        res.statusCode = 500;
        res.end('AW error');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'GET' && url.pathname === '/verify') {
      // Step 2: remember what was asked; step 3: show the login page unless signed in here.
      const requestId = url.searchParams.get('request_id') ?? '';
      const requested = (url.searchParams.get('requested_attributes') ?? '').split(',').filter(Boolean);
      this.pending.set(requestId, requested);
      const login = this.sessions.get(cookie(req, 'aw_session') ?? '');
      if (login) return this.postBack(res, requestId, this.users.get(login)!);
      return html(res, 200, loginPage(requestId, url.searchParams.get('realm') ?? ''));
    }
    if (req.method === 'POST' && url.pathname === '/login') {
      const form = new URLSearchParams(await body(req));
      const requestId = form.get('request_id') ?? '';
      const user = this.users.get(form.get('identifier') ?? '');
      if (!user || user.password !== form.get('password')) return html(res, 401, loginPage(requestId, '', 'Wrong login or password.'));
      const session = randomBytes(16).toString('hex');
      this.sessions.set(session, user.login);
      res.setHeader('set-cookie', `aw_session=${session}; Path=/; HttpOnly; SameSite=Lax`);
      return this.postBack(res, requestId, user);
    }
    res.statusCode = 404;
    res.end('not found');
  }

  /** Steps 4–6: post the result, and on 200 send the browser to the Return URL. */
  private async postBack(res: ServerResponse, requestId: string, user: AwUser): Promise<void> {
    const form = new URLSearchParams({ api_key: this.options.apiKey, request_id: requestId, username: user.login, no_prompt: this.options.noPrompt });
    for (const name of this.pending.get(requestId) ?? []) {
      const value = user.profile[name.replace(/^sreg_/, '')];
      if (value !== undefined) form.set(name, value);
    }
    for (const [name, value] of Object.entries(this.options.extraFields)) form.set(name, value);
    const answer = await fetch(this.options.postbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const text = await answer.text();
    this.postbacks.push({ requestId, status: answer.status, text });
    if (answer.status !== 200) {
      // Janrain: log the status, stop, and tell the user only that the sign-in did not complete.
      return html(res, 502, '<h1>Sign-in did not complete</h1>');
    }
    if (this.options.returnVia === 'get') {
      res.statusCode = 302;
      res.setHeader('location', `${this.options.returnUrl}?request_id=${encodeURIComponent(requestId)}`);
      res.end();
      return;
    }
    return html(
      res,
      200,
      `<form method="post" action="${escape(this.options.returnUrl)}" id="return"><input type="hidden" name="request_id" value="${escape(requestId)}"><button>Continue</button></form>`,
    );
  }
}

function loginPage(requestId: string, realm: string, message = ''): string {
  return `<!doctype html><title>Sign in</title><h1>Sign in to continue to ${escape(realm)}</h1><p>${escape(message)}</p>
<form method="post" action="/login"><input type="hidden" name="request_id" value="${escape(requestId)}">
<input name="identifier"><input name="password" type="password"><button>Sign in</button></form>`;
}

function html(res: ServerResponse, status: number, content: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(content);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name) return v;
  }
  return undefined;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

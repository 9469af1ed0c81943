/**
 * The load generator's HTTP side: a minimal cookie-keeping browser (one jar per virtual browser)
 * and a closed-loop request hammer, both on undici with keep-alive connections.
 */
import { Agent, request } from 'undici';

/** One keep-alive connection pool per benchmark target, shared by every virtual browser. */
export function agentFor(connections) {
  return new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000, connect: { timeout: 5_000 } });
}

/** A cookie jar for one host: name → { value, path }. Enough for the servers under test. */
export class CookieJar {
  #cookies = new Map();

  header(path) {
    const out = [];
    for (const [name, { value, path: p }] of this.#cookies) if (path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`)) out.push(`${name}=${value}`);
    return out.join('; ');
  }

  store(setCookie, requestPath) {
    if (!setCookie) return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = requestPath.slice(0, requestPath.lastIndexOf('/') + 1) || '/';
      let expired = false;
      for (const attribute of attributes) {
        const [k, v = ''] = attribute.split('=');
        const key = k.trim().toLowerCase();
        if (key === 'path') path = v.trim() || '/';
        else if (key === 'max-age' && Number(v) <= 0) expired = true;
        else if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${name}`;
      if (expired || value === '') this.#cookies.delete(id);
      else this.#cookies.set(id, { value, path });
    }
  }

  get size() {
    return this.#cookies.size;
  }
}

/** A browser: GET and form POST with its own cookie jar, never following redirects by itself. */
export class Browser {
  constructor(agent, origin) {
    this.agent = agent;
    this.origin = origin;
    this.jar = new CookieJar();
  }

  async get(url) {
    return this.#send(url, 'GET');
  }

  async post(url, fields) {
    return this.#send(url, 'POST', new URLSearchParams(fields).toString());
  }

  async #send(url, method, body) {
    const u = new URL(url, this.origin);
    const headers = { accept: 'text/html,application/xhtml+xml', 'user-agent': 'idbridge-bench' };
    const cookie = this.jar.header(u.pathname);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = u.origin;
    }
    const res = await request(u, { method, headers, body, dispatcher: this.agent });
    this.jar.store(res.headers['set-cookie'], u.pathname);
    const text = await res.body.text();
    const location = res.headers.location ? new URL(res.headers.location, u).toString() : undefined;
    return { status: res.statusCode, location, text, url: u.toString() };
  }
}

/** The first form of a page: absolute action URL and its hidden fields. */
export function firstForm(html, pageUrl) {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const action = /\baction="([^"]*)"/i.exec(form[0])?.[1] ?? '';
  const fields = {};
  for (const input of form[1].matchAll(/<input\b[^>]*>/gi)) {
    const tag = input[0];
    if (!/\btype="hidden"/i.test(tag)) continue;
    const name = /\bname="([^"]*)"/i.exec(tag)?.[1];
    const value = /\bvalue="([^"]*)"/i.exec(tag)?.[1] ?? '';
    if (name) fields[decodeEntities(name)] = decodeEntities(value);
  }
  return { action: new URL(decodeEntities(action), pageUrl).toString(), fields };
}

function decodeEntities(s) {
  return s.replace(/&(#x?[0-9a-f]+|amp|lt|gt|quot|apos);/gi, (_, e) => {
    const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e.toLowerCase()];
    if (named) return named;
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/**
 * One request of an endpoint benchmark as a closed-loop iteration: `next(i)` gives undici request
 * options ({ path, method, headers, body }) or null when the supply is exhausted; `check(status,
 * text)` says whether the answer is a success (default: 200).
 */
export function endpointIteration({ origin, agent, next, check }) {
  let i = 0;
  return async () => {
    const options = next(i++);
    if (!options) return null;
    const res = await request(new URL(options.path, origin), {
      dispatcher: agent,
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
    });
    const text = await res.body.text();
    const ok = check ? check(res.statusCode, text) : res.statusCode === 200;
    return ok ? { ok } : { ok, error: `${options.path.split('?')[0]}: ${res.statusCode} ${text.slice(0, 200)}` };
  };
}

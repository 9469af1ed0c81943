/**
 * Shared end-to-end plumbing: start idbridge on a free loopback port, and walk a cookie-keeping
 * test browser through the sign-in pages (login at the bridge, consent at the identity service)
 * until it is sent back to the relying party.
 */
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { AppDeps } from '../../src/app.js';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser, type NewUserInput } from '../../src/users/create-user.js';
import type { DirectoryUser } from '../../src/users/user.js';
import { page, type TestBrowser } from './browser.js';
import { TestClock } from './clock.js';
import { testConfig } from './config.js';

/** A free TCP port on 127.0.0.1 (the public URL must name the real port before the server starts). */
export async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface TestServer {
  server: RunningServer;
  /** The public URL (equals the real listening URL, possibly under another loopback host name). */
  url: string;
  clock: TestClock;
  logger: ReturnType<typeof memoryLogger>;
  addUser(input: Partial<NewUserInput> & { email: string; password: string }): Promise<DirectoryUser>;
  close(): Promise<void>;
}

/** Start idbridge on a free port of 127.0.0.1, reachable as `http://<host>:<port>`. */
export async function startIdbridge(env: Record<string, string>, host = '127.0.0.1', deps: Partial<AppDeps> = {}): Promise<TestServer> {
  const port = await freePort();
  const url = `http://${host}:${port}`;
  const clock = new TestClock();
  const logger = memoryLogger();
  const config = testConfig({ IDBRIDGE_PUBLIC_URL: url, PORT: String(port), HOST: '127.0.0.1', ...env });
  const server = await startServer(config, { logger, deps: { clock, ...deps } });
  return {
    server,
    url,
    clock,
    logger,
    addUser: (input) => createUser(input, { store: server.services.userStore, hasher: server.services.hasher, now: clock.now() }),
    close: () => server.close(),
  };
}

/** One stop of the browser: the response, the URL it came from, and its HTML when it is a page. */
export interface Hop {
  response: Response;
  url: string;
  html: string;
}

/** Where the browser may go on its own: our servers. Anything else (the RP) ends the walk. */
export interface Site {
  ours: string[];
  /** The OP identifier to give the relying party (identifier_select). */
  opIdentifier: string;
}

export function isOurs(site: Site, url: string): boolean {
  return site.ours.some((origin) => url.startsWith(`${origin}/`));
}

/** Follow 302s as long as they stay on our servers; read the page where the walk stops. */
export async function follow(browser: TestBrowser, site: Site, response: Response, url: string): Promise<Hop> {
  let res = response;
  let at = url;
  for (let i = 0; i < 10 && (res.status === 302 || res.status === 303); i++) {
    const next = new URL(res.headers.get('location')!, at).toString();
    if (!isOurs(site, next)) break;
    await res.arrayBuffer();
    at = next;
    res = await browser.get(next);
  }
  const html = res.status === 302 || res.status === 303 ? '' : await res.text();
  return { response: res, url: at, html };
}

export async function visit(browser: TestBrowser, site: Site, url: string): Promise<Hop> {
  return follow(browser, site, await browser.get(url), url);
}

/** Submit the first form of the page (relative action resolved against the page's URL) and follow. */
export async function submitAndFollow(browser: TestBrowser, site: Site, hop: Hop, fields: Record<string, string | null>): Promise<Hop> {
  const $ = page(hop.html);
  const action = new URL($('form').first().attr('action')!, hop.url).toString();
  return follow(browser, site, await browser.submit(hop.html, fields, 'form', hop.url), action);
}

export function isLoginPage(hop: Hop): boolean {
  return hop.response.status === 200 && page(hop.html)('form[action="/login"]').length === 1;
}

export function isConsentPage(hop: Hop): boolean {
  return hop.response.status === 200 && page(hop.html)('form[action="/ows_consent"]').length === 1;
}

/** The redirect to the relying party that ends the walk, if that is where it ended. */
export function rpRedirect(site: Site, hop: Hop): string | null {
  if (hop.response.status !== 302) return null;
  const location = new URL(hop.response.headers.get('location')!, hop.url).toString();
  return isOurs(site, location) ? null : location;
}

export interface SignInOptions {
  /** Credentials to type into the login form (the test fails if the form appears without them). */
  user?: { identifier: string; password: string };
  /** Answer on the consent page (the test fails if the page appears without one). */
  /** approve: as the page is (OIDC remembers by default); once: approve, opting out of remembering. */
  consent?: 'approve' | 'deny' | 'remember' | 'once';
}

export interface SignInOutcome {
  /** The URL the browser is sent to at the relying party, carrying the OpenID response. */
  location: string;
  /** Pages the user saw on the way, in order. */
  seen: Array<'login' | 'consent'>;
  /** The consent page, when there was one. */
  consentHtml?: string;
}

/** Walk the browser from the OP URL the RP produced to the redirect back to the RP. */
export async function signInAt(browser: TestBrowser, site: Site, authUrl: string, options: SignInOptions = {}): Promise<SignInOutcome> {
  const seen: SignInOutcome['seen'] = [];
  let consentHtml: string | undefined;
  let hop = await visit(browser, site, authUrl);
  for (let step = 0; step < 6; step++) {
    const location = rpRedirect(site, hop);
    if (location) return { location, seen, ...(consentHtml === undefined ? {} : { consentHtml }) };
    if (isLoginPage(hop)) {
      seen.push('login');
      if (!options.user) throw new Error('unexpected login page');
      hop = await submitAndFollow(browser, site, hop, options.user);
    } else if (isConsentPage(hop)) {
      seen.push('consent');
      consentHtml = hop.html;
      if (!options.consent) throw new Error('unexpected consent page');
      hop = await submitAndFollow(browser, site, hop, {
        decision: options.consent === 'deny' ? 'deny' : 'approve',
        ...(options.consent === 'remember' ? { remember: 'yes' } : options.consent === 'once' ? { remember: null } : {}),
      });
    } else {
      throw new Error(`unexpected answer ${hop.response.status} at ${hop.url}: ${hop.html.replace(/\s+/g, ' ').slice(0, 400)}`);
    }
  }
  throw new Error('too many steps');
}


/**
 * Split deployment under faults: a real identity service (role=identity) and a real bridge
 * (role=bridge; in-process, and as a child process `bin/idbridge.js serve` for the SIGKILL case)
 * on ONE host name (127.0.0.1, two ports — browsers share cookies across ports), real HTTP
 * between them through a fault-injecting proxy, sign-ins driven by the `openid` relying-party
 * library and a cookie-keeping test browser.
 *
 * Every case asserts: the sign-in completes exactly once (one accepted postback, one verified
 * assertion) or fails with the clear "could not be completed" page; and afterwards nothing can be
 * replayed (the same postback is refused, the Return URL and the Verify URL are refused).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser } from '../../src/users/create-user.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { testConfig } from '../helpers/config.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { openid, OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { follow, freePort, isConsentPage, isLoginPage, rpRedirect, submitAndFollow, visit, type Hop, type Site } from '../helpers/walk.js';

const PASSWORD = 'correct horse battery staple';
const LOGIN = { identifier: 'erin', password: PASSWORD };
const API_KEY = 'split-faults-api-key-0123456789abcdef';
const BRIDGE_SECRET = 'bridge-secret-bridge-secret-bridge-secret-0123';
const root = join(import.meta.dirname, '..', '..');

/**
 * A short postback budget, so that timeouts and give-ups happen in test time, yet loose enough
 * (1 s per attempt on loopback) that a loaded CI machine does not time out the healthy cases.
 */
const ATTEMPTS = 3;
const POSTBACK_ENV = {
  IDBRIDGE_POSTBACK_ATTEMPTS: String(ATTEMPTS),
  IDBRIDGE_POSTBACK_TIMEOUT_MS: '1000',
  IDBRIDGE_POSTBACK_DEADLINE_MS: '3000',
  IDBRIDGE_POSTBACK_BASE_DELAY_MS: '20',
  IDBRIDGE_POSTBACK_MAX_DELAY_MS: '100',
};

describe('split deployment with a fault-injecting proxy between bridge and identity service', () => {
  let dir: string;
  let identityPort: number;
  let bridgePort: number;
  let identityUrl: string;
  let bridgeUrl: string;
  let identity: RunningServer | undefined;
  const identityLogger = memoryLogger();
  let bridge: RunningServer | undefined;
  const bridgeLogger = memoryLogger();
  let proxy: FaultProxy;
  let site: Site;

  const identityConfig = () =>
    testConfig({
      IDBRIDGE_ROLE: 'identity',
      IDBRIDGE_PUBLIC_URL: identityUrl,
      PORT: String(identityPort),
      IDBRIDGE_VERIFY_URL: `${bridgeUrl}/verify`,
      IDBRIDGE_API_KEY: API_KEY,
      IDBRIDGE_DATABASE: join(dir, 'identity.sqlite'),
    });
  const bridgeEnv = () => ({
    IDBRIDGE_ROLE: 'bridge',
    IDBRIDGE_PUBLIC_URL: bridgeUrl,
    PORT: String(bridgePort),
    IDBRIDGE_POSTBACK_URL: `${proxy.url}/ows_auth`,
    IDBRIDGE_RETURN_URL: `${identityUrl}/ows_return`,
    IDBRIDGE_API_KEY: API_KEY,
    IDBRIDGE_SECRET: BRIDGE_SECRET, // separate deployments, separate secrets
    IDBRIDGE_DATABASE: join(dir, 'bridge.sqlite'),
    ...POSTBACK_ENV,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idbridge-split-'));
    identityPort = await freePort();
    bridgePort = await freePort();
    identityUrl = `http://127.0.0.1:${identityPort}`;
    bridgeUrl = `http://127.0.0.1:${bridgePort}`;
    site = { ours: [identityUrl, bridgeUrl], opIdentifier: `${identityUrl}/openid` };
    identity = await startServer(identityConfig(), { logger: identityLogger });
    proxy = new FaultProxy(identityUrl);
    await proxy.start();
    bridge = await startServer(testConfig(bridgeEnv()), { logger: bridgeLogger, deps: { random: () => 0.5 } });
    await createUser({ email: 'erin@example.com', username: 'erin', password: PASSWORD, fullname: 'Erin Hannon' }, {
      store: bridge.services.userStore,
      hasher: bridge.services.hasher,
      now: Date.now(),
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await proxy?.stop();
    await identity?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  interface Flow {
    rp: OpenIdRelyingParty;
    browser: TestBrowser;
    requestId: string;
    verifyUrl: string;
    login: Hop;
  }

  let rpCounter = 0;
  /** The relying party starts a sign-in; the browser lands on the bridge's login page. */
  async function startFlow(): Promise<Flow> {
    const realm = `http://rp${++rpCounter}.example.test/`;
    const rp = new OpenIdRelyingParty({ returnUrl: `${realm}return`, realm, stateless: false, extensions: [new openid.SimpleRegistration({ email: 'required' })] });
    // One host name for both servers: one cookie jar, as in a real browser.
    const browser = new TestBrowser(identityUrl, undefined, { cookiesPerHost: true });
    const login = await visit(browser, site, await rp.authenticate(site.opIdentifier));
    expect(isLoginPage(login), login.html.slice(0, 300)).toBe(true);
    const requestId = new URL(login.url).searchParams.get('request_id')!;
    return { rp, browser, requestId, verifyUrl: login.url, login };
  }

  /** Submit the login form without following: the bridge's answer itself. */
  const submitLogin = (flow: Flow) => flow.browser.submit(flow.login.html, LOGIN, 'form', flow.login.url);

  function expectFailedPage(res: Response, html: string, canRetry: boolean) {
    expect(res.status).toBe(503);
    const $ = page(html);
    expect($('h1').text()).toBe('Sign-in could not be completed');
    expect($('form[action="/verify/retry"]').length).toBe(canRetry ? 1 : 0);
    expect(html).not.toMatch(/ECONN|network_error|timeout|stack/i); // details are for the log only
  }

  /** From the bridge's redirect to the Return URL on: consent, then the assertion, verified. */
  async function finish(flow: Flow, bridgeAnswer: Response, at: string): Promise<{ returnUrl: string; location: string }> {
    expect(bridgeAnswer.status, await bridgeAnswer.clone().text()).toBe(302);
    const returnUrl = new URL(bridgeAnswer.headers.get('location')!, at).toString();
    expect(returnUrl.startsWith(`${identityUrl}/ows_return?`)).toBe(true);
    const consent = await follow(flow.browser, site, bridgeAnswer, at);
    expect(isConsentPage(consent), consent.html.slice(0, 300)).toBe(true);
    const done = await submitAndFollow(flow.browser, site, consent, { decision: 'approve' });
    const location = rpRedirect(site, done)!;
    expect(location).toBeTruthy();
    const verified = await flow.rp.verify(location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, email: 'erin@example.com' });
    return { returnUrl, location };
  }

  /** Exactly once, and nothing left to replay. */
  async function expectCompletedOnce(flow: Flow, returnUrl: string) {
    const accepted = identityLogger.entries.filter((e) => e.event === 'postback_accepted' && e.request_id === flow.requestId);
    expect(accepted).toHaveLength(1);
    expect((await identity!.services.authRequests.get(flow.requestId))?.state).toBe('completed');

    // The postback, replayed as it went over the wire: refused now that the request is complete.
    const delivered = proxy.postbacks.filter((p) => new URLSearchParams(p.body).get('request_id') === flow.requestId && p.upstream === 200);
    expect(delivered.length).toBeGreaterThanOrEqual(1);
    const replay = await fetch(`${identityUrl}/ows_auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: delivered[0]!.body,
    });
    expect(replay.status).toBe(409);
    await replay.arrayBuffer();

    // The Return URL again (same browser, same return token): an error page, no second assertion.
    const again = await flow.browser.get(returnUrl);
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.headers.get('location')).toBeNull();
    await again.arrayBuffer();

    // The Verify URL again: the bridge refuses and posts nothing.
    const before = proxy.postbacks.length;
    const verifyAgain = await flow.browser.get(flow.verifyUrl);
    expect(verifyAgain.status).toBe(409);
    expect(page(await verifyAgain.text())('h1').text()).toBe('Sign-in already finished');
    expect(proxy.postbacks.length).toBe(before);
  }

  const bridgeAttempts = (requestId: string) =>
    bridgeLogger.entries.filter((e) => e.event === 'postback_attempt' && e.request_id === requestId).map((e) => [e.attempt, e.status ?? e.cause]);

  it('no fault, one host name for both servers: their role-named browser cookies do not collide', async () => {
    const flow = await startFlow();
    const answer = await submitLogin(flow);
    const { returnUrl } = await finish(flow, answer, flow.login.url);
    expect(flow.browser.cookies.has('idb_idp_browser')).toBe(true);
    expect(flow.browser.cookies.has('idb_bridge_browser')).toBe(true);
    expect(flow.browser.cookies.has('idb_bridge_session')).toBe(true);
    await expectCompletedOnce(flow, returnUrl);
  });

  it('(a) 503 twice, then 200: the bridge retries and the sign-in completes once', async () => {
    proxy.script = ['503', '503'];
    const flow = await startFlow();
    const answer = await submitLogin(flow);
    const { returnUrl } = await finish(flow, answer, flow.login.url);
    expect(bridgeAttempts(flow.requestId)).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    await expectCompletedOnce(flow, returnUrl);
  });

  it('(b) connection dropped after the identity service accepted: the identical retry is answered 200, completed once', async () => {
    proxy.script = ['forward-then-drop'];
    const flow = await startFlow();
    const answer = await submitLogin(flow);
    const { returnUrl } = await finish(flow, answer, flow.login.url);
    const mine = proxy.postbacks.filter((p) => new URLSearchParams(p.body).get('request_id') === flow.requestId);
    expect(mine.map((p) => [p.action, p.upstream, p.answered])).toEqual([
      ['forward-then-drop', 200, 'dropped'],
      ['forward', 200, 200],
    ]);
    expect(mine[0]!.body).toBe(mine[1]!.body); // the retry is the identical postback
    expect(bridgeAttempts(flow.requestId)).toEqual([
      [1, 'reset'],
      [2, 200],
    ]);
    await expectCompletedOnce(flow, returnUrl);
  });

  it('(c) slower than the deadline: the clear page, then "Try again" completes once (late deliveries are identical repeats)', async () => {
    proxy.script = Array.from({ length: ATTEMPTS }, () => ({ slow: 1_300 }));
    const flow = await startFlow();
    const failed = await submitLogin(flow);
    const failedHtml = await failed.text();
    expectFailedPage(failed, failedHtml, true);
    expect(bridgeAttempts(flow.requestId).map(([, cause]) => cause)).toEqual(Array.from({ length: ATTEMPTS }, () => 'timeout'));
    expect(bridgeLogger.entries.find((e) => e.event === 'postback_failed' && e.request_id === flow.requestId)).toMatchObject({ cause: 'timeout' });
    // The slow postbacks still reach the identity service after the bridge gave up on them.
    const deadline = Date.now() + 5_000;
    while (proxy.postbacks.some((p) => p.upstream === null && typeof p.action === 'object') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // Recovered: the user presses "Try again".
    const retried = await flow.browser.submit(failedHtml, {}, 'form[action="/verify/retry"]', flow.login.url);
    const { returnUrl } = await finish(flow, retried, flow.login.url);
    await expectCompletedOnce(flow, returnUrl);
  });

  it('(d) identity service down: the clear page (Try again too), and after it is back "Try again" completes once', async () => {
    const flow = await startFlow();
    await proxy.stop();
    await identity!.close();
    identity = undefined;

    const failed = await submitLogin(flow);
    let html = await failed.text();
    expectFailedPage(failed, html, true);
    expect(bridgeAttempts(flow.requestId).every(([, cause]) => cause === 'refused')).toBe(true);
    const again = await flow.browser.submit(html, {}, 'form[action="/verify/retry"]', flow.login.url);
    html = await again.text();
    expectFailedPage(again, html, true);

    // Back on the same port and database; its pending request survived.
    identity = await startServer(identityConfig(), { logger: identityLogger });
    await proxy.start();
    const retried = await flow.browser.submit(html, {}, 'form[action="/verify/retry"]', flow.login.url);
    const { returnUrl } = await finish(flow, retried, flow.login.url);
    await expectCompletedOnce(flow, returnUrl);
  });

  it('(e) the bridge killed with SIGKILL during the postback and restarted on the same database: completes once', async () => {
    await bridge!.close();
    bridge = undefined;
    const env = { ...bridgeEnv(), IDBRIDGE_ENV: 'test', HOST: '127.0.0.1', IDBRIDGE_SCRYPT_LN: '10', IDBRIDGE_SCRYPT_R: '8', IDBRIDGE_SCRYPT_P: '1' };
    let child = await spawnBridge(env);
    try {
      const flow = await startFlow();
      proxy.script = ['hold'];
      const login = submitLogin(flow).then(
        () => 'answered',
        () => 'connection lost',
      );
      await proxy.whenHolding();
      // Mid-flow: the bridge has claimed the request and is waiting for the identity service.
      child.process.kill('SIGKILL');
      expect(await login).toBe('connection lost');
      // (The exit may already have been reported while the login request was failing.)
      if (child.process.exitCode === null && child.process.signalCode === null) await new Promise((resolve) => child.process.once('exit', resolve));
      // The held postback still arrives and is accepted; nobody is left to hear the answer.
      proxy.release();
      const deadline = Date.now() + 5_000;
      while (proxy.postbacks.at(-1)!.answered === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(proxy.postbacks.at(-1)).toMatchObject({ action: 'hold', upstream: 200, answered: 'gone' });

      child = await spawnBridge(env);
      // The browser reloads the status page: "please wait" until the dead process's lease lapses,
      // then the new process posts again (an identical repeat: 200) and sends it on.
      const statusUrl = `${bridgeUrl}/verify/status?request_id=${flow.requestId}`;
      let res = await flow.browser.get(statusUrl);
      const until = Date.now() + 15_000;
      while (res.status === 202 && Date.now() < until) {
        expect(page(await res.text())('h1').text()).toBe('Completing sign-in…');
        await new Promise((resolve) => setTimeout(resolve, 500));
        res = await flow.browser.get(statusUrl);
      }
      const { returnUrl } = await finish(flow, res, statusUrl);
      await expectCompletedOnce(flow, returnUrl);
      const attempts = child.logs().filter((e) => e.event === 'postback_attempt' && e.request_id === flow.requestId);
      expect(attempts.map((e) => e.status)).toEqual([200]);
    } finally {
      child.process.kill('SIGKILL');
    }
  }, 50_000); // two child starts and the dead process's lease (3 + 1 + 5 s) on a loaded machine

  async function spawnBridge(env: Record<string, string>) {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [join(root, 'bin', 'idbridge.js'), 'serve'], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const until = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`bridge exited ${child.exitCode}: ${stderr}`);
      const ok = await fetch(`${bridgeUrl}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > until) throw new Error(`bridge did not start: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const logs = () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { process: child, logs };
  }
});

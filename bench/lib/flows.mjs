/**
 * Complete sign-ins as a relying party plus a fresh browser would do them, timed per HTTP step.
 *
 * OpenID Connect: `openid-client` builds the authorization request (PKCE S256, state, nonce), a new
 * cookie jar walks it (authorization endpoint → login form → password post → return → code),
 * then `openid-client` redeems the code (ID token validated) and calls userinfo.
 * OpenID 2.0: the `openid` package (stateless) discovers the OP, a new jar walks the same pages,
 * and the package verifies the assertion (check_authentication).
 *
 * The same walk drives idbridge and oidc-provider: it follows redirects on the server's origin,
 * fills the first form it meets with the user's login and password, and stops at the redirect that
 * leaves for the relying party.
 */
import { createRequire } from 'node:module';
import * as oc from 'openid-client';
import { Browser, firstForm } from './http.mjs';

const openid = createRequire(import.meta.url)('openid');

export const SCOPE = 'openid profile email';

const now = () => performance.now();
const isRedirect = (res) => res.status >= 300 && res.status < 400 && res.location;

/**
 * A sign-in that went wrong in a way the walk could see. `status` and `title` (the page's
 * <title>) say what the server answered; `rp` marks a relying-party library's refusal.
 */
export class FlowError extends Error {
  constructor(message, { status, title, rp = false } = {}) {
    super(message);
    this.status = status;
    this.title = title;
    this.rp = rp;
  }
}

const pageTitle = (text) => /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, ' ').trim();

function expect(condition, message, res, rp = false) {
  if (!condition) {
    const detail = res ? ` (${res.status} ${res.url}${res.location ? ` → ${res.location}` : ''}: ${res.text.replace(/\s+/g, ' ').slice(0, 240)})` : '';
    throw new FlowError(`${message}${detail}`, { status: res?.status, title: res ? pageTitle(res.text) : undefined, rp });
  }
}

/**
 * Step clock: `mark(name)` closes the step that began at the previous mark. With a `meter` (the
 * server's CPU time in ns), each step also records the server CPU it cost, in µs.
 */
function stepper(meter) {
  const steps = {};
  const cpu = {};
  let t = now();
  let c = meter?.();
  return {
    steps,
    cpu,
    /** Restart the wall clock only (driver-side work between steps); server CPU keeps accruing. */
    restart() {
      t = now();
    },
    mark(name) {
      const t2 = now();
      steps[name] = t2 - t;
      if (meter) {
        const c2 = meter();
        cpu[name] = (c2 - c) / 1000;
        c = c2;
      }
      t = now();
    },
  };
}

/** Follow redirects that stay on the server (at most 8). */
async function followOnSite(browser, res, origin) {
  for (let i = 0; i < 8 && isRedirect(res) && res.location.startsWith(`${origin}/`); i++) res = await browser.get(res.location);
  return res;
}

/** Discover the OP once per target, as a relying party would at start. */
export async function oidcClientConfig(target) {
  return oc.discovery(new URL(target.issuer), target.clientId, undefined, oc.ClientSecretBasic(target.clientSecret), {
    execute: [oc.allowInsecureRequests],
  });
}

/** The pages of a sign-in, from the OP's first URL to the redirect back to the RP. */
async function walk(browser, origin, startUrl, user, password, clock) {
  let res = await browser.get(startUrl);
  clock.mark('authorize');
  expect(isRedirect(res), 'authorization request was not redirected', res);

  res = await followOnSite(browser, res, origin);
  clock.mark('login_page');
  expect(res.status === 200, 'no login page', res);
  const form = firstForm(res.text, res.url);
  expect(form, 'login page without form', res);

  clock.restart();
  res = await browser.post(form.action, { ...form.fields, identifier: user.login, password });
  clock.mark('login_submit');
  expect(isRedirect(res), 'password not accepted', res);

  res = await followOnSite(browser, res, origin);
  clock.mark('return');
  expect(isRedirect(res) && !res.location.startsWith(`${origin}/`), 'no redirect back to the relying party', res);
  return res.location;
}

/** One complete OpenID Connect sign-in in a new browser. `meter`: see {@link stepper}. */
export async function oidcSignIn(target, user, meter) {
  const verifier = oc.randomPKCECodeVerifier();
  const challenge = await oc.calculatePKCECodeChallenge(verifier);
  const state = oc.randomState();
  const nonce = oc.randomNonce();
  const url = oc.buildAuthorizationUrl(target.config, {
    redirect_uri: target.redirectUri,
    scope: SCOPE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const browser = new Browser(target.agent, target.origin);
  const clock = stepper(meter);
  const callback = await walk(browser, target.origin, url.href, user, target.password, clock);

  clock.restart();
  const tokens = await oc.authorizationCodeGrant(target.config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  clock.mark('token');
  const sub = tokens.claims()?.sub;
  expect(typeof sub === 'string' && sub.length > 0, 'ID token without sub', undefined, true);

  clock.restart();
  const info = await oc.fetchUserInfo(target.config, tokens.access_token, sub);
  clock.mark('userinfo');
  expect(info.email === user.email, `userinfo email ${info.email} is not ${user.email}`, undefined, true);
  return { ok: true, steps: clock.steps, cpu: clock.cpu, browser, accessToken: tokens.access_token };
}

// ---------------------------------------------------------------------------------------------
// OpenID 2.0
// ---------------------------------------------------------------------------------------------

function call(run) {
  return new Promise((resolve) => {
    let done = false;
    run((error, value) => {
      if (done) return;
      done = true;
      resolve({ error, value });
    });
  });
}

/** One complete OpenID 2.0 sign-in (stateless `openid` RP, trusted realm: no consent page). */
export async function openId2SignIn(target, user, meter) {
  const rp = new openid.RelyingParty(`${target.realm}return`, target.realm, true, false, [
    new openid.SimpleRegistration({ email: 'required', fullname: 'required', nickname: 'optional' }),
  ]);
  const clock = stepper(meter);
  const auth = await call((cb) => rp.authenticate(`${target.origin}/openid`, false, cb));
  clock.mark('rp_discovery');
  expect(!auth.error && auth.value, `openid authenticate failed: ${JSON.stringify(auth.error)}`, undefined, true);

  const browser = new Browser(target.agent, target.origin);
  clock.restart();
  const assertion = await walk(browser, target.origin, auth.value, user, target.password, clock);

  clock.restart();
  const verified = await call((cb) => rp.verifyAssertion(assertion, cb));
  clock.mark('rp_verify');
  expect(!verified.error && verified.value?.authenticated === true, `assertion not verified: ${JSON.stringify(verified.error ?? verified.value)}`, undefined, true);
  expect(verified.value.email === user.email, `SREG email ${verified.value.email} is not ${user.email}`, undefined, true);
  return { ok: true, steps: clock.steps, cpu: clock.cpu };
}

// ---------------------------------------------------------------------------------------------
// Supplies for the single-use endpoints (token, check_authentication)
// ---------------------------------------------------------------------------------------------

/** A browser that has signed in once (has the server's session cookies). */
export async function signedInBrowser(target, user) {
  const { browser } = await oidcSignIn(target, user);
  return browser;
}

/**
 * An authorization code obtained with an existing session (no password: the bridge session or
 * oidc-provider's session + grant answer at once), for a fixed PKCE verifier.
 */
export async function codeFromSession(target, browser, challenge) {
  const url = oc.buildAuthorizationUrl(target.config, {
    redirect_uri: target.redirectUri,
    scope: SCOPE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: oc.randomState(),
    nonce: oc.randomNonce(),
  });
  const res = await followOnSite(browser, await browser.get(url.href), target.origin);
  expect(isRedirect(res) && res.location.startsWith(target.redirectUri), 'no code from the session', res);
  const code = new URL(res.location).searchParams.get('code');
  expect(code, 'redirect without code', res);
  return code;
}

/** An OpenID 2.0 positive assertion (private association, stateless) obtained with a bridge session. */
export async function assertionFromSession(target, browser) {
  const ns = 'http://specs.openid.net/auth/2.0';
  const q = new URLSearchParams({
    'openid.ns': ns,
    'openid.mode': 'checkid_setup',
    'openid.claimed_id': `${ns}/identifier_select`,
    'openid.identity': `${ns}/identifier_select`,
    'openid.return_to': `${target.realm}return`,
    'openid.realm': target.realm,
  });
  const res = await followOnSite(browser, await browser.get(`${target.origin}/openid?${q}`), target.origin);
  expect(isRedirect(res) && res.location.startsWith(target.realm), 'no assertion from the session', res);
  const params = new URL(res.location).searchParams;
  expect(params.get('openid.mode') === 'id_res', 'not a positive assertion', res);
  const body = new URLSearchParams();
  for (const [k, v] of params) if (k.startsWith('openid.')) body.set(k, v);
  body.set('openid.mode', 'check_authentication');
  return body.toString();
}

export function basicAuth(clientId, clientSecret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}

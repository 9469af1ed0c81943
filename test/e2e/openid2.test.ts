/**
 * End-to-end OpenID 2.0 over real HTTP on loopback. The relying party is the independent node
 * `openid` package: it discovers our OP identifier and claimed identifiers, associates (DH-SHA256)
 * or calls check_authentication, and verifies the assertions our servers deliver. A cookie-keeping
 * test browser plays the user (login form at the bridge, consent page at the identity service)
 * and hands the final redirect to the relying party instead of following it.
 *
 * All-in-one mode (one server, IDBRIDGE_ROLE=all) covers the protocol; split mode (identity
 * service and bridge as two servers with their own databases, on different host names) covers
 * the postback between them, including a postback answered 503 first.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser, type NewUserInput } from '../../src/users/create-user.js';
import type { DirectoryUser } from '../../src/users/user.js';
import { page, TestBrowser } from '../helpers/browser.js';
import {
  follow,
  freePort,
  isConsentPage,
  isLoginPage,
  signInAt,
  rpRedirect,
  startIdbridge,
  submitAndFollow,
  visit,
  type Site,
  type TestServer,
} from '../helpers/walk.js';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';
import { cachedAssociation, openid, OpenIdRelyingParty } from '../helpers/openid-rp.js';

const PASSWORD = 'correct horse battery staple';
const TRUSTED_REALM = 'http://trusted.example.test/';
const OPENID2_NS = 'http://specs.openid.net/auth/2.0';

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Relying party side
// ---------------------------------------------------------------------------------------------

/** A relying party of the `openid` package at `http://<name>.example.test/`. */
function relyingParty(name: string, options: { stateless: boolean; extensions?: unknown[]; realm?: string }): OpenIdRelyingParty {
  const realm = options.realm ?? `http://${name}.example.test/`;
  return new OpenIdRelyingParty({
    returnUrl: `${realm}return?session=${name}`,
    realm,
    stateless: options.stateless,
    extensions: options.extensions ?? [],
  });
}

const sreg = (options: Record<string, string>) => new openid.SimpleRegistration(options);
const ax = (options: Record<string, string>) => new openid.AttributeExchange(options);

/**
 * The consent page lists exactly one item per shared attribute, each showing its value (matched
 * by value, in any order: labels and markup are the page's business).
 */
function expectSharedItems(html: string, values: string[]): void {
  const $ = page(html);
  const items = $('ul.attributes li')
    .map((_, el) => $(el).text().replace(/\s+/g, ' ').trim())
    .get();
  expect(items).toHaveLength(values.length);
  for (const value of values) expect(items.filter((item) => item.endsWith(`: ${value}`)), value).toHaveLength(1);
}

function params(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

function kvDecode(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

/** What a stateless RP does: send the assertion back to the OP as check_authentication. */
async function checkAuthentication(opEndpoint: string, assertionUrl: string): Promise<Record<string, string>> {
  const body = new URLSearchParams();
  for (const [key, value] of params(assertionUrl)) if (key.startsWith('openid.')) body.set(key, value);
  body.set('openid.mode', 'check_authentication');
  const res = await fetch(opEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  expect(res.status).toBe(200);
  return kvDecode(await res.text());
}

// ---------------------------------------------------------------------------------------------
// All-in-one
// ---------------------------------------------------------------------------------------------

describe('OpenID 2.0 end to end, all-in-one server, node `openid` as the relying party', () => {
  let idp: TestServer;
  let site: Site;
  let alice: DirectoryUser;
  let bob: DirectoryUser;
  const aliceLogin = { identifier: 'alice@example.com', password: PASSWORD };
  const bobLogin = { identifier: 'bob', password: PASSWORD };

  beforeAll(async () => {
    idp = await startIdbridge({
      IDBRIDGE_ROLE: 'all',
      IDBRIDGE_TRUSTED_REALMS: TRUSTED_REALM,
      IDBRIDGE_API_KEY: '', // all-in-one: the co-located identity service's own key
      IDBRIDGE_DEMO: 'true',
    });
    site = { ours: [idp.url], opIdentifier: `${idp.url}/openid` };
    alice = await idp.addUser({
      email: 'alice@example.com',
      username: 'alice',
      password: PASSWORD,
      fullname: 'Alice Liddell',
      nickname: 'ali',
      country: 'gb',
    });
    bob = await idp.addUser({ email: 'bob@example.com', username: 'bob', password: PASSWORD, fullname: 'Bob Builder' });
  });
  afterAll(async () => {
    await idp?.close();
  });

  const claimedIdOf = async (user: DirectoryUser) =>
    `${idp.url}/id/${await idp.server.services.identities.publicIdFor(user.id, idp.clock.now())}`;

  it('stateful: a DH-SHA256 shared association signs the assertion; SREG values arrive signed', async () => {
    const rp = relyingParty('stateful', {
      stateless: false,
      extensions: [sreg({ email: 'required', fullname: 'required', nickname: 'optional', country: 'optional', dob: 'optional' })],
    });
    const authUrl = await rp.authenticate(site.opIdentifier);
    const request = params(authUrl);
    expect(authUrl.startsWith(`${idp.url}/openid?`)).toBe(true);
    expect(request.get('openid.mode')).toBe('checkid_setup');
    expect(request.get('openid.claimed_id')).toBe(`${OPENID2_NS}/identifier_select`);
    const handle = request.get('openid.assoc_handle')!;
    expect(handle).toBeTruthy();
    // The association the RP made is a shared HMAC-SHA256 one, known to both sides.
    expect(await idp.server.services.associations.find(handle)).toMatchObject({ type: 'HMAC-SHA256', private: false });
    expect(await cachedAssociation(handle)).toMatchObject({ type: 'sha256', provider: { endpoint: `${idp.url}/openid` } });

    const browser = new TestBrowser(idp.url);
    const { location, seen, consentHtml } = await signInAt(browser, site, authUrl, { user: aliceLogin, consent: 'approve' });
    expect(seen).toEqual(['login', 'consent']);
    expect(page(consentHtml!)('.realm-url').text()).toBe('http://stateful.example.test');
    expectSharedItems(consentHtml!, ['ali', 'alice@example.com', 'Alice Liddell', 'GB']);

    expect(location.startsWith('http://stateful.example.test/return?session=stateful&')).toBe(true);
    const answer = params(location);
    expect(answer.get('openid.mode')).toBe('id_res');
    expect(answer.get('openid.op_endpoint')).toBe(`${idp.url}/openid`);
    expect(answer.get('openid.assoc_handle')).toBe(handle);
    expect(answer.get('openid.invalidate_handle')).toBeNull();
    expect(answer.get('openid.signed')!.split(',')).toEqual(
      expect.arrayContaining(['op_endpoint', 'claimed_id', 'identity', 'return_to', 'response_nonce', 'assoc_handle', 'ns.sreg', 'sreg.email', 'sreg.fullname', 'sreg.nickname', 'sreg.country']),
    );

    const verified = await rp.verify(location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({
      authenticated: true,
      claimedIdentifier: await claimedIdOf(alice),
      email: 'alice@example.com',
      fullname: 'Alice Liddell',
      nickname: 'ali',
      country: 'GB',
    });
    expect(verified.result).not.toHaveProperty('dob'); // requested, but alice has none
    // A shared association is never consumed by an assertion; it stays for the next one.
    expect(await idp.server.services.associations.find(handle)).not.toBeNull();
  });

  it('claimed identifiers serve XRDS and HTML discovery; an RP may start from the claimed identifier', async () => {
    const claimed = await claimedIdOf(alice);
    const xrds = await fetch(claimed, { headers: { accept: 'application/xrds+xml' } });
    expect(xrds.status).toBe(200);
    expect(xrds.headers.get('content-type')).toContain('application/xrds+xml');
    const doc = await xrds.text();
    expect(doc).toContain('<Type>http://specs.openid.net/auth/2.0/signon</Type>');
    expect(doc).toContain(`<URI>${idp.url}/openid</URI>`);
    expect(doc).toContain(`<LocalID>${claimed}</LocalID>`);
    const html = await fetch(claimed);
    expect(html.status).toBe(200);
    expect(html.headers.get('x-xrds-location')).toBeTruthy();
    const $ = page(await html.text());
    expect($('link[rel="openid2.provider"]').attr('href')).toBe(`${idp.url}/openid`);
    expect($('link[rel="openid2.local_id"]').attr('href')).toBe(claimed);
    expect((await fetch(`${idp.url}/id/AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);

    // The RP asks about alice's identifier: alice signs in and it is asserted.
    const rp = relyingParty('claimed', { stateless: true, extensions: [sreg({ email: 'required' })] });
    const authUrl = await rp.authenticate(claimed);
    expect(params(authUrl).get('openid.claimed_id')).toBe(claimed);
    const ok = await signInAt(new TestBrowser(idp.url), site, authUrl, { user: aliceLogin, consent: 'approve' });
    const verified = await rp.verify(ok.location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, claimedIdentifier: claimed, email: 'alice@example.com' });

    // If bob signs in instead, nothing is asserted about alice's identifier.
    const other = await signInAt(new TestBrowser(idp.url), site, await rp.authenticate(claimed), { user: bobLogin, consent: 'approve' });
    expect(params(other.location).get('openid.mode')).toBe('cancel');
    expect((await rp.verify(other.location)).authenticated).toBe(false);
  });

  it('stateless: check_authentication confirms once; replaying the assertion is refused by the RP and by the OP', async () => {
    const rp = relyingParty('stateless', { stateless: true, extensions: [sreg({ email: 'required', nickname: 'optional' })] });
    const authUrl = await rp.authenticate(site.opIdentifier);
    expect(params(authUrl).get('openid.assoc_handle')).toBeNull();
    const { location } = await signInAt(new TestBrowser(idp.url), site, authUrl, { user: aliceLogin, consent: 'approve' });
    const handle = params(location).get('openid.assoc_handle')!;
    // Signed with a private association made for this one assertion.
    expect(await idp.server.services.associations.find(handle)).toMatchObject({ private: true });

    const first = await rp.verify(location);
    expect(first.error).toBeUndefined();
    expect(first.result).toMatchObject({ authenticated: true, claimedIdentifier: await claimedIdOf(alice), email: 'alice@example.com', nickname: 'ali' });
    // check_authentication consumed the private association.
    expect(await idp.server.services.associations.find(handle)).toBeNull();

    const replay = await rp.verify(location);
    expect(replay.authenticated).toBe(false);
    expect(replay.error?.message).toMatch(/nonce/i);
    // An RP without a nonce cache (or another RP) asking again gets is_valid:false from the OP.
    const again = await checkAuthentication(`${idp.url}/openid`, location);
    expect(again).toMatchObject({ ns: OPENID2_NS, is_valid: 'false' });
  });

  it('AX: axschema.org type URIs are answered, signed, and read by the RP', async () => {
    const rp = relyingParty('ax', {
      stateless: false,
      extensions: [
        ax({
          'http://axschema.org/contact/email': 'required',
          'http://axschema.org/namePerson/friendly': 'required',
          'http://axschema.org/namePerson': 'optional',
          'http://axschema.org/contact/country/home': 'optional',
        }),
      ],
    });
    const { location, consentHtml } = await signInAt(new TestBrowser(idp.url), site, await rp.authenticate(site.opIdentifier), {
      user: aliceLogin,
      consent: 'approve',
    });
    expectSharedItems(consentHtml!, ['ali', 'alice@example.com', 'Alice Liddell', 'GB']);
    const answer = params(location);
    expect(answer.get('openid.ns.ax')).toBe('http://openid.net/srv/ax/1.0');
    expect(answer.get('openid.ax.mode')).toBe('fetch_response');
    expect(answer.get('openid.ax.type.email')).toBe('http://axschema.org/contact/email');
    expect(answer.get('openid.ax.value.email')).toBe('alice@example.com');
    expect(answer.get('openid.signed')!.split(',')).toEqual(
      expect.arrayContaining(['ns.ax', 'ax.mode', 'ax.type.email', 'ax.value.email', 'ax.type.nickname', 'ax.value.nickname']),
    );

    const verified = await rp.verify(location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({
      authenticated: true,
      email: 'alice@example.com',
      nickname: 'ali',
      fullname: 'Alice Liddell',
      country: 'GB',
      'http://axschema.org/contact/email': 'alice@example.com',
      'http://axschema.org/namePerson/friendly': 'ali',
    });
  });

  it('AX: the old schema.openid.net type URIs are answered under the RP’s own spelling', async () => {
    const rp = relyingParty('ax-old', {
      stateless: true,
      extensions: [ax({ 'http://schema.openid.net/contact/email': 'required', 'http://schema.openid.net/namePerson/friendly': 'optional' })],
    });
    const { location } = await signInAt(new TestBrowser(idp.url), site, await rp.authenticate(site.opIdentifier), {
      user: aliceLogin,
      consent: 'approve',
    });
    const answer = params(location);
    // node `openid` names attributes it does not know req<i> / opt<i>.
    expect(answer.get('openid.ax.type.req0')).toBe('http://schema.openid.net/contact/email');
    expect(answer.get('openid.ax.value.req0')).toBe('alice@example.com');
    expect(answer.get('openid.ax.type.opt0')).toBe('http://schema.openid.net/namePerson/friendly');
    expect(answer.get('openid.ax.value.opt0')).toBe('ali');
    const verified = await rp.verify(location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({
      authenticated: true,
      'http://schema.openid.net/contact/email': 'alice@example.com',
      'http://schema.openid.net/namePerson/friendly': 'ali',
    });
  });

  it('checkid_immediate: setup_needed without a bridge session; id_res with one (trusted realm); setup_needed when consent is due', async () => {
    const trusted = relyingParty('trusted', { stateless: true, realm: TRUSTED_REALM, extensions: [sreg({ email: 'required' })] });
    const browser = new TestBrowser(idp.url);

    // Nobody signed in: straight back to the RP, no login form, no postback.
    const immediateUrl = await trusted.authenticate(site.opIdentifier, true);
    expect(params(immediateUrl).get('openid.mode')).toBe('checkid_immediate');
    const none = await signInAt(browser, site, immediateUrl);
    expect(none.seen).toEqual([]);
    expect(params(none.location).get('openid.mode')).toBe('setup_needed');
    expect(params(none.location).get('openid.sig')).toBeNull();
    // node `openid` has no notion of setup_needed: it fails it as "Invalid or replayed nonce".
    const refused = await trusted.verify(none.location);
    expect(refused.authenticated).toBe(false);

    // Sign in once (interactive), which starts the bridge session.
    const setup = await signInAt(browser, site, await trusted.authenticate(site.opIdentifier), { user: aliceLogin });
    expect(setup.seen).toEqual(['login']);
    expect((await trusted.verify(setup.location)).authenticated).toBe(true);

    // Now immediate succeeds without any page.
    const silent = await signInAt(browser, site, await trusted.authenticate(site.opIdentifier, true));
    expect(silent.seen).toEqual([]);
    expect(params(silent.location).get('openid.mode')).toBe('id_res');
    const verified = await trusted.verify(silent.location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, claimedIdentifier: await claimedIdOf(alice), email: 'alice@example.com' });

    // Same session, but a realm that needs consent: immediate cannot ask, so setup_needed.
    const untrusted = relyingParty('immediate-untrusted', { stateless: true, extensions: [sreg({ email: 'required' })] });
    const needsConsent = await signInAt(browser, site, await untrusted.authenticate(site.opIdentifier, true));
    expect(needsConsent.seen).toEqual([]);
    expect(params(needsConsent.location).get('openid.mode')).toBe('setup_needed');
  });

  it('deny on the consent page → cancel; the RP reports no sign-in', async () => {
    const rp = relyingParty('deny', { stateless: false, extensions: [sreg({ email: 'required' })] });
    const { location, seen } = await signInAt(new TestBrowser(idp.url), site, await rp.authenticate(site.opIdentifier), {
      user: aliceLogin,
      consent: 'deny',
    });
    expect(seen).toEqual(['login', 'consent']);
    expect(location.startsWith('http://deny.example.test/return?session=deny&')).toBe(true);
    const answer = params(location);
    expect(answer.get('openid.mode')).toBe('cancel');
    expect(answer.get('openid.claimed_id')).toBeNull();
    expect(answer.get('openid.sreg.email')).toBeNull();
    const verified = await rp.verify(location);
    expect(verified.authenticated).toBe(false);
    expect(verified.error?.message).toBe('Authentication cancelled');
  });

  it('a trusted realm skips the consent page: login, then straight back to the RP', async () => {
    const rp = relyingParty('trusted', { stateless: false, realm: TRUSTED_REALM, extensions: [sreg({ email: 'required', fullname: 'optional' })] });
    const { location, seen } = await signInAt(new TestBrowser(idp.url), site, await rp.authenticate(site.opIdentifier), { user: bobLogin });
    expect(seen).toEqual(['login']);
    const verified = await rp.verify(location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, claimedIdentifier: await claimedIdOf(bob), email: 'bob@example.com', fullname: 'Bob Builder' });
  });

  it('"remember my decision" skips the consent page next time for that realm (and only when chosen)', async () => {
    const rp = relyingParty('remember', { stateless: true, extensions: [sreg({ email: 'required', nickname: 'optional' })] });
    const browser = new TestBrowser(idp.url);
    const first = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), { user: aliceLogin, consent: 'remember' });
    expect(first.seen).toEqual(['login', 'consent']);
    expect((await rp.verify(first.location)).authenticated).toBe(true);

    // Same browser: bridge session and remembered consent → no page at all.
    const second = await signInAt(browser, site, await rp.authenticate(site.opIdentifier));
    expect(second.seen).toEqual([]);
    const verified = await rp.verify(second.location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, claimedIdentifier: await claimedIdOf(alice), email: 'alice@example.com' });

    // Another browser: the password again, but the consent is remembered for the user.
    const third = await signInAt(new TestBrowser(idp.url), site, await rp.authenticate(site.opIdentifier), { user: aliceLogin });
    expect(third.seen).toEqual(['login']);
    expect((await rp.verify(third.location)).authenticated).toBe(true);

    // Control: approving without "remember" asks again next time.
    const plain = relyingParty('no-remember', { stateless: true, extensions: [sreg({ email: 'required' })] });
    const once = await signInAt(browser, site, await plain.authenticate(site.opIdentifier), { consent: 'approve' });
    expect(once.seen).toEqual(['consent']);
    // OpenID 2.0 keeps the Janrain-style opt-in: the box starts unticked.
    expect(page(once.consentHtml!)('input[name=remember]').is('[checked]')).toBe(false);
    expect((await plain.verify(once.location)).authenticated).toBe(true);
    const twice = await signInAt(browser, site, await plain.authenticate(site.opIdentifier), { consent: 'approve' });
    expect(twice.seen).toEqual(['consent']);
    expect((await plain.verify(twice.location)).authenticated).toBe(true);
  });

  describe('tampered assertions are refused by the RP', () => {
    const browser = () => new TestBrowser(idp.url);
    const fresh = async (rp: OpenIdRelyingParty) =>
      (await signInAt(browser(), site, await rp.authenticate(site.opIdentifier), { user: aliceLogin })).location;
    const tamper = (location: string, changes: Record<string, string>) => {
      const url = new URL(location);
      for (const [k, v] of Object.entries(changes)) url.searchParams.set(k, v);
      return url.toString();
    };

    it('stateful: a changed SREG value breaks the signature', async () => {
      const rp = relyingParty('trusted', { stateless: false, realm: TRUSTED_REALM, extensions: [sreg({ email: 'required' })] });
      const location = await fresh(rp);
      const forged = await rp.verify(tamper(location, { 'openid.sreg.email': 'mallory@example.com' }));
      expect(forged.authenticated).toBe(false);
      expect(forged.error?.message).toBe('Invalid signature');
    });

    it('stateful: another user’s claimed identifier breaks the signature', async () => {
      const rp = relyingParty('trusted', { stateless: false, realm: TRUSTED_REALM, extensions: [sreg({ email: 'required' })] });
      const bobs = await claimedIdOf(bob);
      const forged = await rp.verify(tamper(await fresh(rp), { 'openid.claimed_id': bobs, 'openid.identity': bobs }));
      expect(forged.authenticated).toBe(false);
      expect(forged.error?.message).toBe('Invalid signature');
      // Only claimed_id changed: discovery of bob's identifier does not match the asserted identity.
      const forged2 = await rp.verify(tamper(await fresh(rp), { 'openid.claimed_id': bobs }));
      expect(forged2.authenticated).toBe(false);
      expect(forged2.error?.message).toMatch(/does not match|Invalid signature/);
    });

    it('stateless: the OP answers is_valid:false to a forgery and still confirms the genuine assertion', async () => {
      const rp = relyingParty('trusted', { stateless: true, realm: TRUSTED_REALM, extensions: [sreg({ email: 'required' })] });
      const location = await fresh(rp);
      const forged = await rp.verify(tamper(location, { 'openid.sreg.email': 'mallory@example.com' }));
      expect(forged.authenticated).toBe(false);
      expect(forged.error?.message).toBe('Invalid signature');
      // A forgery does not burn the genuine assertion (the RP's nonce cache now refuses it, so ask the OP directly).
      expect(await checkAuthentication(`${idp.url}/openid`, location)).toMatchObject({ is_valid: 'true' });
    });
  });

  it('checkid sent as a form POST (as RPs with long requests do) works like a GET', async () => {
    const rp = relyingParty('post-checkid', { stateless: false, extensions: [sreg({ email: 'required' })] });
    const authUrl = await rp.authenticate(site.opIdentifier);
    const form = new URLSearchParams();
    for (const [k, v] of params(authUrl)) form.set(k, v);
    const browser = new TestBrowser(idp.url);
    const login = await follow(browser, site, await browser.post(`${idp.url}/openid`, form), `${idp.url}/openid`);
    expect(isLoginPage(login)).toBe(true);
    const consent = await submitAndFollow(browser, site, login, aliceLogin);
    expect(isConsentPage(consent)).toBe(true);
    const location = rpRedirect(site, await submitAndFollow(browser, site, consent, { decision: 'approve' }))!;
    const verified = await rp.verify(location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, claimedIdentifier: await claimedIdOf(alice), email: 'alice@example.com' });
  });

  it('a return_to outside the realm is refused with an HTML error page (400), never a redirect', async () => {
    const rp = new OpenIdRelyingParty({ returnUrl: 'http://evil.example.test/return', realm: 'http://victim.example.test/', stateless: true });
    const authUrl = await rp.authenticate(site.opIdentifier);
    const browser = new TestBrowser(idp.url);
    const res = await browser.get(authUrl);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(page(await res.text())('body').text()).toMatch(/return_to/);

    // The same as a POST (RPs may send checkid by form).
    const form = new URLSearchParams();
    for (const [k, v] of params(authUrl)) form.set(k, v);
    const posted = await browser.post(`${idp.url}/openid`, form);
    expect(posted.status).toBe(400);
    expect(posted.headers.get('location')).toBeNull();
    expect(posted.headers.get('content-type')).toContain('text/html');
  });

  it('a request_id finished from another browser is refused (403 page, no assertion); the right browser still completes', async () => {
    const rp = relyingParty('wrong-browser', { stateless: true, extensions: [sreg({ email: 'required' })] });
    const owner = new TestBrowser(idp.url);
    const login = await visit(owner, site, await rp.authenticate(site.opIdentifier));
    expect(isLoginPage(login)).toBe(true);
    const afterLogin = await owner.submit(login.html, aliceLogin, 'form', login.url);
    expect(afterLogin.status).toBe(302);
    const returnUrl = new URL(afterLogin.headers.get('location')!, login.url).toString();
    expect(returnUrl.startsWith(`${idp.url}/ows_return?request_id=`)).toBe(true);

    const thief = new TestBrowser(idp.url);
    const stolen = await thief.get(returnUrl);
    expect(stolen.status).toBe(403);
    expect(stolen.headers.get('location')).toBeNull();
    const stolenPage = await stolen.text();
    expect(stolenPage).toMatch(/another browser/);
    expect(stolenPage).not.toContain('openid.');

    const consent = await visit(owner, site, returnUrl);
    expect(isConsentPage(consent)).toBe(true);
    // The thief cannot answer the consent page either (no CSRF token of the owner's browser, wrong browser).
    const thiefConsent = await thief.post(`${idp.url}/ows_consent`, {
      request_id: params(returnUrl).get('request_id')!,
      csrf: page(consent.html)('input[name=csrf]').attr('value')!,
      decision: 'approve',
    });
    expect(thiefConsent.status).toBeGreaterThanOrEqual(400);
    expect(thiefConsent.headers.get('location')).toBeNull();

    const done = await submitAndFollow(owner, site, consent, { decision: 'approve' });
    const location = rpRedirect(site, done)!;
    expect((await rp.verify(location)).authenticated).toBe(true);
    expect((await thief.get(returnUrl)).status).toBe(403);
  });

  describe('the PostBack URL answers each refusal with its own status', () => {
    const rp = () => relyingParty('postback', { stateless: true, extensions: [sreg({ email: 'required', fullname: 'optional' })] });

    /** Start a checkid at the identity service only (the browser does not go on to the bridge). */
    async function pendingRequest(browser: TestBrowser): Promise<string> {
      const res = await browser.get(await rp().authenticate(site.opIdentifier));
      expect(res.status).toBe(302);
      const verify = new URL(res.headers.get('location')!);
      expect(`${verify.origin}${verify.pathname}`).toBe(`${idp.url}/verify`);
      return verify.searchParams.get('request_id')!;
    }

    async function postback(fields: Record<string, string>) {
      const res = await fetch(`${idp.url}/ows_auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });
      return { status: res.status, text: await res.text() };
    }

    it('401 wrong key, 400 malformed, 404 unknown, 200 accepted and identical repeat, 409 conflicting or completed', async () => {
      const apiKey = await idp.server.services.apiKeys.ensure();
      const browser = new TestBrowser(idp.url);
      const requestId = await pendingRequest(browser);
      const returnToken = 'rt-for-this-test-0123456789abcdefghijklmnop';
      const good = { api_key: apiKey, request_id: requestId, username: alice.id, no_prompt: 'false', return_token: returnToken, sreg_email: 'alice@example.com' };

      const wrongKey = await postback({ ...good, api_key: 'x'.repeat(32) });
      expect(wrongKey.status).toBe(401);
      expect(wrongKey.text).toMatch(/^unauthorized:/);
      const { api_key: _omit, ...noKey } = good;
      expect((await postback(noKey)).status).toBe(401);
      expect((await postback({ ...good, request_id: 'short' })).status).toBe(400);
      expect((await postback({ ...good, no_prompt: 'maybe' })).status).toBe(400);
      expect((await postback({ ...good, sreg_email: 'a\nb@example.com' })).status).toBe(400);
      expect((await postback({ ...good, return_token: 'short' })).status).toBe(400);
      // Without a return token: refused while Janrain-compatible postbacks are off (the default).
      const { return_token: _noToken, ...tokenless } = good;
      const refused = await postback(tokenless);
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(/return_token/);
      expect(idp.logger.entries).toContainEqual(expect.objectContaining({ event: 'postback_without_return_token', request_id: requestId }));
      const unknown = await postback({ ...good, request_id: `unknown${'0'.repeat(30)}` });
      expect(unknown.status).toBe(404);
      expect(unknown.text).toMatch(/^unknown_request:/);

      expect(await postback(good)).toEqual({ status: 200, text: 'OK' });
      expect(await postback(good)).toEqual({ status: 200, text: 'OK' }); // the bridge retried after a lost answer
      const conflicting = await postback({ ...good, sreg_email: 'mallory@example.com' });
      expect(conflicting.status).toBe(409);
      expect(conflicting.text).toMatch(/^conflict:/);
      expect((await postback({ ...good, username: bob.id })).status).toBe(409);

      // The accepted postback is what the browser's Return URL leads to — with the return token only.
      const tokenlessReturn = await browser.get(`${idp.url}/ows_return?request_id=${requestId}`);
      expect(tokenlessReturn.status).toBe(403);
      const consent = await visit(browser, site, `${idp.url}/ows_return?request_id=${requestId}&return_token=${returnToken}`);
      expect(isConsentPage(consent)).toBe(true);
      expectSharedItems(consent.html, ['alice@example.com']); // fullname requested, but not in the postback
      const done = await submitAndFollow(browser, site, consent, { decision: 'approve' });
      const verified = await rp().verify(rpRedirect(site, done)!);
      expect(verified.result).toMatchObject({ authenticated: true, claimedIdentifier: await claimedIdOf(alice), email: 'alice@example.com' });

      const completed = await postback(good);
      expect(completed.status).toBe(409);
      expect(completed.text).toMatch(/^request_completed:/);
    });

    it('410 for an expired request', async () => {
      const apiKey = await idp.server.services.apiKeys.ensure();
      const requestId = await pendingRequest(new TestBrowser(idp.url));
      const ttl = idp.server.services.config.identity.requestTtlSeconds;
      idp.clock.advance((ttl + 1) * 1000);
      try {
        const expired = await postback({ api_key: apiKey, request_id: requestId, username: alice.id, no_prompt: 'false', return_token: 'r'.repeat(43) });
        expect(expired.status).toBe(410);
        expect(expired.text).toMatch(/^expired_request:/);
      } finally {
        idp.clock.offset = 0; // nonces must stay within the RP's five-minute window for later tests
      }
    });
  });

  it('the demo relying party: /demo → Sign in with OpenID → login → consent → /demo/return shows the claimed identifier', async () => {
    const browser = new TestBrowser(idp.url);
    const demo = await visit(browser, site, `${idp.url}/demo`);
    expect(demo.response.status).toBe(200);
    const $demo = page(demo.html);
    const form = $demo('form').first();
    expect(form.find('button').text()).toMatch(/Sign in with OpenID/);
    expect(form.attr('method')).toBe('get');

    const login = await visit(browser, site, new URL(form.attr('action')!, demo.url).toString());
    expect(isLoginPage(login)).toBe(true);
    const consent = await submitAndFollow(browser, site, login, aliceLogin);
    expect(isConsentPage(consent)).toBe(true);
    // The demo's realm publishes its return_to URL (§13): the consent page has nothing to warn about.
    expect(page(consent.html)('[role="alert"]')).toHaveLength(0);
    const requestId = page(consent.html)('input[name="request_id"]').attr('value');
    expect(idp.logger.entries.filter((e) => e.event === 'openid2_rp_discovery' && e.request_id === requestId)).toEqual([
      expect.objectContaining({ realm: `${idp.url}/demo`, result: 'verified' }),
    ]);
    const result = await submitAndFollow(browser, site, consent, { decision: 'approve' });
    expect(result.url.startsWith(`${idp.url}/demo/return?`)).toBe(true);
    expect(result.response.status).toBe(200);
    const $ = page(result.html);
    expect($('h1').text()).toBe('Signed in');
    expect($('#claimed-id').text()).toBe(await claimedIdOf(alice));
    expect($('dl.identity').text()).toContain('alice@example.com');

    // The demo verified with check_authentication, which works once: reloading fails verification.
    const reload = await browser.get(result.url);
    expect(reload.status).toBe(400);
    expect(page(await reload.text())('h1').text()).toBe('Verification failed');
  });
});

// ---------------------------------------------------------------------------------------------
// Split mode
// ---------------------------------------------------------------------------------------------

/** What the flaky proxy does with the next postback. */
type ProxyAction = 'forward' | '503' | 'forward-then-503';

/**
 * A tiny HTTP proxy in front of the identity service's PostBack URL. Each postback takes the next
 * action of `script` (default: forward). `log` records what each postback got.
 */
class PostbackProxy {
  script: ProxyAction[] = [];
  readonly log: Array<{ action: ProxyAction; upstream: number | null; answered: number }> = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req.method ?? '', req.url ?? '', req.headers['content-type'], Buffer.concat(chunks)).then(
          ({ status, type, body }) => res.writeHead(status, { 'content-type': type }).end(body),
          () => res.writeHead(502, { 'content-type': 'text/plain' }).end('proxy error'),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  private async handle(method: string, path: string, contentType: string | undefined, body: Buffer) {
    if (method !== 'POST' || path !== '/ows_auth') return { status: 404, type: 'text/plain', body: 'not found' };
    const action = this.script.shift() ?? 'forward';
    let upstream: { status: number; type: string; body: string } | null = null;
    if (action !== '503') {
      const res = await fetch(`${this.target}/ows_auth`, {
        method: 'POST',
        headers: { 'content-type': contentType ?? 'application/x-www-form-urlencoded' },
        body: new Uint8Array(body),
      });
      upstream = { status: res.status, type: res.headers.get('content-type') ?? 'text/plain', body: await res.text() };
    }
    const answer = action === 'forward' ? upstream! : { status: 503, type: 'text/plain', body: 'service unavailable' };
    this.log.push({ action, upstream: upstream?.status ?? null, answered: answer.status });
    return answer;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface SplitDeployment {
  identity: TestServer;
  bridge: TestServer;
  proxy: PostbackProxy | undefined;
  site: Site;
  close(): Promise<void>;
}

/**
 * Identity service at http://127.0.0.1:<port> and bridge at http://localhost:<port> (both listen on
 * 127.0.0.1; different host names, so a browser keeps their cookies apart), each with its own
 * in-memory database. With `proxy`, the bridge posts back through a {@link PostbackProxy}.
 */
async function startSplit(options: { proxy: boolean }): Promise<SplitDeployment> {
  const bridgePort = await freePort();
  const bridgeUrl = `http://localhost:${bridgePort}`;
  const identity = await startIdbridge({ IDBRIDGE_ROLE: 'identity', IDBRIDGE_VERIFY_URL: `${bridgeUrl}/verify`, IDBRIDGE_API_KEY: '' });
  let proxy: PostbackProxy | undefined;
  try {
    if (options.proxy) {
      proxy = new PostbackProxy(identity.url);
      await proxy.start();
    }
    const clock = new TestClock();
    const logger = memoryLogger();
    const config = testConfig({
      IDBRIDGE_ROLE: 'bridge',
      IDBRIDGE_PUBLIC_URL: bridgeUrl,
      PORT: String(bridgePort),
      HOST: '127.0.0.1',
      IDBRIDGE_POSTBACK_URL: `${proxy ? proxy.url : identity.url}/ows_auth`,
      IDBRIDGE_RETURN_URL: `${identity.url}/ows_return`,
      IDBRIDGE_API_KEY: await identity.server.services.apiKeys.ensure(),
      // Separate deployments have separate secrets: neither can read the other's cookies.
      IDBRIDGE_SECRET: 'bridge-secret-bridge-secret-bridge-secret-0123',
    });
    const server = await startServer(config, { logger, deps: { clock, random: () => 0.5 } });
    const bridge: TestServer = {
      server,
      url: bridgeUrl,
      clock,
      logger,
      addUser: (input) => createUser(input, { store: server.services.userStore, hasher: server.services.hasher, now: clock.now() }),
      close: () => server.close(),
    };
    return {
      identity,
      bridge,
      proxy,
      site: { ours: [identity.url, bridgeUrl], opIdentifier: `${identity.url}/openid` },
      close: async () => {
        await bridge.close();
        await proxy?.stop();
        await identity.close();
      },
    };
  } catch (error) {
    await proxy?.stop();
    await identity.close();
    throw error;
  }
}

describe('OpenID 2.0 end to end, split mode (identity service and bridge as two servers)', () => {
  const carolLogin = { identifier: 'carol', password: PASSWORD };
  let plain: SplitDeployment;
  let flaky: SplitDeployment;

  beforeAll(async () => {
    plain = await startSplit({ proxy: false });
    flaky = await startSplit({ proxy: true });
    for (const deployment of [plain, flaky]) {
      await deployment.bridge.addUser({ email: 'carol@example.com', username: 'carol', password: PASSWORD, fullname: 'Carol Danvers', nickname: 'cd' });
    }
  });
  afterAll(async () => {
    await plain?.close();
    await flaky?.close();
  });

  const browserFor = (deployment: SplitDeployment) => new TestBrowser(deployment.identity.url, undefined, { cookiesPerHost: true });

  it('plain sign-in with SREG: the login page at the bridge, consent at the identity service, cookies kept per host', async () => {
    const { identity, bridge, site } = plain;
    const rp = relyingParty('split', { stateless: false, extensions: [sreg({ email: 'required', fullname: 'required', nickname: 'optional' })] });
    const authUrl = await rp.authenticate(site.opIdentifier);
    expect(authUrl.startsWith(`${identity.url}/openid?`)).toBe(true);

    const browser = browserFor(plain);
    const first = await browser.get(authUrl);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')!.startsWith(`${bridge.url}/verify?`)).toBe(true);
    await first.arrayBuffer();

    const { location, seen, consentHtml } = await signInAt(browser, site, authUrl, { user: carolLogin, consent: 'approve' });
    expect(seen).toEqual(['login', 'consent']);
    expectSharedItems(consentHtml!, ['cd', 'carol@example.com', 'Carol Danvers']);
    // Each server set its own browser cookie, named by its role; neither overwrote the other.
    expect(browser.cookies.has('idb_idp_browser')).toBe(true);
    expect(browser.cookiesFor(bridge.url).has('idb_bridge_browser')).toBe(true);
    expect(browser.cookiesFor(bridge.url).has('idb_bridge_session')).toBe(true);
    expect(browser.cookies.has('idb_bridge_session')).toBe(false);

    const verified = await rp.verify(location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, email: 'carol@example.com', fullname: 'Carol Danvers', nickname: 'cd' });
    // The claimed identifier is the identity service's, derived from the bridge's opaque user id.
    const claimed = String(verified.result!.claimedIdentifier);
    expect(claimed.startsWith(`${identity.url}/id/`)).toBe(true);
    expect(claimed).not.toContain('carol');
    const carol = await bridge.server.services.userStore.findById(
      (await identity.server.services.identities.usernameFor(claimed.slice(`${identity.url}/id/`.length)))!,
    );
    expect(carol?.email).toBe('carol@example.com');
  });

  it('a postback answered 503 (not delivered) is retried by the bridge; the sign-in completes and verifies', async () => {
    const { proxy, bridge, site } = flaky;
    proxy!.script = ['503'];
    proxy!.log.length = 0;
    const rp = relyingParty('split-retry', { stateless: false, extensions: [sreg({ email: 'required' })] });
    const { location, seen } = await signInAt(browserFor(flaky), site, await rp.authenticate(site.opIdentifier), {
      user: carolLogin,
      consent: 'approve',
    });
    expect(seen).toEqual(['login', 'consent']);
    expect(proxy!.log).toEqual([
      { action: '503', upstream: null, answered: 503 },
      { action: 'forward', upstream: 200, answered: 200 },
    ]);
    const attempts = bridge.logger.entries.filter((e) => e.event === 'postback_attempt').slice(-2);
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    const verified = await rp.verify(location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, email: 'carol@example.com' });
  });

  it('a postback accepted but answered 503 (lost answer): the identical retry gets 200 and the sign-in completes', async () => {
    const { proxy, site } = flaky;
    proxy!.script = ['forward-then-503'];
    proxy!.log.length = 0;
    const rp = relyingParty('split-lost', { stateless: true, extensions: [sreg({ email: 'required', nickname: 'optional' })] });
    const { location } = await signInAt(browserFor(flaky), site, await rp.authenticate(site.opIdentifier), {
      user: carolLogin,
      consent: 'approve',
    });
    expect(proxy!.log).toEqual([
      { action: 'forward-then-503', upstream: 200, answered: 503 },
      { action: 'forward', upstream: 200, answered: 200 },
    ]);
    const verified = await rp.verify(location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, email: 'carol@example.com', nickname: 'cd' });
  });
});

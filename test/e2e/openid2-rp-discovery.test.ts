/**
 * End-to-end: OpenID 2.0 requests about identifiers that are not ours, and relying-party
 * discovery (§13) as the consent page's signal. The relying party is node `openid`; its realm is
 * a real server on loopback that publishes (or not) an XRDS listing its return_to URLs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../src/users/user.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { signInAt, startIdbridge, type Site, type TestServer } from '../helpers/walk.js';

const PASSWORD = 'correct horse battery staple';
const RETURN_TO_TYPE = 'http://specs.openid.net/auth/2.0/return_to';
const aliceLogin = { identifier: 'alice@example.com', password: PASSWORD };

/** An XRDS as an RP would publish it, written out by hand (not by our own builder). */
const xrds = (...returnTo: string[]) => `<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">
  <XRD>
    <Service priority="1">
      <Type>${RETURN_TO_TYPE}</Type>
${returnTo.map((url) => `      <URI>${url.replace(/&/g, '&amp;')}</URI>`).join('\n')}
    </Service>
  </XRD>
</xrds:XRDS>`;

let rpServer: Server;
let rpBase: string;
const rpHits = new Map<string, number>();
let idp: TestServer;
let site: Site;
let alice: DirectoryUser;

beforeAll(async () => {
  // The relying parties' web server: one realm per path.
  rpServer = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    rpHits.set(path, (rpHits.get(path) ?? 0) + 1);
    const wantsXrds = (req.headers.accept ?? '').includes('application/xrds+xml');
    if (path === '/listed/' && wantsXrds) {
      res.writeHead(200, { 'content-type': 'application/xrds+xml' }).end(xrds(`${rpBase}/listed/return`));
    } else if (path === '/pointer/') {
      // Yadis via a header pointing elsewhere.
      res.writeHead(200, { 'content-type': 'text/html', 'x-xrds-location': `${rpBase}/pointer-xrds` }).end('<html></html>');
    } else if (path === '/pointer-xrds') {
      res.writeHead(200, { 'content-type': 'application/xrds+xml' }).end(xrds(`${rpBase}/pointer/return`));
    } else if (path === '/narrow/') {
      res.writeHead(200, { 'content-type': 'application/xrds+xml' }).end(xrds(`${rpBase}/narrow/callback`));
    } else if (path === '/trusted/') {
      res.writeHead(200, { 'content-type': 'application/xrds+xml' }).end(xrds(`${rpBase}/trusted/return`));
    } else if (path === '/delegate') {
      // A claimed identifier (HTML discovery) whose OP-local identifier is not one of ours.
      res.writeHead(200, { 'content-type': 'text/html' }).end(
        `<html><head>\n<link rel="openid2.provider" href="${idp.url}/openid">\n<link rel="openid2.local_id" href="http://elsewhere.example.test/someone">\n</head></html>`,
      );
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>A site without XRDS</title></head><body>Hello</body></html>');
    }
  });
  await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', () => resolve()));
  rpBase = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}`;

  idp = await startIdbridge({ IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '', IDBRIDGE_TRUSTED_REALMS: `${rpBase}/trusted/` });
  site = { ours: [idp.url], opIdentifier: `${idp.url}/openid` };
  alice = await idp.addUser({ email: 'alice@example.com', username: 'alice', password: PASSWORD });
});

afterAll(async () => {
  await idp?.close();
  rpServer?.closeAllConnections();
  await new Promise<void>((resolve) => (rpServer ? rpServer.close(() => resolve()) : resolve()));
});

function relyingParty(path: string, returnPath = `${path}return`): OpenIdRelyingParty {
  return new OpenIdRelyingParty({ returnUrl: `${rpBase}${returnPath}?session=1`, realm: `${rpBase}${path}`, stateless: true });
}

/** The `openid2_rp_discovery` log entries for a request. */
function discoveryLog(requestId: string) {
  return idp.logger.entries.filter((e) => e.event === 'openid2_rp_discovery' && e.request_id === requestId);
}

/** Sign alice in at `rp` up to the consent page (approving it), returning what the user saw. */
async function signIn(rp: OpenIdRelyingParty, browser = new TestBrowser(idp.url)) {
  const outcome = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), { user: aliceLogin, consent: 'approve' });
  const $ = outcome.consentHtml === undefined ? undefined : page(outcome.consentHtml);
  return { ...outcome, $, requestId: $?.('input[name="request_id"]').attr('value') };
}

describe('checkid for an identifier that is not ours', () => {
  /** A checkid URL as node `openid` builds it, with claimed_id / identity replaced. */
  async function forged(identifier: string, immediate = false): Promise<string> {
    const url = new URL(await new OpenIdRelyingParty({ returnUrl: 'http://evil.example.test/landing', realm: 'http://evil.example.test/', stateless: true }).authenticate(site.opIdentifier, immediate));
    url.searchParams.set('openid.claimed_id', identifier);
    url.searchParams.set('openid.identity', identifier);
    return url.toString();
  }

  it('checkid_setup gets an HTML error page, never a redirect to return_to', async () => {
    const publicId = await idp.server.services.identities.publicIdFor(alice.id, idp.clock.now());
    for (const identifier of [
      'http://elsewhere.example.test/alice', // another provider's identifier
      `${idp.url}/id/AAAAAAAAAAAAAAAAAAAAAA`, // looks like ours, but nobody has it
      `${idp.url}/id/${publicId}/../x`,
      `${idp.url}/idx/${publicId}`,
    ]) {
      const res = await new TestBrowser(idp.url).get(await forged(identifier));
      expect(res.status, identifier).toBe(400);
      expect(res.headers.get('location'), identifier).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const $ = page(await res.text());
      expect($('body').text()).toMatch(/OpenID identifier that .* does not manage/);
      expect($('body').text()).not.toContain('evil.example.test');
    }
    // Alice's own identifier is still fine: the browser goes to the bridge's login.
    const ours = await new TestBrowser(idp.url).get(await forged(`${idp.url}/id/${publicId}`));
    expect(ours.status).toBe(302);
    expect(ours.headers.get('location')).toContain('/verify?');
  });

  it('the same through node `openid`: a claimed identifier delegating to a foreign OP-local identifier', async () => {
    const rp = relyingParty('/listed/');
    const authUrl = await rp.authenticate(`${rpBase}/delegate`);
    expect(new URL(authUrl).searchParams.get('openid.identity')).toBe('http://elsewhere.example.test/someone');
    const res = await new TestBrowser(idp.url).get(authUrl);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('checkid_immediate still answers setup_needed, as the spec defines', async () => {
    const res = await new TestBrowser(idp.url).get(await forged('http://elsewhere.example.test/alice', true));
    expect(res.status).toBe(302);
    const answer = new URL(res.headers.get('location')!);
    expect(answer.origin + answer.pathname).toBe('http://evil.example.test/landing');
    expect(answer.searchParams.get('openid.mode')).toBe('setup_needed');
  });
});

describe('relying-party discovery on the consent page', () => {
  it('a realm whose XRDS lists the return_to: no warning, logged as verified, fetched once (cached)', async () => {
    const rp = relyingParty('/listed/');
    const first = await signIn(rp);
    expect(first.seen).toEqual(['login', 'consent']);
    expect(first.$!('[role="alert"]')).toHaveLength(0);
    expect(discoveryLog(first.requestId!)).toEqual([
      expect.objectContaining({ level: 'info', realm: `${rpBase}/listed/`, result: 'verified' }),
    ]);
    expect((await rp.verify(first.location)).authenticated).toBe(true);

    const again = await signIn(rp);
    expect(again.$!('[role="alert"]')).toHaveLength(0);
    expect(discoveryLog(again.requestId!)).toEqual([expect.objectContaining({ result: 'verified' })]);
    expect(rpHits.get('/listed/')).toBe(1);
  });

  it('Yadis through an X-XRDS-Location header counts as well', async () => {
    const { $, requestId } = await signIn(relyingParty('/pointer/'));
    expect($!('[role="alert"]')).toHaveLength(0);
    expect(discoveryLog(requestId!)).toEqual([expect.objectContaining({ result: 'verified' })]);
  });

  it('a realm without XRDS: the page says plainly that the site could not be verified, and the log says why', async () => {
    const rp = relyingParty('/plain/');
    const { $, requestId, location } = await signIn(rp);
    const alert = $!('[role="alert"]');
    expect(alert).toHaveLength(1);
    expect(alert.text().replace(/\s+/g, ' ').trim()).toBe(
      `${rpBase}/plain could not be verified as the site that asked for your sign-in. Only continue if you trust it.`,
    );
    expect(discoveryLog(requestId!)).toEqual([expect.objectContaining({ level: 'warn', realm: `${rpBase}/plain/`, result: 'no_xrds' })]);
    // A signal, not a gate: the user may still go ahead.
    expect((await rp.verify(location)).authenticated).toBe(true);
  });

  it('a realm whose XRDS lists other return_to URLs: warned, logged as return_to_not_listed', async () => {
    const { $, requestId } = await signIn(relyingParty('/narrow/'));
    expect($!('[role="alert"]')).toHaveLength(1);
    expect(discoveryLog(requestId!)).toEqual([expect.objectContaining({ result: 'return_to_not_listed' })]);
  });

  it('a realm that cannot be reached: warned, logged as fetch_failed:<reason>', async () => {
    const rp = new OpenIdRelyingParty({ returnUrl: 'http://unreachable.example.test/return', realm: 'http://unreachable.example.test/', stateless: true });
    const { $, requestId } = await signIn(rp);
    expect($!('[role="alert"]')).toHaveLength(1);
    expect(discoveryLog(requestId!)).toEqual([expect.objectContaining({ result: expect.stringMatching(/^fetch_failed:/) })]);
  });

  it('a trusted realm skips consent, and its verdict is still logged', async () => {
    const before = idp.logger.entries.length;
    const outcome = await signIn(relyingParty('/trusted/'));
    expect(outcome.seen).toEqual(['login']);
    const logged = idp.logger.entries.slice(before).filter((e) => e.event === 'openid2_rp_discovery');
    expect(logged).toEqual([expect.objectContaining({ realm: `${rpBase}/trusted/`, result: 'verified' })]);
  });
});

/**
 * The connected-apps page: remembered consents are listed for the signed-in user and can be
 * withdrawn, after which the consent page is shown again (OpenID 2.0 sites and OIDC clients).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page, TestBrowser } from '../helpers/browser.js';
import { openid, OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { signInAt, startIdbridge, type Site, type TestServer } from '../helpers/walk.js';

const PASSWORD = 'correct horse battery staple';

describe('connected apps', () => {
  let idb: TestServer;
  let site: Site;

  beforeAll(async () => {
    idb = await startIdbridge({ IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '' });
    await idb.addUser({ email: 'cara@example.com', password: PASSWORD, fullname: 'Cara' });
    site = { ours: [idb.url], opIdentifier: `${idb.url}/openid` };
  });
  afterAll(() => idb.close());

  it('asks to sign in first when the browser has no identity-service session', async () => {
    const res = await new TestBrowser(idb.url).get('/account/apps');
    expect(res.status).toBe(401);
    const $ = page(await res.text());
    expect($('h1').text()).toBe('Please sign in');
    expect($('p.details').text()).toMatch(/sign in to an application/i);
  });

  it('lists a remembered site and withdraws it, so the next sign-in asks again', async () => {
    const rp = new OpenIdRelyingParty({ returnUrl: 'http://apps.example.test/return', realm: 'http://apps.example.test/', stateless: true, extensions: [] });
    const browser = new TestBrowser(idb.url);
    const first = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), {
      user: { identifier: 'cara@example.com', password: PASSWORD },
      consent: 'remember',
    });
    expect(first.seen).toEqual(['login', 'consent']);
    expect((await signInAt(browser, site, await rp.authenticate(site.opIdentifier), {})).seen).toEqual([]);

    const listing = await browser.get('/account/apps');
    expect(listing.status).toBe(200);
    const html = await listing.text();
    expect(page(html)('li strong').text()).toBe('http://apps.example.test');
    expect(page(html)('li li').text()).toBe('Only an identifier for your account');

    // Without the CSRF token the withdrawal is refused.
    const forged = await browser.post('/account/apps/revoke', { audience: 'http://apps.example.test/' });
    expect(forged.status).toBe(403);

    const revoked = await browser.submit(html, {}, 'form[action="/account/apps/revoke"]');
    expect(revoked.status).toBe(303);
    const after = page(await (await browser.get('/account/apps')).text());
    expect(after('li').length).toBe(0);
    expect((await signInAt(browser, site, await rp.authenticate(site.opIdentifier), { consent: 'approve' })).seen).toEqual(['consent']);
  });

  it('labels what was shared as the consent page did, not by field name', async () => {
    const rp = new OpenIdRelyingParty({
      returnUrl: 'http://labels.example.test/return',
      realm: 'http://labels.example.test/',
      stateless: true,
      extensions: [new openid.SimpleRegistration({ email: 'required', fullname: 'optional' })],
    });
    const browser = new TestBrowser(idb.url);
    const first = await signInAt(browser, site, await rp.authenticate(site.opIdentifier), {
      user: { identifier: 'cara@example.com', password: PASSWORD },
      consent: 'remember',
    });
    expect(first.seen).toEqual(['login', 'consent']);
    const $ = page(await (await browser.get('/account/apps')).text());
    const app = $('li').filter((_, li) => $(li).children('strong').text() === 'http://labels.example.test');
    expect(app.find('li').map((_, li) => $(li).text()).get().sort()).toEqual(['Email address', 'Full name']);
  });
});

/**
 * Custom profile fields for OpenID 2.0 relying parties and for users a site directory serves, end
 * to end over real HTTP: the node `openid` RP requests the operator's AX type URI; the user (in the
 * site's own database, federated mode) completes the custom field at the bridge, which idbridge
 * keeps on the directory link; the consent page labels it; the RP receives it in the AX response.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/document.js';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { page, TestBrowser } from '../helpers/browser.js';
import { TestClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';
import { openid, OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { createSiteTable, SqliteSiteSource } from '../helpers/sqlite-site-source.js';
import { freePort } from '../helpers/walk.js';
import { PASSWORD, PEOPLE } from '../users/user-directory-contract.js';

const COFFEE_TYPE = 'https://rp.example.test/ax/coffee';
const PROFILE = {
  fields: {
    // Required, but a site user's name lives in the site's database: never asked of them.
    fullname: { requirement: 'required' },
    coffee: { type: 'select', label: { en: 'Favourite coffee', de: 'Lieblingskaffee' }, options: ['espresso', 'latte'], requirement: 'required' },
    note: { type: 'text', label: 'Note', requirement: 'optional' },
  },
  openid2: { coffee: COFFEE_TYPE },
};

describe('custom fields: OpenID 2.0 AX release, completion by a site-directory user', () => {
  let server: RunningServer;
  let url: string;
  let dir: string;
  const clock = new TestClock();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idbridge-profile-site-'));
    const file = join(dir, 'site.sqlite');
    const mapping = createSiteTable(file, PEOPLE.map((p) => ({ id: p.key, email: p.email, username: p.username, password: p.password, blocked: p.blocked, verified: p.verified, name: p.fullname, phone: p.phone })));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const { document, problems } = parseConfigDocument({ name: 'test', data: { profile: PROFILE } }, {});
    expect(problems).toEqual([]);
    const config = { ...testConfig({ IDBRIDGE_PUBLIC_URL: url, PORT: String(port), IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '', IDBRIDGE_DEMO: 'false' }), profile: document.profile };
    config.directory = { kind: 'sql', name: 'site', url: `sqlite:${file}`, mode: 'federated', writeBack: false, loginCase: 'insensitive', pool: { max: 1, connectTimeoutMs: 1000, queryTimeoutMs: 1000 } };
    server = await startServer(config, { logger: memoryLogger(), deps: { clock, siteSource: new SqliteSiteSource(file, mapping) } });
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** From the RP's redirect to the assertion; `onProfile` answers each completion form. */
  async function walk(authUrl: string, onProfile: (html: string, n: number) => Record<string, string>) {
    const browser = new TestBrowser(url);
    let res = await browser.get(authUrl);
    const forms: string[] = [];
    let consentHtml = '';
    for (let i = 0; i < 20; i++) {
      if (res.status === 302) {
        const next = new URL(res.headers.get('location')!, url).toString();
        if (!next.startsWith(url)) return { location: next, forms, consentHtml };
        res = await browser.get(next);
        continue;
      }
      const html = await res.text();
      const $ = page(html);
      if ($('form[action="/login"]').length === 1) res = await browser.submit(html, { identifier: 'alice', password: PASSWORD });
      else if ($('form[action="/verify/profile"]').length === 1) {
        forms.push(html);
        res = await browser.submit(html, onProfile(html, forms.length));
      } else if ($('form[action="/ows_consent"]').length === 1) {
        consentHtml = html;
        res = await browser.submit(html, { decision: 'approve' });
      } else throw new Error(`unexpected ${res.status}: ${html.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    throw new Error('too many steps');
  }

  const rp = (types: Record<string, string>) =>
    new OpenIdRelyingParty({ returnUrl: 'http://rp.example.test/return', realm: 'http://rp.example.test/', stateless: true, extensions: [new openid.AttributeExchange(types)] });

  it('asks the site user for the custom field only, keeps it on the link, labels it on consent and releases it under its AX type', async () => {
    const relyingParty = rp({ [COFFEE_TYPE]: 'required', 'http://axschema.org/contact/email': 'required', 'https://unmapped.example.test/ax/secret': 'required' });
    const outcome = await walk(await relyingParty.authenticate(`${url}/openid`), (html, n): Record<string, string> => {
      const $ = page(html);
      // Standard fields are the site's: fullname is required but never asked of a site user.
      expect($('[name=fullname]').length).toBe(0);
      expect($('label[for=profile-coffee]').text()).toContain('Favourite coffee');
      if (n === 1) return { coffee: 'mocha' };
      expect($('#profile-coffee-error').text()).toContain('Please choose one of the offered values');
      return { coffee: 'latte', note: '' };
    });
    expect(outcome.forms).toHaveLength(2);
    expect(outcome.consentHtml).toContain('Favourite coffee');
    expect(outcome.consentHtml).toContain('latte');
    const answer = new URL(outcome.location).searchParams;
    const types = [...answer].filter(([k]) => k.startsWith('openid.ax.type.')).map(([k, v]) => [k.slice('openid.ax.type.'.length), v] as const);
    const coffeeAlias = types.find(([, v]) => v === COFFEE_TYPE)?.[0];
    expect(coffeeAlias).toBeDefined();
    expect(answer.get(`openid.ax.value.${coffeeAlias}`)).toBe('latte');
    // An AX type nobody mapped is not answered.
    expect(types.map(([, v]) => v)).not.toContain('https://unmapped.example.test/ax/secret');
    // The AX fields are signed: the RP verifies the assertion.
    const verified = await relyingParty.verify(outcome.location);
    expect(verified.error).toBeUndefined();
    expect(verified.result).toMatchObject({ authenticated: true, email: 'alice@example.com' });
    // Kept in idbridge's own table (the site's database is not written), and read back as the user's.
    const link = await server.services.links.findByKey('site', '1');
    expect(link?.attributes).toMatchObject({ coffee: 'latte' });
    expect(await server.services.userStore.count()).toBe(0);
    expect((await server.services.directory.findById(link!.userId))?.attributes).toMatchObject({ coffee: 'latte' });
  });

  it('does not ask again, and releases nothing custom to an RP that did not request the type', async () => {
    const relyingParty = rp({ 'http://axschema.org/contact/email': 'required' });
    const outcome = await walk(await relyingParty.authenticate(`${url}/openid`), () => {
      throw new Error('profile form shown again');
    });
    expect(outcome.consentHtml).not.toContain('Favourite coffee');
    expect([...new URL(outcome.location).searchParams.values()]).not.toContain('latte');
  });
});

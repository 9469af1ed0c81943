/**
 * The profile-completion page in headless Chromium: the fields are styled by the theme, the
 * keyboard focus is visible on every kind of input, and an error is tied to its field.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/document.js';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser } from '../../src/users/create-user.js';
import { expectAccessible } from '../helpers/axe.js';
import { atBothWidths, launchChromium, skipBrowserTests } from '../helpers/chromium.js';
import { testConfig } from '../helpers/config.js';
import { OpenIdRelyingParty } from '../helpers/openid-rp.js';
import { freePort } from '../helpers/walk.js';

const PASSWORD = 'correct horse battery staple';

describe.skipIf(skipBrowserTests)('profile completion page in headless Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const { document, problems } = parseConfigDocument(
      { name: 'test', data: { profile: { fields: { coffee: { type: 'select', label: 'Coffee', options: ['espresso'], requirement: 'required' }, terms: { type: 'checkbox', label: 'I accept', requirement: 'required' } } } } },
      {},
    );
    expect(problems).toEqual([]);
    const config = { ...testConfig({ IDBRIDGE_PUBLIC_URL: url, PORT: String(port), HOST: '127.0.0.1', IDBRIDGE_ROLE: 'all', IDBRIDGE_API_KEY: '', IDBRIDGE_DEMO: 'false' }), profile: document.profile };
    server = await startServer(config, { logger: memoryLogger() });
    await createUser({ email: 'dee@example.com', password: PASSWORD }, { store: server.services.userStore, hasher: server.services.hasher, now: Date.now() });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a visible focus ring on the select and the checkbox, and ties the error to the field', async () => {
    const rp = new OpenIdRelyingParty({ returnUrl: 'http://rp.example.test/return', realm: 'http://rp.example.test/', stateless: true, extensions: [] });
    // bypassCSP: the pages allow no script, and axe is one (test-only browser option).
    const page = await (await browser.newContext({ viewport: { width: 375, height: 667 }, bypassCSP: true })).newPage();
    await page.goto(await rp.authenticate(`${url}/openid`));
    await page.fill('input[name=identifier]', 'dee@example.com');
    await page.fill('input[name=password]', PASSWORD);
    await page.press('input[name=password]', 'Enter');
    await page.waitForSelector('form[action="/verify/profile"]');
    await atBothWidths(page, 'profile-completion-select-checkbox', async () => void (await expectAccessible(page, 'profile completion (select, checkbox)')));
    for (const selector of ['#profile-coffee', '#profile-terms']) {
      await page.focus(selector);
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      const outline = await page.$eval(selector, (el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth);
      expect(outline, selector).toBe('solid 3px');
    }
    const box = await page.$eval('#profile-terms', (el) => el.getBoundingClientRect().width);
    expect(box).toBeGreaterThanOrEqual(24);
    // Submitted without the browser's own checks: the server's error is shown and tied to the field.
    await page.$eval('form[action="/verify/profile"]', (form) => form.setAttribute('novalidate', ''));
    await page.click('button[value=save]');
    await page.waitForSelector('#profile-coffee-error');
    await atBothWidths(page, 'profile-completion-select-checkbox-error', async () => void (await expectAccessible(page, 'profile completion with errors')));
    expect(await page.getAttribute('#profile-coffee', 'aria-describedby')).toBe('profile-coffee-error');
    expect(await page.getAttribute('#profile-coffee-error', 'role')).toBe('alert');
    const colour = await page.$eval('#profile-coffee-error', (el) => getComputedStyle(el).color);
    expect(colour).toBe('rgb(138, 28, 28)'); // --danger: 8.6:1 on the white card
    const selectWidth = await page.$eval('#profile-coffee', (el) => el.getBoundingClientRect().right);
    expect(selectWidth).toBeLessThanOrEqual(375);
  });
});

/**
 * The account page in a real browser: headless Chromium (Debian's package, driven by
 * playwright-core) with JavaScript disabled, against a real all-in-one server on loopback, at
 * desktop (1280×800) and phone (375×667) size: signing in with the keyboard, the page's layout
 * (no horizontal scrolling, inputs inside the viewport), a refused form's error announced and tied
 * to its field, and a password change. Screenshots go to test-artifacts/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser } from '../../src/users/create-user.js';
import { launchChromium, skipBrowserTests, VIEWPORTS, type ViewportName } from '../helpers/chromium.js';
import { testConfig } from '../helpers/config.js';
import { freePort } from '../helpers/walk.js';

const PASSWORD = 'correct horse battery staple';
const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

describe.skipIf(skipBrowserTests)('the account page in Chromium', () => {
  let server: RunningServer;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = await startServer(
      testConfig(
        { IDBRIDGE_ROLE: 'all', IDBRIDGE_PUBLIC_URL: url, PORT: String(port), IDBRIDGE_API_KEY: '' },
        { document: { name: 'idbridge.config.yaml', data: { profile: { fields: { fullname: { requirement: 'optional' }, phone: { requirement: 'optional' }, dob: { requirement: 'optional' } } } } } },
      ),
      { logger: memoryLogger() },
    );
    for (const email of ['phone@example.com', 'desktop@example.com']) {
      await createUser({ email, password: PASSWORD }, { store: server.services.userStore, hasher: server.services.hasher, now: server.services.clock.now() });
    }
    browser = await launchChromium();
  }, 45_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function layout(page: Page) {
    return page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      controls: [...document.querySelectorAll('input:not([type="hidden"]), select, button')].map((el) => {
        const r = el.getBoundingClientRect();
        return { id: el.id || (el.textContent ?? '').trim(), left: r.left, right: r.right, height: r.height };
      }),
    }));
  }

  for (const viewport of ['desktop', 'phone'] as ViewportName[]) {
    it(`signs in by keyboard, shows every section within the viewport and announces errors (${viewport})`, async () => {
      const email = `${viewport}@example.com`;
      const context = await browser.newContext({ viewport: VIEWPORTS[viewport], isMobile: viewport === 'phone', javaScriptEnabled: false, locale: 'en-US' });
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      try {
        await page.goto(`${url}/account`);
        expect(new URL(page.url()).pathname).toBe('/account/signin');
        await page.screenshot({ path: join(SCREENSHOTS, `account-signin-${viewport}.png`), fullPage: true });
        await page.getByLabel('Email or username').focus();
        await page.keyboard.type(email);
        await page.keyboard.press('Tab');
        await page.keyboard.type(PASSWORD);
        await page.keyboard.press('Enter');
        await page.waitForURL(`${url}/account`);
        await expect.poll(() => page.locator('h1').textContent()).toBe('Your account');
        for (const heading of ['Email address', 'Password', 'Profile', 'Where you are signed in', 'Connected apps', 'Delete your account']) {
          expect(await page.getByRole('heading', { name: heading }).count(), heading).toBe(1);
        }
        const box = await layout(page);
        const width = VIEWPORTS[viewport].width;
        expect(box.scrollWidth).toBeLessThanOrEqual(width);
        for (const control of box.controls) {
          expect(control.left, control.id).toBeGreaterThanOrEqual(0);
          expect(control.right, control.id).toBeLessThanOrEqual(width);
        }
        await page.screenshot({ path: join(SCREENSHOTS, `account-${viewport}.png`), fullPage: true });

        // A wrong current password: announced, tied to its field, nothing changed.
        await page.locator('#password-current').fill('not my password');
        await page.locator('#password-new').fill('amber lantern 77 quince');
        await page.locator('#password-confirm').fill('amber lantern 77 quince');
        await page.getByRole('button', { name: 'Change password' }).click();
        await expect.poll(() => page.locator('#password-current').getAttribute('aria-invalid')).toBe('true');
        expect(await page.locator('#password-current').getAttribute('aria-describedby')).toContain('password-current-error');
        expect(await page.locator('#password-current-error').textContent()).toMatch(/not correct/);
        expect(await page.getByRole('alert').count()).toBeGreaterThan(0);
        await page.screenshot({ path: join(SCREENSHOTS, `account-error-${viewport}.png`), fullPage: true });

        await page.locator('#password-current').fill(PASSWORD);
        await page.locator('#password-new').fill('amber lantern 77 quince');
        await page.locator('#password-confirm').fill('amber lantern 77 quince');
        await page.locator('#password-confirm').press('Enter');
        await page.waitForURL(`${url}/account?done=password`);
        expect(await page.getByRole('status').textContent()).toMatch(/password was changed/);
      } finally {
        await context.close();
      }
    }, 60_000);
  }
});

/**
 * Real headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core
 * (no bundled browser download). CI installs the package (.ci/run); on a developer machine
 * without it the browser suites are skipped, never in CI.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when the browser suites must be skipped: no Chromium here and not running in CI. */
export const skipBrowserTests = !existsSync(CHROMIUM_PATH) && !process.env['CI'];

/** Viewports the pages are tested at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 375, height: 667 },
} as const;

export type ViewportName = keyof typeof VIEWPORTS;

/**
 * Launch headless Chromium. The networking flags matter: the test machines may have no internet,
 * and Chromium's background services (updates, sync, safe browsing, QUIC probes) must not try.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    timeout: 20_000,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where the browser suites put their screenshots (gitignored; docs/screenshots/ has the README's few). */
export const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

/**
 * Screenshots of the page as it is, at 1280 and 375 px wide (`NAME-1280.png`, `NAME-375.png`),
 * running `each` (e.g. axe) at each width too; the viewport is restored afterwards.
 */
export async function atBothWidths(page: Page, name: string, each?: (width: number) => Promise<void>): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const viewport of ['desktop', 'phone'] as const) {
    await page.setViewportSize(VIEWPORTS[viewport]);
    await each?.(VIEWPORTS[viewport].width);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${VIEWPORTS[viewport].width}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

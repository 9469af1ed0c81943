/**
 * Real headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core
 * (no bundled browser download). CI installs the package (.ci/run); on a developer machine
 * without it the browser suites are skipped, never in CI.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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

/**
 * axe-core in the browser: the page is checked as rendered (styles applied, so contrast counts)
 * against WCAG 2.x A/AA and best-practice rules. The pages' CSP forbids every script, so contexts
 * that run axe are opened with `bypassCSP: true` (a test-only browser option; the server's header
 * is unchanged and asserted elsewhere).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One axe violation, short enough for an assertion message. */
export interface A11yViolation {
  page: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Every violation axe reports on `page` (all impacts), each labelled with `label`. */
export async function axeViolations(page: Page, label: string): Promise<A11yViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ passes: unknown[]; violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
    // No passing rule at all would mean axe checked nothing (an empty or blocked page).
    if (result.passes.length === 0) throw new Error('axe checked nothing on this page');
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.map((v) => ({ page: label, ...v }));
}

/** The violations that fail the suite: serious and critical ones. */
export const blocking = (violations: A11yViolation[]) => violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');

/** Human-readable, for assertion messages and the report. */
export const describeViolations = (violations: A11yViolation[]) =>
  violations.map((v) => `${v.page}: [${v.impact}] ${v.id} — ${v.help} (${v.targets.slice(0, 3).join(', ')})`).join('\n');

/** Fail on serious or critical violations of `page`; returns all of them (minor/moderate too) for logging. */
export async function expectAccessible(page: Page, label: string): Promise<A11yViolation[]> {
  const all = await axeViolations(page, label);
  const bad = blocking(all);
  if (bad.length > 0) throw new Error(`axe: serious or critical violations\n${describeViolations(bad)}`);
  return all;
}

/**
 * The layering rules that keep both runtimes possible: only entry points import Node-only
 * modules, and protocol code imports neither Hono nor Drizzle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

function imports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
}

const NODE_ONLY = [/^node:/, /^better-sqlite3$/, /^undici$/, /^@hono\/node-server/, /^drizzle-orm\/better-sqlite3/, /^(fs|path|crypto|http|https|net|os|child_process|url)$/];

describe('architecture', () => {
  it('imports Node-only modules only from src/entry/node', () => {
    const offenders = files(root)
      .filter((f) => !relative(root, f).startsWith(join('entry', 'node')))
      .flatMap((f) => imports(f).filter((i) => NODE_ONLY.some((re) => re.test(i))).map((i) => `${relative(root, f)} → ${i}`));
    expect(offenders).toEqual([]);
  });

  it('keeps protocol code free of Hono and Drizzle', () => {
    const offenders = files(join(root, 'protocol'))
      .flatMap((f) => imports(f).filter((i) => /^(hono|drizzle-orm)/.test(i)).map((i) => `${relative(root, f)} → ${i}`));
    expect(offenders).toEqual([]);
  });
});

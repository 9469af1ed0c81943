#!/usr/bin/env node
// The idbridge CLI. Runs the compiled code in dist/ (built by `npm install` via the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/entry/node/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  const message = 'dist/ is missing; run `npm install` (or `npm run build`) first.';
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: message, code: 'not_built' })}\n`);
  process.stderr.write(`idbridge: ${message}\n`);
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;

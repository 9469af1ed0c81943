#!/usr/bin/env node
// Verify every bench hash with the Workers hash primitives inside workerd (wrangler dev, local):
// proves each format runs there (bcryptjs, @noble/hashes, WebCrypto, unixcrypt over nodejs_compat)
// and prints the median wall time per verify minus a no-op baseline. Usage: node bench/workerd-hashes.mjs
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { hashes } = JSON.parse(readFileSync(join(root, 'test/fixtures/hashes/bench-hashes.json'), 'utf8'));
const port = 8798;
const child = spawn(join(root, 'node_modules/.bin/wrangler'), ['dev', '--port', String(port), '--ip', '127.0.0.1'], {
  cwd: join(here, 'workerd-hashes'),
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
  stdio: 'ignore',
});
const base = `http://127.0.0.1:${port}`;
const RUNS = Number(process.env.BENCH_HASH_RUNS ?? 5);
try {
  for (let i = 0; i < 90; i++) {
    try { if ((await fetch(`${base}/?i=-1`)).ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  const time = async (i) => {
    const samples = [];
    for (let n = 0; n < RUNS; n++) {
      const t = performance.now();
      const res = await fetch(`${base}/?i=${i}`);
      const body = await res.text();
      if (!res.ok) throw new Error(`hash ${i}: HTTP ${res.status} ${body}`);
      samples.push(performance.now() - t);
    }
    return samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  };
  const baseline = await time(-1);
  console.log(`workerd (wrangler dev), ${RUNS} runs, median ms per verify minus a ${baseline.toFixed(1)} ms no-op\n`);
  console.log('| format | cost | workerd |\n|---|---|---:|');
  for (let i = 0; i < hashes.length; i++) {
    let cell;
    try { cell = Math.max(0, (await time(i)) - baseline).toFixed(1); } catch (e) { cell = `error: ${e.message.slice(0, 80)}`; }
    console.log(`| ${hashes[i].format} | ${hashes[i].cost} | ${cell} |`);
  }
} finally {
  child.kill();
}

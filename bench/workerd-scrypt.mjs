#!/usr/bin/env node
// Time idbridge's Worker scrypt inside workerd (wrangler dev, local): median wall time per hash
// for several costs, minus a no-op baseline. Usage: node bench/workerd-scrypt.mjs
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const port = 8799;
const child = spawn(join(root, 'node_modules/.bin/wrangler'), ['dev', '--port', String(port), '--ip', '127.0.0.1'], {
  cwd: join(here, 'workerd-scrypt'),
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
  stdio: 'ignore',
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; i < 60; i++) {
    try { if ((await fetch(base)).ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  const time = async (ln, n, p = 1) => {
    const samples = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const res = await fetch(`${base}/?ln=${ln}&p=${p}`);
      await res.text();
      if (!res.ok) throw new Error(`ln=${ln}: HTTP ${res.status}`);
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)];
  };
  await time(0, 5); await time(12, 2); // warm up
  const baseline = await time(0, 15);
  console.log(`baseline request: ${baseline.toFixed(1)} ms`);
  for (const ln of [12, 13, 14, 15, 16]) {
    const t = await time(ln, ln >= 16 ? 3 : 7);
    console.log(`scrypt ln=${ln} (N=2^${ln}, r=8, p=1, ${(128 * 2 ** ln * 8) / 2 ** 20} MiB): ${(t - baseline).toFixed(1)} ms per hash`);
  }
  // OWASP's equivalents of N=2^17,r=8,p=1 that fit Workers' 128 MB: N=2^14 with p=5, N=2^13 with p=10.
  for (const [ln, p] of [[14, 5], [13, 10]]) {
    const t = await time(ln, 3, p);
    console.log(`scrypt ln=${ln} r=8 p=${p} (${(128 * 2 ** ln * 8) / 2 ** 20} MiB): ${(t - baseline).toFixed(1)} ms per hash`);
  }
} finally {
  child.kill('SIGTERM');
}

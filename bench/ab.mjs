#!/usr/bin/env node
/**
 * A/B: the same OIDC sign-in load against several idbridge builds, alternating between them in
 * rounds so background noise hits all alike. For checking a performance fix before and after:
 *
 *   node bench/ab.mjs /path/to/checkout-a /path/to/checkout-b ...   (each with bin/, dist/, drizzle/,
 *   and node_modules; default: this checkout only)
 *
 * Settings: AB_CONCURRENCY (8), AB_SECONDS (6 per round), AB_ROUNDS (3), AB_LN (4), AB_WARM (10 s
 * of load per build before measuring: the JIT needs it). Pinned like
 * bench/run.mjs (server core 0, load generator core 1). Prints sign-ins/s, p50/p99 and server CPU
 * per sign-in, per build (median over rounds).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { oidcClientConfig, oidcSignIn } from './lib/flows.mjs';
import { agentFor } from './lib/http.mjs';
import { closedLoop } from './lib/loop.mjs';
import { cpuMs } from './lib/proc.mjs';
import { hasTaskset, PASSWORD, REDIRECT_URI, ROOT, startIdbridge, TRUSTED_REALM } from './lib/servers.mjs';
import { fmt, summarize, table } from './lib/stats.mjs';

const canPin = process.env.BENCH_NO_PIN !== '1' && cpus().length >= 2 && hasTaskset();
if (canPin && process.env.BENCH_PINNED !== '1') {
  const r = spawnSync('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  process.exit(r.status ?? 1);
}
const roots = process.argv.slice(2).map((p) => resolve(p));
if (roots.length === 0) roots.push(ROOT);
const concurrency = Number(process.env.AB_CONCURRENCY ?? 8);
const seconds = Number(process.env.AB_SECONDS ?? 6);
const rounds = Number(process.env.AB_ROUNDS ?? 3);
const ln = Number(process.env.AB_LN ?? 4);
const warm = Number(process.env.AB_WARM ?? 10);
const tmp = mkdtempSync(join(tmpdir(), 'idbridge-ab-'));

const targets = [];
for (const [i, root] of roots.entries()) {
  const server = await startIdbridge({ tmp, ln, users: 32, cpu: canPin ? 0 : undefined, root, label: `build${i}` });
  const t = { ...server, root, agent: agentFor(64), redirectUri: REDIRECT_URI, password: PASSWORD, clientId: server.seed.clientId, clientSecret: server.seed.clientSecret, realm: TRUSTED_REALM, runs: [] };
  t.config = await oidcClientConfig(t);
  // JIT warm-up: idbridge's CPU per sign-in keeps falling for ~10 s of load.
  await closedLoop({ concurrency: 8, warmupMs: 0, durationMs: warm * 1000, iteration: (vu, k) => oidcSignIn(t, t.seed.users[(vu + 8 * k) % 32]) });
  targets.push(t);
}
for (let round = 0; round < rounds; round++) {
  for (const t of targets) {
    let c0;
    let c1;
    let w0;
    let w1;
    const run = await closedLoop({
      concurrency,
      warmupMs: 500,
      durationMs: seconds * 1000,
      iteration: (vu, k) => oidcSignIn(t, t.seed.users[(vu + concurrency * k) % 32]),
      onWindow: (edge) => (edge === 'start' ? ((c0 = cpuMs(t.pid)), (w0 = performance.now())) : ((c1 = cpuMs(t.pid)), (w1 = performance.now()))),
    });
    const n = run.latencies.length;
    const s = summarize(run.latencies);
    t.runs.push({ perSecond: n / run.seconds, p50: s.p50, p99: s.p99, cpuMs: (c1 - c0) / n, util: (c1 - c0) / (w1 - w0), errors: run.errors });
    process.stderr.write(`round ${round + 1} ${t.root}: ${fmt(n / run.seconds)} sign-ins/s, CPU ${fmt((c1 - c0) / n, 2)} ms/sign-in${run.errors ? `, ${run.errors} errors: ${run.errorSamples[0]}` : ''}\n`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  table(
    ['build', 'sign-ins/s', 'p50 ms', 'p99 ms', 'srv CPU ms/sign-in', 'srv CPU %', 'errors'],
    targets.map((t) => [
      t.root,
      fmt(median(t.runs.map((r) => r.perSecond))),
      fmt(median(t.runs.map((r) => r.p50))),
      fmt(median(t.runs.map((r) => r.p99))),
      fmt(median(t.runs.map((r) => r.cpuMs)), 2),
      fmt(median(t.runs.map((r) => r.util * 100)), 0),
      String(t.runs.reduce((a, r) => a + r.errors, 0)),
    ]),
  ),
);
for (const t of targets) {
  await t.agent.close();
  await t.stop();
}
rmSync(tmp, { recursive: true, force: true });

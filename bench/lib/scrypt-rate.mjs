/**
 * What the password hash alone allows: a loop of Node's crypto.scrypt (the same call and maxmem
 * idbridge's nodeScrypt makes) for at least BENCH_SCRYPT_SECONDS and BENCH_SCRYPT_MIN hashes, with
 * BENCH_SCRYPT_PARALLEL calls in flight (1 = a plain serial loop). Run it pinned
 * (`taskset -c 0 node bench/lib/scrypt-rate.mjs LN R P`) to get the rate of one core.
 * Prints one JSON line: { ln, r, p, parallel, hashes, seconds, perSecond, msPerHash, cpuSeconds }.
 */
import { scrypt } from 'node:crypto';

const [ln = 17, r = 8, p = 1] = process.argv.slice(2).map(Number);
const seconds = Number(process.env.BENCH_SCRYPT_SECONDS ?? 5);
const min = Number(process.env.BENCH_SCRYPT_MIN ?? 5);
const parallel = Number(process.env.BENCH_SCRYPT_PARALLEL ?? 1);
const N = 2 ** ln;
const maxmem = 128 * N * r * (p + 1) + 16 * 1024 * 1024;
const password = Buffer.from('bench password, not a secret');
const salt = Buffer.from('0123456789abcdef');
const hashOnce = () => new Promise((resolve, reject) => scrypt(password, salt, 32, { N, r, p, maxmem }, (e) => (e ? reject(e) : resolve())));

await hashOnce(); // warm-up (allocator, thread pool)
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let hashes = 0;
const elapsed = () => (performance.now() - t0) / 1000;
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (elapsed() < seconds || hashes < min) {
      await hashOnce();
      hashes++;
    }
  }),
);
const wall = elapsed();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ ln, r, p, parallel, hashes, seconds: wall, perSecond: hashes / wall, msPerHash: (wall * 1000) / hashes, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`,
);

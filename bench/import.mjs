#!/usr/bin/env node
/**
 * Bulk import benchmark (issue 12 §5): generate a CSV file of BENCH_IMPORT_ROWS users (default
 * 1,000,000) with pre-computed password hashes (one bcrypt cost-10 hash reused: the importer
 * checks a hash's format and cost, it never computes one), import it with the real CLI into a
 * fresh database, and report rows/s and the peak RSS of the importing process (Linux: VmHWM from
 * /proc/<pid>/status, sampled, and the kernel's own high-water mark at exit).
 *
 *   node bench/import.mjs                 (needs dist/: npm run build)
 *   BENCH_IMPORT_ROWS=100000 node bench/import.mjs
 *   BENCH_IMPORT_FORMAT=jsonl             CSV by default
 *
 * Targets: under 30 s, peak RSS under 200 MiB. Exit code 1 when the import failed or its counts
 * are wrong (targets missed are reported, not failed). Also called by `npm run bench`
 * (phase `import`).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const FORMAT = process.env.BENCH_IMPORT_FORMAT ?? 'csv';
const HASH = '$2b$10$ud8BKHi0zjwQ5mCtGQtZMO95GIVVqkip1tYa15TesU5K/I7prTYzm';
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'SE', 'ES', 'IT'];

export async function benchImport({ rows = ROWS, format = FORMAT, keep = process.env.BENCH_KEEP === '1' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'idbridge-import-bench-'));
  const file = join(dir, `users.${format}`);
  try {
    const generated = Date.now();
    await generate(file, rows, format);
    const bytes = statSync(file).size;
    const generateSeconds = (Date.now() - generated) / 1000;

    const env = { PATH: process.env.PATH, IDBRIDGE_DATABASE: join(dir, 'db.sqlite'), IDBRIDGE_SCRYPT_LN: '10', NODE_ENV: 'development' };
    // Migrations first, so the timed run measures the import only.
    await run([join(ROOT, 'bin', 'idbridge.js'), 'migrate'], env, dir);
    const started = process.hrtime.bigint();
    const { stdout, peakKiB, cpuSeconds } = await run([join(ROOT, 'bin', 'idbridge.js'), 'users', 'import', file, '--json', '--no-events'], env, dir);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const result = JSON.parse(stdout.trim().split('\n').at(-1)).import;
    const ok = result && result.inserted === rows && result.rejected === 0;
    return {
      rows,
      format,
      file_mib: +(bytes / 1048576).toFixed(1),
      generate_s: +generateSeconds.toFixed(1),
      import_s: +seconds.toFixed(2),
      rows_per_s: Math.round(rows / seconds),
      // CPU time of the importing process: what the import costs when the machine is shared.
      cpu_s: +cpuSeconds.toFixed(2),
      rows_per_cpu_s: Math.round(rows / cpuSeconds),
      peak_rss_mib: +(peakKiB / 1024).toFixed(1),
      inserted: result?.inserted,
      rejected: result?.rejected,
      ok,
      targets: { under_30s: seconds < 30, rss_under_200mib: peakKiB / 1024 < 200 },
    };
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

async function generate(file, rows, format) {
  const out = createWriteStream(file);
  if (format === 'csv') out.write('email,username,password_hash,fullname,country,phone,external_id,email_verified,attributes.plan\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const email = `user${i}@example.org`;
    const country = COUNTRIES[i % COUNTRIES.length];
    const phone = `+4930${String(10_000_000 + i)}`;
    if (format === 'csv') chunk += `${email},user${i},${HASH},"User ${i}, Jr.",${country},${phone},ext-${i},${i % 2 === 0},${i % 3 === 0 ? 'pro' : 'free'}\n`;
    else chunk += `${JSON.stringify({ email, username: `user${i}`, password_hash: HASH, fullname: `User ${i}, Jr.`, country, phone, external_id: `ext-${i}`, email_verified: i % 2 === 0, attributes: { plan: i % 3 === 0 ? 'pro' : 'free' } })}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** Run a child; sample its VmHWM (peak resident set) every 100 ms until it exits. */
function run(args, env, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKiB = 0;
    let cpuTicks = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
        // utime + stime (fields 14, 15 of /proc/<pid>/stat, in clock ticks of 1/100 s)
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        cpuTicks = Number(stat[11]) + Number(stat[12]);
      } catch {
        // exited
      }
    };
    const timer = setInterval(sample, 100);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${args.slice(1).join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ stdout, peakKiB, cpuSeconds: cpuTicks / 100 });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchImport();
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `\nimport: ${result.rows.toLocaleString('en')} ${result.format} rows (${result.file_mib} MiB) in ${result.import_s} s = ${result.rows_per_s.toLocaleString('en')} rows/s (CPU ${result.cpu_s} s), peak RSS ${result.peak_rss_mib} MiB` +
      `  [target < 30 s: ${result.targets.under_30s ? 'met' : 'MISSED'}; < 200 MiB: ${result.targets.rss_under_200mib ? 'met' : 'MISSED'}]`,
  );
  process.exitCode = result.ok ? 0 : 1;
}

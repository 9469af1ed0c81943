/**
 * The Worker build: no Node-only code may reach it (the bundle would not build), and its gzipped
 * size must stay under Workers' 1 MiB limit for free plans.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

describe('Cloudflare Workers bundle', () => {
  it('builds with wrangler and stays under 1 MiB gzipped', () => {
    const out = mkdtempSync(join(tmpdir(), 'idbridge-worker-'));
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', out], {
        cwd: root,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
        stdio: 'pipe',
        timeout: 120_000,
      });
      const bundle = readFileSync(join(out, 'index.js'));
      const gzipped = gzipSync(bundle, { level: 9 }).length;
      console.log(`Worker bundle: ${(bundle.length / 1024).toFixed(1)} KiB, gzipped ${(gzipped / 1024).toFixed(1)} KiB`);
      expect(gzipped).toBeLessThan(1024 * 1024);
      // Nothing from the Node entry may be in it.
      const text = bundle.toString('utf8');
      expect(text).not.toContain('better-sqlite3');
      expect(text).not.toContain('@hono/node-server');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});

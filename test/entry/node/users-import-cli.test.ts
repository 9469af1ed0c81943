/**
 * `idbridge users import` / `users export` as an operator runs them: the real bin, a temporary
 * database, and `kill -9` at several points of a running import followed by `--resume`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'idbridge.js');
const dir = mkdtempSync(join(tmpdir(), 'idbridge-import-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BCRYPT = '$2b$10$ud8BKHi0zjwQ5mCtGQtZMO95GIVVqkip1tYa15TesU5K/I7prTYzm';

function env(db: string) {
  return { PATH: process.env.PATH, IDBRIDGE_DATABASE: join(dir, db), IDBRIDGE_SCRYPT_LN: '4' };
}

function run(db: string, args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { env: env(db), cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('users import (CLI)', () => {
  it('killed with SIGKILL at several points, --resume leaves every valid row exactly once and each bad row reported once', async () => {
    const rows = 20_000;
    const lines: string[] = [];
    const bad = new Set<number>();
    for (let i = 0; i < rows; i++) {
      if (i % 250 === 3) {
        bad.add(i + 1);
        lines.push(JSON.stringify({ email: `broken-${i}`, password_hash: BCRYPT }));
      } else lines.push(JSON.stringify({ email: `u${i}@example.org`, fullname: `User ${i}`, password_hash: BCRYPT, attributes: { n: String(i) } }));
    }
    const file = join(dir, 'users.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const size = readFileSync(file).length;
    expect(run('kill.sqlite', ['migrate']).code).toBe(0);
    const watch = new Sqlite(join(dir, 'kill.sqlite'), { readonly: true });
    const offset = () => (watch.prepare('SELECT max("offset") FROM import_jobs').pluck().get() as number | null) ?? 0;
    const started = () => (watch.prepare('SELECT count(*) FROM import_jobs').pluck().get() as number) > 0;

    // Kill when the committed offset passes these fractions of the file (0: as soon as the job
    // exists, before its first batch).
    const kills: number[] = [];
    for (const fraction of [0, 0.15, 0.4, 0.65, 0.9]) {
      const args = [bin, 'users', 'import', file, '--batch-size', '500', ...(kills.length > 0 ? ['--resume'] : [])];
      const child = spawn(process.execPath, args, { env: env('kill.sqlite'), cwd: dir, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const start = offset();
      for (;;) {
        const now = offset();
        // A kill mid-batch: right after a checkpoint moved past the target, the next batch is in flight.
        if ((fraction === 0 ? started() : now >= fraction * size && now > start) || child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      child.kill('SIGKILL');
      await exited;
      kills.push(offset());
    }
    expect(kills.at(-1)!).toBeLessThan(size); // it really was interrupted before the end
    const last = run('kill.sqlite', ['users', 'import', file, '--resume', '--json']);
    expect(last.code, last.stderr).toBe(0);
    const summary = JSON.parse(last.stdout.trim().split('\n').at(-1)!).import;
    expect(summary).toMatchObject({ inserted: rows - bad.size, rejected: bad.size, updated: 0, skipped: 0 });

    const db = new Sqlite(join(dir, 'kill.sqlite'), { readonly: true });
    const emails = db.prepare('SELECT email FROM users').pluck().all() as string[];
    expect(emails.length).toBe(rows - bad.size);
    expect(new Set(emails).size).toBe(emails.length);
    const expected = new Set(lines.map((_, i) => i).filter((i) => !bad.has(i + 1)).map((i) => `u${i}@example.org`));
    expect(emails.every((e) => expected.has(e))).toBe(true);
    // Every error once: none of "already exists" (a replayed row), each bad line exactly once.
    const report = readFileSync(`${file}.errors.csv`, 'utf8').trim().split('\n').slice(1);
    expect(report.map((l) => Number(l.split(',')[0]))).toEqual([...bad]);
    expect(report.every((l) => l.includes(',email,'))).toBe(true);
    db.close();
    watch.close();
  }, 120_000);

  it('refuses to start a second import of an unfinished file, and to resume a changed one', () => {
    const file = join(dir, 'small.csv');
    writeFileSync(file, 'email,name\na@x.org,Ann\n');
    expect(run('refuse.sqlite', ['migrate']).code).toBe(0);
    const db = new Sqlite(join(dir, 'refuse.sqlite'));
    db.prepare(`INSERT INTO import_jobs (tenant, id, origin, source, fingerprint, format, options, state, total_bytes, create_time, update_time) VALUES ('default', 'imp_x', 'cli', ?, 'other', 'csv', '{"match":"email","onConflict":"fail","events":true}', 'running', 10, 1, 1)`).run(file);
    db.close();
    const again = run('refuse.sqlite', ['users', 'import', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/an unfinished import of this file exists .*--resume continues it, --restart starts over/);
    const resumed = run('refuse.sqlite', ['users', 'import', file, '--resume']);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(/not the one this import started on/);
    const restarted = run('refuse.sqlite', ['users', 'import', file, '--restart']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toMatch(/Imported 1, updated 0, skipped 0; rejected 0 row/);
  }, 120_000);

  it('dry run: reports, writes no user; export writes JSONL that imports back into another database', () => {
    const file = join(dir, 'people.csv');
    writeFileSync(file, '\uFEFFEmail,Name,Password_Hash,attributes.tier\r\na@x.org,"Ann, ""A""",' + BCRYPT + ',gold\r\nnope,Bob,,\r\nc@x.org,"Cy\r\nSecond line",,silver\r\n');
    expect(run('dry.sqlite', ['migrate']).code).toBe(0);
    const dry = run('dry.sqlite', ['users', 'import', file, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout.trim().split('\n').at(-1)!).import).toMatchObject({ dry_run: true, inserted: 2, rejected: 1 });
    expect(readFileSync(`${file}.errors.csv`, 'utf8')).toBe('line,field,reason\n3,email,Invalid email address\n');
    expect(JSON.parse(run('dry.sqlite', ['user', 'list', '--json']).stdout).total).toBe(0);

    expect(run('dry.sqlite', ['users', 'import', file]).code).toBe(0);
    const out = join(dir, 'export.jsonl');
    const exported = run('dry.sqlite', ['users', 'export', '--with-hashes', '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    const records = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => r.email).sort()).toEqual(['a@x.org', 'c@x.org']);
    expect(records.find((r) => r.email === 'a@x.org')).toMatchObject({ password_hash: BCRYPT, fullname: 'Ann, "A"', attributes: { tier: 'gold' } });
    expect(records.find((r) => r.email === 'c@x.org')).toMatchObject({ fullname: 'Cy\r\nSecond line' });
    expect(run('dry.sqlite', ['users', 'export']).stdout).not.toContain('$2b$');

    expect(run('moved.sqlite', ['migrate']).code).toBe(0);
    const moved = run('moved.sqlite', ['users', 'import', out, '--json']);
    expect(JSON.parse(moved.stdout.trim().split('\n').at(-1)!).import).toMatchObject({ inserted: 2, rejected: 0 });
    const reexport = run('moved.sqlite', ['users', 'export', '--with-hashes']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(reexport.sort((a, b) => a.email.localeCompare(b.email))).toEqual(records.sort((a, b) => a.email.localeCompare(b.email)));
  }, 180_000);
});

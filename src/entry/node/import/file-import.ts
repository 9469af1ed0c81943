/**
 * Running an import of a file on Node: the CLI (`idbridge users import`) and the server's API
 * jobs both come here. Reads the file as a stream from the job's checkpoint on (a resume is a
 * seek), and commits through {@link SqliteImportStore}.
 */
import type Sqlite from 'better-sqlite3';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { IdbridgeError } from '../../../errors.js';
import { runImport, type ImportProgress } from '../../../import/importer.js';
import type { ImportBatch, ImportCounts, ImportFormat, ImportJob, ImportOptions, ImportStore } from '../../../import/ports.js';
import type { HashIdentify, RowError } from '../../../import/row.js';
import { createHashRegistry } from '../../../users/hashes/registry.js';
import { randomToken } from '../../../util/bytes.js';
import { nodeHashPrimitives } from '../hash-primitives.js';
import { SqliteImportStore, type SqliteImportStoreDeps } from './sqlite-import-store.js';

const FINGERPRINT_BYTES = 64 * 1024;

/** Size and SHA-256 of the first 64 KiB: enough to tell another file from the one a job started on. */
export function fileFingerprint(path: string): { size: number; fingerprint: string; head: Buffer } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, FINGERPRINT_BYTES));
    let read = 0;
    while (read < head.length) {
      const n = readSync(fd, head, read, head.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return { size, fingerprint: createHash('sha256').update(head.subarray(0, read)).digest('base64url'), head: head.subarray(0, read) };
  } finally {
    closeSync(fd);
  }
}

/** The format by the file name, else by its first character (`{`: JSONL). */
export function detectFormat(path: string, head: Uint8Array): ImportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return head[i] === 0x7b ? 'jsonl' : 'csv';
}

/** The registry's `identify` with its default cost limits: what the built-in directory can verify. */
export function nodeHashIdentify(): HashIdentify {
  const registry = createHashRegistry(nodeHashPrimitives);
  return (hash) => registry.identify(hash);
}

export function newImportId(): string {
  return `imp_${randomToken(96)}`;
}

export interface FileImportRun {
  job: ImportJob;
  path: string;
  store: ImportStore;
  hashPassword: (password: string) => Promise<string>;
  identifyHash: HashIdentify;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  batchSize?: number;
}

/**
 * Run a job to its end from its checkpoint. Fails with `invalid_request` when the file changed
 * since the job started (a resume must read the same bytes).
 */
export async function runFileImport(run: FileImportRun): Promise<ImportCounts> {
  const { job, path } = run;
  const now = fileFingerprint(path);
  if (now.fingerprint !== job.fingerprint || now.size < job.offset) {
    throw new IdbridgeError('invalid_request', 'the file is not the one this import started on (its size or first bytes changed)');
  }
  job.totalBytes = now.size;
  const source = createReadStream(path, { start: job.offset, highWaterMark: 256 * 1024 });
  try {
    return await runImport({
      job,
      source,
      store: run.store,
      identifyHash: run.identifyHash,
      hashPassword: run.hashPassword,
      hashConcurrency: Math.min(4, availableParallelism()),
      batchSize: run.batchSize,
      onProgress: run.onProgress,
      signal: run.signal,
    });
  } finally {
    source.destroy();
  }
}

/** The SQLite store for the tenant, with a fresh user id per inserted row. */
export function sqliteImportStore(sqlite: Sqlite.Database, tenant: string, deps: Partial<SqliteImportStoreDeps> = {}): SqliteImportStore {
  return new SqliteImportStore(sqlite, tenant, { now: () => Date.now(), newUserId: importUserIds(), ...deps });
}

/**
 * Opaque user ids for imported rows: `u_` + 48 bits of time (ms) and 96 random bits (24 characters).
 * Why not `createUser`'s 128 random bits: a random key lands on a random page of the primary-key
 * index, and at a million rows that was half of the insert cost (10 µs of 23 µs per row); ids that
 * grow with time append at the index's right edge. 96 random bits keep them unguessable. Drawn
 * from one random buffer per 4096 ids (a getRandomValues call per id was a fifth of the CPU).
 */
export function importUserIds(clock: () => number = Date.now): () => string {
  const RANDOM = 12;
  const pool = Buffer.alloc(RANDOM * 4096);
  const id = Buffer.alloc(6 + RANDOM);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    id.writeUIntBE(clock() % 2 ** 48, 0, 6);
    pool.copy(id, 6, next, next + RANDOM);
    next += RANDOM;
    let text = 'u_';
    for (const c of id.toString('base64url')) text += SORTABLE[c.charCodeAt(0)];
    return text;
  };
}

/**
 * base64url's own alphabet in ASCII order (`-0-9A-Z_a-z`), so that ids compare as their bytes
 * do (SQLite compares text bytewise): same characters as any other id, but increasing.
 */
const SORTABLE: string[] = (() => {
  const standard = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const sorted = [...standard].sort().join('');
  const table: string[] = [];
  for (let i = 0; i < 64; i++) table[standard.charCodeAt(i)] = sorted[i]!;
  return table;
})();

/**
 * `--dry-run`: every row is validated and checked against the users already stored (the conflict
 * mode decides as in a real run); nothing is written, rejected rows go to `onRejected`. Rows are
 * not checked against earlier rows of the same file (that would need memory growing with it).
 */
export class DryRunStore implements ImportStore {
  readonly #find: Sqlite.Statement;
  counts: ImportCounts = { inserted: 0, updated: 0, skipped: 0, rejected: 0 };

  constructor(
    sqlite: Sqlite.Database,
    private readonly tenant: string,
    private readonly onRejected: (errors: RowError[]) => void,
  ) {
    this.#find = sqlite.prepare(
      `SELECT id, email, username, customer_id, external_id FROM users WHERE tenant = ? AND (email = ? OR username = ? OR customer_id = ? OR external_id = ? OR id = ?)`,
    );
  }

  async commit(job: ImportJob, batch: ImportBatch): Promise<ImportCounts> {
    const errors = [...batch.rejected];
    const lines = new Set(batch.rejected.map((e) => e.line));
    for (const user of batch.users) {
      const rows = this.#find.all(this.tenant, user.email, user.username, user.customerId, user.externalId, user.id) as Record<string, string | null>[];
      const matchColumn = job.options.match === 'email' ? 'email' : 'external_id';
      const key = job.options.match === 'email' ? user.email : user.externalId;
      const matched = rows.find((r) => r[matchColumn] === key);
      const others = rows.filter((r) => r !== matched);
      const clash = others.length > 0 ? clashField(others[0]!, user) : undefined;
      if (clash && !(matched && job.options.onConflict === 'skip')) {
        errors.push({ line: user.line, field: clash, reason: 'already taken by another user' });
        lines.add(user.line);
      } else if (!matched) this.counts.inserted++;
      else if (job.options.onConflict === 'skip') this.counts.skipped++;
      else if (job.options.onConflict === 'update') this.counts.updated++;
      else {
        errors.push({ line: user.line, field: job.options.match, reason: `a user with this ${job.options.match === 'email' ? 'email' : 'external id'} already exists` });
        lines.add(user.line);
      }
    }
    this.counts.rejected += lines.size;
    if (errors.length > 0) this.onRejected(errors);
    return { ...this.counts };
  }

  async saveHeader(): Promise<void> {}

  async finish(): Promise<void> {}
}

function clashField(row: Record<string, string | null>, user: { email: string; username: string | null; customerId: string | null; externalId: string | null; id: string | null }): string {
  if (row['email'] === user.email) return 'email';
  if (user.username !== null && row['username'] === user.username) return 'username';
  if (user.customerId !== null && row['customer_id'] === user.customerId) return 'customer';
  if (user.externalId !== null && row['external_id'] === user.externalId) return 'external_id';
  return 'id';
}

/** A job that lives only in memory (dry runs). */
export function transientJob(input: { source: string; format: ImportFormat; options: ImportOptions; totalBytes: number; fingerprint: string }): ImportJob {
  const now = Date.now();
  return {
    id: 'dry-run',
    origin: 'cli',
    state: 'running',
    header: null,
    offset: 0,
    line: 0,
    inserted: 0,
    updated: 0,
    skipped: 0,
    rejected: 0,
    error: null,
    createTime: now,
    updateTime: now,
    finishTime: null,
    ...input,
  };
}

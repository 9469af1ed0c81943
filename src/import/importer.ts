/**
 * The import pipeline, shared by `idbridge users import` and the API's import jobs: bytes in
 * (from the job's checkpoint on), records out (`records.ts`), each mapped and validated
 * (`row.ts`), plain passwords hashed with bounded parallelism, and batches committed with their
 * checkpoint (`ports.ts`). Memory is one chunk plus one batch, whatever the size of the input.
 */
import { IdbridgeError } from '../errors.js';
import { parseCsvRecord } from './csv.js';
import type { ImportBatch, ImportCounts, ImportJob, ImportStore } from './ports.js';
import { RecordSplitter, type RawRecord } from './records.js';
import { csvHeader, csvRecordObject, mapRecord, type HashIdentify, type ImportUser, type RowError } from './row.js';

/** Rows per transaction: large enough that commits cost little, small enough to stay flat. */
export const DEFAULT_BATCH_SIZE = 5000;

export interface ImportProgress extends ImportCounts {
  /** Bytes of the input consumed (committed). */
  offset: number;
  totalBytes: number;
  line: number;
}

export interface RunImportInput {
  job: ImportJob;
  /** The input from `job.offset` on (a resume seeks there). */
  source: AsyncIterable<Uint8Array>;
  store: ImportStore;
  identifyHash: HashIdentify;
  /** The built-in directory's hasher (scrypt): for rows with a plain password. */
  hashPassword: (password: string) => Promise<string>;
  /**
   * Plain passwords hashed at once. The hash is CPU-bound and runs off the event loop (libuv's
   * pool on Node), so more than the cores only queues.
   */
  hashConcurrency?: number;
  batchSize?: number;
  /** After every committed batch. */
  onProgress?: (progress: ImportProgress) => void;
  /** Stops between batches (the checkpoint is then consistent; the job resumes from it). */
  signal?: AbortSignal;
}

/**
 * Run (or resume) an import to its end. Throws {@link IdbridgeError} `invalid_request` for a
 * problem with the file as a whole (bad CSV header, unterminated quote at the end); everything
 * committed before stays, and the checkpoint points after it.
 */
export async function runImport(input: RunImportInput): Promise<ImportCounts> {
  const { job, store } = input;
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const csv = job.format === 'csv';
  const splitter = new RecordSplitter(csv, job.offset, job.line + 1);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const context = { identifyHash: input.identifyHash, requireExternalId: job.options.match === 'external_id' };
  let users: ImportUser[] = [];
  let rejected: RowError[] = [];
  let pending = 0;
  let offset = job.offset;
  let line = job.line;
  let counts: ImportCounts = { inserted: job.inserted, updated: job.updated, skipped: job.skipped, rejected: job.rejected };

  const flush = async () => {
    if (offset === job.offset) return;
    await hashPlainPasswords(users, input.hashPassword, input.hashConcurrency ?? 2);
    const batch: ImportBatch = { users, rejected, offset, line };
    counts = await store.commit(job, batch);
    Object.assign(job, counts, { offset, line });
    users = [];
    rejected = [];
    pending = 0;
    input.onProgress?.({ ...counts, offset, line, totalBytes: job.totalBytes });
  };

  const handle = async (record: RawRecord) => {
    offset = record.end;
    line = record.lastLine;
    let text: string;
    try {
      text = decoder.decode(record.bytes);
    } catch {
      rejected.push({ line: record.line, field: 'row', reason: 'not valid UTF-8' });
      pending++;
      return;
    }
    if (text.trim() === '') return;
    let object: unknown;
    if (csv) {
      const fields = parseCsvRecord(text);
      if (!job.header) {
        const header = fields.ok ? csvHeader(fields.fields) : { ok: false as const, reason: fields.reason };
        if (!header.ok) throw new IdbridgeError('invalid_request', `line ${record.line} (the header): ${header.reason}`);
        await store.saveHeader(job, header.columns, offset, line);
        Object.assign(job, { header: header.columns, offset, line });
        return;
      }
      if (!fields.ok) {
        rejected.push({ line: record.line, field: 'row', reason: fields.reason });
        pending++;
        return;
      }
      const mapped = csvRecordObject(job.header, fields.fields);
      if (typeof mapped === 'string') {
        rejected.push({ line: record.line, field: 'row', reason: mapped });
        pending++;
        return;
      }
      object = mapped;
    } else {
      try {
        object = JSON.parse(text);
      } catch {
        rejected.push({ line: record.line, field: 'row', reason: 'not valid JSON' });
        pending++;
        return;
      }
    }
    const result = mapRecord(object, record.line, context);
    if (Array.isArray(result)) rejected.push(...result);
    else users.push(result);
    pending++;
  };

  for await (const chunk of input.source) {
    for (const record of splitter.push(chunk)) await handle(record);
    if (pending >= batchSize) {
      if (input.signal?.aborted) throw input.signal.reason ?? new Error('aborted');
      await flush();
    }
  }
  for (const record of splitter.finish()) await handle(record);
  if (csv && !job.header) throw new IdbridgeError('invalid_request', 'the file is empty (no CSV header)');
  await flush();
  return counts;
}

/** Hash the rows' plain passwords, at most `concurrency` at a time; the plain text is dropped. */
async function hashPlainPasswords(users: ImportUser[], hash: (password: string) => Promise<string>, concurrency: number): Promise<void> {
  const todo = users.filter((u) => u.password !== undefined);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const user = todo[next++]!;
      user.passwordHash = await hash(user.password!);
      delete user.password;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, todo.length)) }, worker));
}

/**
 * The server's import jobs ({@link ImportJobs}): an upload is streamed to a file in the imports
 * folder (next to the database), then imported in the background, one job at a time, with the
 * same checkpoints as the CLI. A job the server was running when it stopped (or was killed)
 * resumes from its checkpoint at the next start. The file is removed when its job has finished.
 */
import type Sqlite from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { IdbridgeError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { ImportJob, ImportJobs, ImportUpload } from '../../../import/ports.js';
import type { RowError } from '../../../import/row.js';
import { detectFormat, fileFingerprint, newImportId, nodeHashIdentify, runFileImport, sqliteImportStore } from './file-import.js';
import type { SqliteImportStore, SqliteImportStoreDeps } from './sqlite-import-store.js';

export interface NodeImportJobsOptions {
  sqlite: Sqlite.Database;
  tenant: string;
  /** The database file (the imports folder goes next to it); `:memory:`: the system temp folder. */
  databasePath: string;
  hashPassword: (password: string) => Promise<string>;
  logger: Logger;
  recordEvent?: SqliteImportStoreDeps['recordEvent'];
}

export class NodeImportJobs implements ImportJobs {
  readonly #store: SqliteImportStore;
  readonly #folder: string;
  readonly #queue: string[] = [];
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;
  readonly #identify = nodeHashIdentify();

  constructor(private readonly options: NodeImportJobsOptions) {
    this.#store = sqliteImportStore(options.sqlite, options.tenant, { recordEvent: options.recordEvent });
    this.#folder = options.databasePath === ':memory:' ? join(tmpdir(), 'idbridge-imports') : join(dirname(options.databasePath), 'imports');
  }

  /** Queue the jobs a previous server process left unfinished. */
  resumeUnfinished(): void {
    for (const job of this.#store.unfinishedJobs('api')) this.#enqueue(job.id);
  }

  async start(upload: ImportUpload): Promise<ImportJob> {
    mkdirSync(this.#folder, { recursive: true, mode: 0o700 });
    const id = newImportId();
    const path = join(this.#folder, `${id}.upload`);
    try {
      await pipeline(Readable.fromWeb(upload.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(path, { mode: 0o600 }));
    } catch (error) {
      rmSync(path, { force: true });
      if (error instanceof IdbridgeError) throw error; // payload_too_large from the body limit
      throw new IdbridgeError('invalid_request', 'The upload was interrupted.', { cause: error });
    }
    const { size, fingerprint, head } = fileFingerprint(path);
    if (size === 0) {
      rmSync(path, { force: true });
      throw new IdbridgeError('invalid_request', 'the uploaded file is empty');
    }
    const job = this.#store.createJob({ id, origin: 'api', source: path, fingerprint, format: upload.format ?? detectFormat(path, head), options: upload.options, totalBytes: size, state: 'queued' });
    this.#enqueue(job.id);
    return job;
  }

  async find(id: string): Promise<ImportJob | null> {
    const job = this.#store.findJob(id);
    return job && job.origin === 'api' ? job : null;
  }

  async errors(id: string, afterLine: number, limit: number): Promise<RowError[]> {
    return [...this.#store.errors(id, { afterLine, limit })];
  }

  /** Stop after the batch in flight (server shutdown); the job resumes at the next start. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error('server stopping'));
    await this.#running;
  }

  /** Wait until every queued job has finished (tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #enqueue(id: string): void {
    this.#queue.push(id);
    this.#running ??= this.#drain().finally(() => (this.#running = undefined));
  }

  async #drain(): Promise<void> {
    for (let id = this.#queue.shift(); id !== undefined && !this.#abort.signal.aborted; id = this.#queue.shift()) {
      const job = this.#store.findJob(id);
      if (!job) continue;
      await this.#run(job);
    }
  }

  async #run(job: ImportJob): Promise<void> {
    const store = this.#store;
    try {
      await store.finish(job, 'running');
      await runFileImport({ job, path: job.source, store, identifyHash: this.#identify, hashPassword: this.options.hashPassword, signal: this.#abort.signal });
      await store.finish(job, 'completed');
      this.options.logger.log('info', 'import_completed', { import: job.id, inserted: job.inserted, updated: job.updated, skipped: job.skipped, rejected: job.rejected });
    } catch (error) {
      if (this.#abort.signal.aborted) {
        await store.finish(job, 'running'); // picked up again at the next start
        return;
      }
      const reason = error instanceof IdbridgeError ? error.description : 'unexpected error';
      await store.finish(job, 'failed', reason);
      this.options.logger.log('warn', 'import_failed', { import: job.id, reason, error: error instanceof IdbridgeError ? undefined : String((error as Error)?.message ?? error) });
    }
    rmSync(job.source, { force: true });
  }
}

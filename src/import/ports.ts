/**
 * The storage port of the importer, implemented on better-sqlite3 by the Node entry
 * (`src/entry/node/import/sqlite-import-store.ts`): one transaction per batch, holding the users,
 * the rejected rows and the checkpoint together, so a crash at any point leaves either the whole
 * batch and its checkpoint or neither.
 */
import type { ImportUser, RowError } from './row.js';

export type ImportFormat = 'csv' | 'jsonl';
export type MatchKey = 'email' | 'external_id';
export type ConflictMode = 'skip' | 'update' | 'fail';
export type ImportState = 'queued' | 'running' | 'interrupted' | 'completed' | 'failed';

export interface ImportOptions {
  match: MatchKey;
  onConflict: ConflictMode;
  /** Write a `user.created` / `user.updated` event per row into the webhook outbox (default on). */
  events: boolean;
}

export interface ImportCounts {
  inserted: number;
  updated: number;
  skipped: number;
  rejected: number;
}

/** An import run and its checkpoint (`import_jobs`). */
export interface ImportJob extends ImportCounts {
  id: string;
  origin: 'cli' | 'api';
  source: string;
  fingerprint: string;
  format: ImportFormat;
  options: ImportOptions;
  /** CSV: the header's columns once read. */
  header: string[] | null;
  state: ImportState;
  /** Bytes of the input consumed by committed batches: a resume seeks here. */
  offset: number;
  /** The number of lines consumed (the next record starts on `line + 1`). */
  line: number;
  totalBytes: number;
  error: string | null;
  createTime: number;
  updateTime: number;
  finishTime: number | null;
}

/** One batch: the valid users, the rows rejected by validation, and where the batch ends. */
export interface ImportBatch {
  users: ImportUser[];
  rejected: RowError[];
  /** Offset and line count after the batch's last record. */
  offset: number;
  line: number;
}

export interface ImportStore {
  /**
   * Write the batch (insert, or per the conflict mode skip / update / reject each user), its
   * rejected rows and the new checkpoint in one transaction; return the job's counts after it.
   * A user conflicting on another unique field (username, customer, external id) is rejected
   * with that field.
   */
  commit(job: ImportJob, batch: ImportBatch): Promise<ImportCounts>;
  /** Record the CSV header (and the offset after it) before the first batch. */
  saveHeader(job: ImportJob, header: string[], offset: number, line: number): Promise<void>;
  /** Set the state (and, when failed, the reason) of a job. */
  finish(job: ImportJob, state: ImportState, error?: string): Promise<void>;
}

/** An import upload as the API hands it over: the body, streamed, and the options it came with. */
export interface ImportUpload {
  body: ReadableStream<Uint8Array>;
  /** Absent: detected from the content (`{` first: JSONL). */
  format?: ImportFormat;
  options: ImportOptions;
}

/**
 * Import jobs run by the server (`POST /api/v1/users/imports`): the upload is stored first (a
 * temporary file on Node), then imported in the background, one job at a time, resumed from its
 * checkpoint if the server stops. Absent on runtimes that cannot run them (Workers).
 */
export interface ImportJobs {
  /** Store the upload and queue its import. Throws `payload_too_large` past the upload limit. */
  start(upload: ImportUpload): Promise<ImportJob>;
  find(id: string): Promise<ImportJob | null>;
  /** Rejected rows in file order, after `afterLine`, at most `limit`. */
  errors(id: string, afterLine: number, limit: number): Promise<import('./row.js').RowError[]>;
}

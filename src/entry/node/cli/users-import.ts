import { closeSync, createWriteStream, existsSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { IdbridgeError } from '../../../errors.js';
import { csvField } from '../../../import/csv.js';
import { exportRecord } from '../../../import/export.js';
import type { ImportProgress } from '../../../import/importer.js';
import type { ConflictMode, ImportCounts, ImportFormat, ImportJob, ImportOptions, MatchKey } from '../../../import/ports.js';
import { progressBar, progressJson, rowsDone, type RateWindow } from '../../../import/progress.js';
import type { RowError } from '../../../import/row.js';
import {
  detectFormat,
  DryRunStore,
  fileFingerprint,
  newImportId,
  nodeHashIdentify,
  runFileImport,
  sqliteImportStore,
  transientJob,
} from '../import/file-import.js';
import { iterateUsers, type SqliteImportStore } from '../import/sqlite-import-store.js';
import { quote, UsageError } from './args.js';
import { CancelledError } from './password.js';
import { withDatabase, type Command, type CommandInput } from './command.js';
import { PasswordHasher } from '../../../users/password-hasher.js';
import { nodeScrypt } from '../scrypt.js';

const FORMATS = ['csv', 'jsonl'] as const;
const MATCHES = ['email', 'external_id'] as const;
const CONFLICTS = ['skip', 'update', 'fail'] as const;

function choice<T extends string>(input: CommandInput, name: string, allowed: readonly T[]): T | undefined {
  const value = input.args.string(name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be ${allowed.join(', ')} (not ${quote(value)})`, input.command.name);
  return value as T;
}

export const usersImport: Command = {
  name: 'users import',
  synopsis: 'FILE [--format csv|jsonl] [--match email|external_id] [--on-conflict skip|update|fail] [--dry-run] [--resume | --restart] [--errors FILE] [--no-events]',
  summary: 'Import users in bulk from a CSV or JSONL file (resumable)',
  details: `  FILE                    CSV with a header row (RFC 4180) or JSON Lines; see docs/import.md for the fields
  --format csv|jsonl      default: by the file name (.csv, .jsonl, .ndjson), else by its first character
  --match email|external_id
                          how a row finds an existing user (default email)
  --on-conflict skip|update|fail
                          when it does: leave the user as is, overwrite it with the row, or reject
                          the row into the error report (default fail)
  --dry-run               validate every row and check it against the stored users; write nothing
  --resume                continue the unfinished import of FILE from its checkpoint (after a crash,
                          kill or Ctrl-C); the options are the ones it started with
  --restart               start over although an unfinished import of FILE exists
  --errors FILE           where the error report goes (CSV: line,field,reason); default FILE.errors.csv
  --no-events             write no user.created / user.updated webhook events for the imported users
  --batch-size N          rows per transaction (100-50000, default 5000)
Passwords: a password_hash column in any format idbridge verifies (bcrypt, argon2, PBKDF2, phpass,
…; upgraded to idbridge's scrypt at the first sign-in), a plain password column (hashed here), or
neither (the account has no password). A progress bar is shown on a terminal; with --json, JSON
progress lines and a final summary go to stdout. Exit code 0 when the import completed, also
when rows were rejected (see "rejected" and the report).`,
  side: 'bridge',
  positionals: ['FILE'],
  options: {
    format: { type: 'string' },
    match: { type: 'string' },
    'on-conflict': { type: 'string' },
    'dry-run': { type: 'boolean' },
    resume: { type: 'boolean' },
    restart: { type: 'boolean' },
    errors: { type: 'string' },
    events: { type: 'boolean', negatable: true },
    'batch-size': { type: 'string' },
  },
  run: (input) => {
    const { args } = input;
    const path = resolve(args.positionals[0]!);
    const format = choice(input, 'format', FORMATS);
    const match = choice<MatchKey>(input, 'match', MATCHES);
    const onConflict = choice<ConflictMode>(input, 'on-conflict', CONFLICTS);
    const batchText = args.string('batch-size');
    const batchSize = batchText === undefined ? undefined : /^\d{3,5}$/.test(batchText) && Number(batchText) >= 100 && Number(batchText) <= 50_000 ? Number(batchText) : NaN;
    if (Number.isNaN(batchSize)) throw new UsageError('--batch-size must be a whole number from 100 to 50000', input.command.name);
    if (args.flag('resume') && args.flag('restart')) throw new UsageError('--resume and --restart exclude each other', input.command.name);
    if (args.flag('resume') && args.flag('dry-run')) throw new UsageError('--dry-run cannot resume (it has no checkpoint)', input.command.name);
    if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`no such file ${quote(args.positionals[0]!)}`, input.command.name);
    const errorsPath = resolve(args.string('errors') ?? `${path}.errors.csv`);
    // The database alone, not the whole app (withServices): the import's peak RSS has a target.
    return withDatabase(input, async (config, database) => {
      const { size, fingerprint, head } = fileFingerprint(path);
      const store = sqliteImportStore(database.sqlite, config.tenant);
      const identifyHash = nodeHashIdentify();
      // The hasher the app makes for the built-in directory (app.ts), from the same settings.
      const hasher = new PasswordHasher(nodeScrypt, config.passwordHash);
      const hashPassword = (password: string) => hasher.hash(password);
      const reporter = progressReporter(input);

      if (args.flag('dry-run')) {
        const options: ImportOptions = { match: match ?? 'email', onConflict: onConflict ?? 'fail', events: false };
        const job = transientJob({ source: path, format: format ?? detectFormat(path, head), options, totalBytes: size, fingerprint });
        const report = new ErrorReport(errorsPath);
        const dry = new DryRunStore(database.sqlite, config.tenant, (errors) => report.write(errors));
        try {
          reporter.start(job);
          // Plain passwords are not hashed in a dry run: their rules are checked, nothing is stored.
          await runFileImport({ job, path, store: dry, identifyHash, hashPassword: async () => '', onProgress: reporter.progress, batchSize });
        } finally {
          reporter.done();
          report.close(dry.counts.rejected > 0);
        }
        summary(input, { dry_run: true, ...dry.counts, errors_file: dry.counts.rejected > 0 ? errorsPath : null }, job);
        return;
      }

      let job: ImportJob;
      const unfinished = store.findUnfinished(path);
      if (args.flag('resume')) {
        if (!unfinished) throw new IdbridgeError('invalid_request', `there is no unfinished import of ${path} to resume`);
        const differs = (format && format !== unfinished.format) || (match && match !== unfinished.options.match) || (onConflict && onConflict !== unfinished.options.onConflict);
        if (differs) throw new UsageError(`a resume continues with the options the import started with (format ${unfinished.format}, --match ${unfinished.options.match}, --on-conflict ${unfinished.options.onConflict})`, input.command.name);
        job = unfinished;
      } else {
        if (unfinished && !args.flag('restart')) {
          throw new IdbridgeError(
            'conflict',
            `an unfinished import of this file exists (${unfinished.id}, ${rowsDone(unfinished).toLocaleString('en')} rows done up to line ${unfinished.line}); --resume continues it, --restart starts over`,
          );
        }
        if (unfinished) await store.finish(unfinished, 'failed', 'superseded by a restart');
        const options: ImportOptions = { match: match ?? 'email', onConflict: onConflict ?? 'fail', events: args.flag('events') ?? true };
        job = store.createJob({ id: newImportId(), origin: 'cli', source: path, fingerprint, format: format ?? detectFormat(path, head), options, totalBytes: size });
      }

      // Ctrl-C stops after the batch in flight; the checkpoint then matches the stored rows.
      const abort = new AbortController();
      const onSigint = () => abort.abort(new CancelledError(`interrupted; \`idbridge users import ${args.positionals[0]} --resume\` continues`));
      process.once('SIGINT', onSigint);
      let counts: ImportCounts;
      reporter.start(job);
      try {
        await store.finish(job, 'running');
        counts = await runFileImport({ job, path, store, identifyHash, hashPassword, onProgress: reporter.progress, signal: abort.signal, batchSize });
        await store.finish(job, 'completed');
      } catch (error) {
        reporter.done();
        if (error instanceof CancelledError) await store.finish(job, 'interrupted');
        else await store.finish(job, 'failed', error instanceof IdbridgeError ? error.description : 'unexpected error');
        if (!(error instanceof CancelledError)) await writeReport(store, job.id, errorsPath);
        throw error;
      } finally {
        process.off('SIGINT', onSigint);
      }
      reporter.done();
      const reported = await writeReport(store, job.id, errorsPath);
      summary(input, { id: job.id, ...counts, errors_file: reported ? errorsPath : null }, job);
    });
  },
};

export const usersExport: Command = {
  name: 'users export',
  synopsis: '[--with-hashes] [--out FILE]',
  summary: 'Write every user as JSON Lines (for backups and moves; imports back unchanged)',
  details: `  --out FILE              write there (replaced when done) instead of stdout
  --with-hashes           include the password hashes (treat the file like the database itself)`,
  side: 'bridge',
  options: { out: { type: 'string' }, 'with-hashes': { type: 'boolean' } },
  run: (input) =>
    withDatabase(input, async (config, database) => {
      const withHashes = input.args.flag('with-hashes') ?? false;
      const target = input.args.string('out');
      // Into a temporary file next to the target, renamed at the end: no half-written export.
      const temp = target ? join(dirname(resolve(target)), `.${Date.now()}.idbridge-export.tmp`) : undefined;
      const out = temp ? createWriteStream(temp, { mode: 0o600 }) : process.stdout;
      let count = 0;
      for (const user of iterateUsers(database.sqlite, config.tenant)) {
        count++;
        // Backpressure: wait for the stream to drain so memory stays flat for any number of users.
        if (!out.write(`${JSON.stringify(exportRecord(user, { withHashes }))}\n`)) await once(out, 'drain');
      }
      if (temp && target) {
        await new Promise<void>((resolveEnd, reject) => (out as ReturnType<typeof createWriteStream>).end((error?: Error | null) => (error ? reject(error) : resolveEnd())));
        renameSync(temp, resolve(target));
        process.stderr.write(`Exported ${count.toLocaleString('en')} user(s) to ${target}${withHashes ? ' (with password hashes)' : ''}\n`);
      }
    }),
};

function summary(input: CommandInput, result: Record<string, unknown>, job: ImportJob): void {
  if (input.json) {
    process.stdout.write(`${JSON.stringify({ import: { format: job.format, file: job.source, ...result } })}\n`);
    return;
  }
  const r = result as unknown as ImportCounts & { errors_file: string | null; dry_run?: boolean };
  const verb = r.dry_run ? 'Dry run (nothing written): would insert' : 'Imported';
  const lines = [`${verb} ${r.inserted.toLocaleString('en')}, ${r.dry_run ? 'update' : 'updated'} ${r.updated.toLocaleString('en')}, ${r.dry_run ? 'skip' : 'skipped'} ${r.skipped.toLocaleString('en')}; rejected ${r.rejected.toLocaleString('en')} row(s)`];
  if (r.errors_file) lines.push(`Rejected rows (line, field, reason): ${r.errors_file}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The progress bar (terminal) or JSON lines (`--json`); nothing when piped without `--json`. */
function progressReporter(input: CommandInput) {
  let window: RateWindow = { startRows: 0, startBytes: 0, startedAt: Date.now() };
  let last = 0;
  let drawn = false;
  const tty = process.stderr.isTTY && !input.json;
  return {
    start(job: ImportJob) {
      window = { startRows: rowsDone(job), startBytes: job.offset, startedAt: Date.now() };
    },
    progress: (p: ImportProgress) => {
      const now = Date.now();
      if (input.json) {
        if (now - last >= 1000 || p.offset >= p.totalBytes) {
          last = now;
          process.stdout.write(`${JSON.stringify(progressJson(p, window, now))}\n`);
        }
      } else if (tty && now - last >= 200) {
        last = now;
        drawn = true;
        process.stderr.write(`\r${progressBar(p, window, now)}\x1b[K`);
      }
    },
    done() {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}

/** The error report as CSV (`line,field,reason`), written next to the input by default. */
class ErrorReport {
  readonly #temp: string;
  #fd: number;

  constructor(private readonly path: string) {
    this.#temp = `${path}.tmp`;
    this.#fd = openSync(this.#temp, 'w', 0o600);
    writeSync(this.#fd, 'line,field,reason\n');
  }

  write(errors: Iterable<RowError>): void {
    let text = '';
    for (const e of errors) {
      text += `${e.line},${csvField(e.field)},${csvField(e.reason)}\n`;
      if (text.length > 64 * 1024) {
        writeSync(this.#fd, text);
        text = '';
      }
    }
    if (text) writeSync(this.#fd, text);
  }

  /** Keep the report (replacing an older one) when there is something in it. */
  close(keep: boolean): void {
    closeSync(this.#fd);
    if (keep) renameSync(this.#temp, this.path);
    else rmSync(this.#temp, { force: true });
  }
}

async function writeReport(store: SqliteImportStore, jobId: string, path: string): Promise<boolean> {
  const report = new ErrorReport(path);
  let any = false;
  try {
    const rows = store.errors(jobId);
    const chunk: RowError[] = [];
    for (const row of rows) {
      any = true;
      chunk.push(row);
      if (chunk.length >= 1000) report.write(chunk.splice(0));
    }
    report.write(chunk);
  } finally {
    report.close(any);
  }
  return any;
}

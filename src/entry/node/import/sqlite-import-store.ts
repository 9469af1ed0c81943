/**
 * The importer's storage (`src/import/ports.ts`) on better-sqlite3: prepared statements and one
 * synchronous transaction per batch holding the users, the rejected rows and the checkpoint.
 *
 * Why raw better-sqlite3 and not the Drizzle repositories: a batch must be one transaction, and
 * the repositories are written for both drivers (every query awaited, which a better-sqlite3
 * transaction cannot contain); and the 1 M-row target leaves a few microseconds per row. The
 * statements name the columns of `src/storage/schema.ts` (`users`, `import_jobs`,
 * `import_errors`); the tests run them against the migrated schema, so drift fails there.
 */
import type Sqlite from 'better-sqlite3';
import type { ImportBatch, ImportCounts, ImportJob, ImportOptions, ImportState, ImportStore } from '../../../import/ports.js';
import type { ImportUser, RowError } from '../../../import/row.js';
import type { UserEventType } from '../../../users/user-events.js';
import type { StoredUser } from '../../../users/user-store.js';

const PROFILE = ['nickname', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone'] as const;

/** Which import field a unique-constraint message names. */
const CONSTRAINT_FIELD: [RegExp, string][] = [
  [/users\.email/, 'email'],
  [/users\.username/, 'username'],
  [/users\.customer_id/, 'customer'],
  [/users\.external_id/, 'external_id'],
  [/users\.id/, 'id'],
];

export interface SqliteImportStoreDeps {
  now(): number;
  /** A new opaque user id (`u_…`, as `createUser` makes them). */
  newUserId(): string;
  /**
   * Records a change event in the webhook outbox. Called synchronously inside the batch's
   * transaction, on the same connection, so an event exists exactly when its row does.
   */
  recordEvent?: (type: UserEventType, userId: string, at: number) => void;
}

export class SqliteImportStore implements ImportStore {
  readonly #insertUser: Sqlite.Statement;
  readonly #updateUser: Sqlite.Statement;
  readonly #findBy: Record<'email' | 'external_id', Sqlite.Statement>;
  readonly #insertError: Sqlite.Statement;
  readonly #checkpoint: Sqlite.Statement;
  readonly #commit: (job: ImportJob, batch: ImportBatch) => ImportCounts;

  constructor(
    private readonly sqlite: Sqlite.Database,
    private readonly tenant: string,
    private readonly deps: SqliteImportStoreDeps,
  ) {
    const columns = ['tenant', 'id', 'email', 'username', 'password_hash', ...PROFILE, 'phone', 'customer_id', 'external_id', 'attributes', 'email_verified', 'blocked', 'create_time', 'update_time'];
    this.#insertUser = sqlite.prepare(`INSERT INTO users (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    // An update replaces the user's data with the row's, except: the id and creation time never
    // change, a row without a password keeps the stored one, and custom attributes are merged.
    this.#updateUser = sqlite.prepare(
      `UPDATE users SET email = ?, username = ?, password_hash = COALESCE(?, password_hash), ${PROFILE.map((c) => `${c} = ?`).join(', ')},
       phone = ?, customer_id = ?, external_id = ?, attributes = json_patch(attributes, ?), email_verified = ?, blocked = ?, update_time = ?
       WHERE tenant = ? AND id = ?`,
    );
    this.#findBy = {
      email: sqlite.prepare('SELECT id FROM users WHERE tenant = ? AND email = ?').pluck(),
      external_id: sqlite.prepare('SELECT id FROM users WHERE tenant = ? AND external_id = ?').pluck(),
    };
    this.#insertError = sqlite.prepare('INSERT INTO import_errors (tenant, job_id, line, field, reason) VALUES (?, ?, ?, ?, ?)');
    this.#checkpoint = sqlite.prepare(
      `UPDATE import_jobs SET "offset" = ?, line = ?, inserted = inserted + ?, updated = updated + ?, skipped = skipped + ?, rejected = rejected + ?,
       state = 'running', update_time = ? WHERE tenant = ? AND id = ? RETURNING inserted, updated, skipped, rejected`,
    );
    // A large import touches six indexes; 8 MiB of page cache (default 2) keeps their upper
    // levels in memory. More did not lower the CPU per row and counts against the RSS target.
    if ((sqlite.pragma('cache_size', { simple: true }) as number) > -8192) sqlite.pragma('cache_size = -8192');
    this.#commit = sqlite.transaction((job: ImportJob, batch: ImportBatch) => this.#write(job, batch));
  }

  /** Start a job (state `running`, checkpoint at the start of the input). */
  createJob(input: { id: string; origin: 'cli' | 'api'; source: string; fingerprint: string; format: ImportJob['format']; options: ImportOptions; totalBytes: number; state?: ImportState }): ImportJob {
    const now = this.deps.now();
    this.sqlite
      .prepare(
        `INSERT INTO import_jobs (tenant, id, origin, source, fingerprint, format, options, state, total_bytes, create_time, update_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(this.tenant, input.id, input.origin, input.source, input.fingerprint, input.format, JSON.stringify(input.options), input.state ?? 'running', input.totalBytes, now, now);
    return this.findJob(input.id)!;
  }

  findJob(id: string): ImportJob | null {
    const row = this.sqlite.prepare('SELECT * FROM import_jobs WHERE tenant = ? AND id = ?').get(this.tenant, id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  /** The newest job of this input that did not finish (for `--resume`). */
  findUnfinished(source: string): ImportJob | null {
    const row = this.sqlite
      .prepare(`SELECT * FROM import_jobs WHERE tenant = ? AND source = ? AND state IN ('queued', 'running', 'interrupted') ORDER BY create_time DESC, rowid DESC LIMIT 1`)
      .get(this.tenant, source) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  /** Jobs the server was running when it stopped: they resume from their checkpoints. */
  unfinishedJobs(origin: 'cli' | 'api'): ImportJob[] {
    const rows = this.sqlite.prepare(`SELECT * FROM import_jobs WHERE tenant = ? AND origin = ? AND state IN ('queued', 'running') ORDER BY create_time`).all(this.tenant, origin) as JobRow[];
    return rows.map(toJob);
  }

  async commit(job: ImportJob, batch: ImportBatch): Promise<ImportCounts> {
    return this.#commit(job, batch);
  }

  async saveHeader(job: ImportJob, header: string[], offset: number, line: number): Promise<void> {
    this.sqlite
      .prepare(`UPDATE import_jobs SET header = ?, "offset" = ?, line = ?, update_time = ? WHERE tenant = ? AND id = ?`)
      .run(JSON.stringify(header), offset, line, this.deps.now(), this.tenant, job.id);
  }

  async finish(job: ImportJob, state: ImportState, error?: string): Promise<void> {
    const now = this.deps.now();
    const final = state === 'completed' || state === 'failed';
    this.sqlite
      .prepare('UPDATE import_jobs SET state = ?, error = ?, update_time = ?, finish_time = ? WHERE tenant = ? AND id = ?')
      .run(state, error?.slice(0, 1000) ?? null, now, final ? now : null, this.tenant, job.id);
  }

  /** The rejected rows of a job, in file order, streamed. */
  errors(jobId: string, options: { afterLine?: number; limit?: number } = {}): IterableIterator<RowError> {
    const statement = this.sqlite.prepare(
      `SELECT line, field, reason FROM import_errors WHERE tenant = ? AND job_id = ? AND line > ? ORDER BY line, rowid LIMIT ?`,
    );
    return statement.iterate(this.tenant, jobId, options.afterLine ?? 0, options.limit ?? -1) as IterableIterator<RowError>;
  }

  #write(job: ImportJob, batch: ImportBatch): ImportCounts {
    const now = this.deps.now();
    const delta = { inserted: 0, updated: 0, skipped: 0, rejected: 0 };
    const rejectedLines = new Set<number>();
    const reject = (error: RowError) => {
      this.#insertError.run(this.tenant, job.id, error.line, error.field.slice(0, 100), error.reason.slice(0, 500));
      rejectedLines.add(error.line);
    };
    for (const error of batch.rejected) reject(error);
    for (const user of batch.users) {
      const outcome = this.#upsert(user, job.options, now);
      if (typeof outcome === 'object') reject(outcome);
      else delta[outcome]++;
    }
    delta.rejected = rejectedLines.size;
    return this.#checkpoint.get(batch.offset, batch.line, delta.inserted, delta.updated, delta.skipped, delta.rejected, now, this.tenant, job.id) as ImportCounts;
  }

  #upsert(user: ImportUser, options: ImportOptions, now: number): 'inserted' | 'updated' | 'skipped' | RowError {
    const id = user.id ?? this.deps.newUserId();
    const profile = PROFILE.map((c) => user.profile[c] ?? null);
    const attributes = JSON.stringify(user.attributes);
    try {
      this.#insertUser.run(
        this.tenant, id, user.email, user.username, user.passwordHash, ...profile, user.phone, user.customerId, user.externalId,
        attributes, user.emailVerified ? 1 : 0, user.blocked ? 1 : 0, user.createTime ?? now, now,
      );
      if (options.events) this.deps.recordEvent?.('user.created', id, now);
      return 'inserted';
    } catch (error) {
      const field = constraintField(error);
      if (!field) throw error;
      // Taken: by the user this row matches (then the conflict mode decides), or by another one.
      const key = options.match === 'email' ? user.email : user.externalId;
      const existing = key === null ? undefined : (this.#findBy[options.match].get(this.tenant, key) as string | undefined);
      if (existing === undefined) return { line: user.line, field, reason: `already taken by another user` };
      if (options.onConflict === 'skip') return 'skipped';
      if (options.onConflict === 'fail') return { line: user.line, field: options.match, reason: `a user with this ${options.match === 'email' ? 'email' : 'external id'} already exists` };
      try {
        this.#updateUser.run(
          user.email, user.username, user.passwordHash, ...profile, user.phone, user.customerId, user.externalId,
          attributes, user.emailVerified ? 1 : 0, user.blocked ? 1 : 0, now, this.tenant, existing,
        );
      } catch (updateError) {
        const other = constraintField(updateError);
        if (!other) throw updateError;
        return { line: user.line, field: other, reason: 'already taken by another user' };
      }
      if (options.events) this.deps.recordEvent?.('user.updated', existing, now);
      return 'updated';
    }
  }
}

function constraintField(error: unknown): string | undefined {
  const e = error as { code?: string; message?: string };
  if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e?.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
  return CONSTRAINT_FIELD.find(([pattern]) => pattern.test(e.message ?? ''))?.[1] ?? 'row';
}

interface JobRow {
  id: string;
  origin: 'cli' | 'api';
  source: string;
  fingerprint: string;
  format: ImportJob['format'];
  options: string;
  header: string | null;
  state: ImportState;
  offset: number;
  line: number;
  total_bytes: number;
  inserted: number;
  updated: number;
  skipped: number;
  rejected: number;
  error: string | null;
  create_time: number;
  update_time: number;
  finish_time: number | null;
}

function toJob(row: JobRow): ImportJob {
  return {
    id: row.id,
    origin: row.origin,
    source: row.source,
    fingerprint: row.fingerprint,
    format: row.format,
    options: JSON.parse(row.options) as ImportOptions,
    header: row.header === null ? null : (JSON.parse(row.header) as string[]),
    state: row.state,
    offset: row.offset,
    line: row.line,
    totalBytes: row.total_bytes,
    inserted: row.inserted,
    updated: row.updated,
    skipped: row.skipped,
    rejected: row.rejected,
    error: row.error,
    createTime: row.create_time,
    updateTime: row.update_time,
    finishTime: row.finish_time,
  };
}

/**
 * Every user of the tenant in a stable order (creation time, id), streamed from one statement:
 * memory stays flat for any number of users (WAL: the read sees one snapshot; writers go on).
 */
export function* iterateUsers(sqlite: Sqlite.Database, tenant: string): Generator<StoredUser> {
  const statement = sqlite.prepare('SELECT * FROM users WHERE tenant = ? ORDER BY create_time, id');
  for (const row of statement.iterate(tenant) as IterableIterator<Record<string, unknown>>) {
    const profile: StoredUser['profile'] = { email: row['email'] as string };
    for (const c of PROFILE) if (row[c]) profile[c] = row[c] as string;
    let attributes: Record<string, string> = {};
    try {
      const parsed: unknown = JSON.parse(row['attributes'] as string);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        attributes = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      }
    } catch {
      // a broken attributes value exports as none
    }
    yield {
      id: row['id'] as string,
      email: row['email'] as string,
      username: (row['username'] as string | null) ?? null,
      passwordHash: (row['password_hash'] as string | null) ?? null,
      emailVerified: row['email_verified'] === 1,
      blocked: row['blocked'] === 1,
      profile,
      phone: (row['phone'] as string | null) ?? null,
      customerId: (row['customer_id'] as string | null) ?? null,
      externalId: (row['external_id'] as string | null) ?? null,
      attributes,
      loginsCount: row['logins_count'] as number,
      loginTime: (row['login_time'] as number | null) ?? null,
      createTime: row['create_time'] as number,
      updateTime: row['update_time'] as number,
    };
  }
}

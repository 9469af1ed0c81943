/**
 * A real SQLite-backed {@link SiteUserSource} for tests of the layers above a source (the site
 * directory, the bridge, the CLI): a site's user table in a SQLite file (better-sqlite3), bcrypt
 * hashes checked by bcryptjs (an implementation independent of ours). It is a test stand-in for
 * the SQL directory's `SqlSiteSource`, kept deliberately small: a column map, case-insensitive
 * logins, an unknown user costs one bcrypt check like a real one.
 *
 * `stop()` makes every call fail as an unreachable database would (DirectoryUnavailableError),
 * and `calls` counts every query, to prove when the site was not asked at all.
 */
import Database from 'better-sqlite3';
import bcrypt from 'bcryptjs';
import type { AttributeName, Attributes } from '../../src/users/profile.js';
import { DirectoryUnavailableError, type SiteCredentialResult, type SiteUserRecord, type SiteUserSource, type SourceCheck } from '../../src/users/site-source.js';

export interface SiteTableMapping {
  table: string;
  id: string;
  email?: string;
  username?: string;
  passwordHash: string;
  blocked?: string;
  emailVerified?: string;
  attributes?: Partial<Record<AttributeName, string>>;
}

export class SqliteSiteSource implements SiteUserSource {
  readonly kind = 'sql' as const;
  readonly db: Database.Database;
  calls = 0;
  rewrites: Array<{ key: string; format: string }> = [];
  #stopped = false;
  #dummy: string;

  constructor(
    path: string,
    readonly mapping: SiteTableMapping,
    options: { bcryptCost?: number } = {},
  ) {
    this.db = new Database(path);
    this.#dummy = bcrypt.hashSync('idbridge-test-dummy', options.bcryptCost ?? 4);
  }

  /** Simulate the site's database going away (or coming back). */
  stop(): void {
    this.#stopped = true;
  }
  start(): void {
    this.#stopped = false;
  }

  async verifyCredentials(login: string, password: string): Promise<SiteCredentialResult> {
    const row = this.#select(this.#loginWhere(), { login });
    const hash = row ? row[this.mapping.passwordHash] : undefined;
    if (!row || typeof hash !== 'string' || !/^\$2[aby]\$/.test(hash)) {
      await bcrypt.compare(password, this.#dummy);
      return { ok: false };
    }
    if (!(await bcrypt.compare(password, hash))) return { ok: false };
    const cost = Number(hash.slice(4, 6));
    return { ok: true, record: this.#record(row), format: 'bcrypt', upgrade: cost < 5 };
  }

  async findByKey(key: string): Promise<SiteUserRecord | null> {
    const row = this.#select(`"${this.mapping.id}" = :key`, { key });
    return row ? this.#record(row) : null;
  }

  async findByEmail(email: string): Promise<SiteUserRecord | null> {
    if (!this.mapping.email) return null;
    const row = this.#select(`"${this.mapping.email}" = :email COLLATE NOCASE`, { email });
    return row ? this.#record(row) : null;
  }

  async rewriteHash(key: string, password: string, format: string): Promise<void> {
    this.#guard();
    this.rewrites.push({ key, format });
    this.db.prepare(`UPDATE "${this.mapping.table}" SET "${this.mapping.passwordHash}" = ? WHERE "${this.mapping.id}" = ?`).run(bcrypt.hashSync(password, 5), key);
  }

  async check(options: { sample: number }): Promise<SourceCheck> {
    this.#guard();
    const problems: string[] = [];
    const columns = new Set((this.db.prepare(`PRAGMA table_info("${this.mapping.table}")`).all() as Array<{ name: string }>).map((c) => c.name));
    if (columns.size === 0) return { problems: [`directory.table: no table "${this.mapping.table}"`], notes: [] };
    for (const [setting, column] of Object.entries({ id: this.mapping.id, email: this.mapping.email, username: this.mapping.username, passwordHash: this.mapping.passwordHash })) {
      if (column && !columns.has(column)) problems.push(`directory.columns.${setting}: no column "${column}" in ${this.mapping.table}`);
    }
    if (problems.length) return { problems, notes: [] };
    const rows = this.db.prepare(`SELECT "${this.mapping.id}" AS k, "${this.mapping.passwordHash}" AS h FROM "${this.mapping.table}" LIMIT ?`).all(options.sample) as Array<{ k: unknown; h: unknown }>;
    return { problems, notes: [], hashes: rows.map((r) => ({ key: String(r.k), passwordHash: typeof r.h === 'string' ? r.h : null })) };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  #loginWhere(): string {
    const logins = [this.mapping.email, this.mapping.username].filter(Boolean);
    return logins.map((c) => `"${c}" = :login COLLATE NOCASE`).join(' OR ');
  }

  #guard(): void {
    this.calls++;
    if (this.#stopped || !this.db.open) throw new DirectoryUnavailableError('unreachable', 'test site database stopped');
  }

  #select(where: string, params: Record<string, string>): Record<string, unknown> | undefined {
    this.#guard();
    return this.db.prepare(`SELECT * FROM "${this.mapping.table}" WHERE ${where} LIMIT 1`).get(params) as Record<string, unknown> | undefined;
  }

  #record(row: Record<string, unknown>): SiteUserRecord {
    const m = this.mapping;
    const text = (column: string | undefined) => (column && row[column] != null && row[column] !== '' ? String(row[column]) : null);
    const truthy = (column: string | undefined) => Boolean(column && row[column] != null && row[column] !== 0 && row[column] !== '0' && row[column] !== '');
    const attributes: Attributes = {};
    for (const [name, column] of Object.entries(m.attributes ?? {})) {
      const value = text(column);
      if (value !== null) attributes[name as AttributeName] = value;
    }
    return { key: String(row[m.id]), email: text(m.email), username: text(m.username), blocked: truthy(m.blocked), emailVerified: truthy(m.emailVerified), attributes };
  }
}

/** A Laravel-like `users` table in `path` with the given people (passwords hashed by bcryptjs at `cost`). */
export function createSiteTable(
  path: string,
  people: Array<{ id: number; email: string | null; username?: string; password: string; blocked?: boolean; verified?: boolean; name?: string; phone?: string }>,
  cost = 4,
): SiteTableMapping {
  const db = new Database(path);
  db.exec(`CREATE TABLE IF NOT EXISTS site_users (
    id INTEGER PRIMARY KEY, email TEXT UNIQUE, login TEXT UNIQUE, password TEXT NOT NULL,
    banned INTEGER NOT NULL DEFAULT 0, email_verified_at TEXT, name TEXT, phone TEXT)`);
  const insert = db.prepare('INSERT INTO site_users (id, email, login, password, banned, email_verified_at, name, phone) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const p of people) {
    // PHP's password_hash writes $2y$; bcryptjs writes $2b$ (the same algorithm): store what PHP would.
    const hash = bcrypt.hashSync(p.password, cost).replace(/^\$2b\$/, '$2y$');
    insert.run(p.id, p.email, p.username ?? null, hash, p.blocked ? 1 : 0, p.verified ? '2024-01-01 00:00:00' : null, p.name ?? null, p.phone ?? null);
  }
  db.close();
  return {
    table: 'site_users',
    id: 'id',
    email: 'email',
    username: 'login',
    passwordHash: 'password',
    blocked: 'banned',
    emailVerified: 'email_verified_at',
    attributes: { fullname: 'name', phone: 'phone' },
  };
}

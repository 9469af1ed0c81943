import type { AttributeName } from '../profile.js';

/** The SQL family a connection URL names (decides the preset's query syntax). */
export type PresetDialect = 'postgres' | 'mysql' | 'sqlite';

/**
 * A known application's user table as configuration data: what `directory.preset` fills in.
 * Every key can still be overridden in the config file; the merge happens before validation, so
 * errors name the same paths (`directory.columns.email`).
 */
export interface SqlPreset {
  /** The user table (or view) the columns belong to. */
  table: string;
  columns: {
    id: string;
    email?: string;
    username?: string;
    passwordHash: string;
    /** Truthy (non-zero, true, a timestamp that is set) means blocked. */
    blocked?: string;
    /** Falsy (0, false, NULL) means blocked: Django's `is_active`. */
    active?: string;
    /** Truthy (true, a timestamp that is set) means the email address is verified. */
    emailVerified?: string;
    attributes: Partial<Record<AttributeName, string>>;
  };
  /**
   * Lookups for what a column map cannot say (WordPress' `wp_usermeta` join), used only when the
   * operator overrides neither `columns` nor `queries` (then their mapping is the whole truth).
   * `table` is the (possibly overridden) user table, so a custom table prefix carries over.
   */
  queries?: (context: { table: string; dialect: PresetDialect }) => { byLogin: string; byId: string; byEmail: string };
  /** Hash format ids (the verifier registry's) the application writes; `directory check` notes others. */
  hashFormats: readonly string[];
}

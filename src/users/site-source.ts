import { IdbridgeError } from '../errors.js';
import type { Attributes } from './profile.js';

/**
 * A user as the site's own database (or application) has it, before idbridge maps it to its own
 * opaque user id. `key` is the site's immutable, never-reused key (a primary key, not an email).
 */
export interface SiteUserRecord {
  key: string;
  email: string | null;
  username: string | null;
  blocked: boolean;
  emailVerified: boolean;
  /** Profile attributes the mapping declares (SREG fields and the OIDC extras). */
  attributes: Attributes;
}

/** What a site source answers to a credential check. */
export type SiteCredentialResult =
  /** The password is right (the record may still be blocked: the caller decides). */
  | {
      ok: true;
      record: SiteUserRecord;
      /** The stored hash's format id (the verifier registry's, e.g. `phpass`), or the site's own name for it. */
      format: string;
      /**
       * True when the registry's upgrade policy wants this hash replaced AND the source can write a
       * stronger one in the same format (a bcrypt cost bump), so the site's own application still
       * verifies it. Only then may federated write-back call {@link SiteUserSource.rewriteHash}.
       */
      upgrade?: boolean;
    }
  | { ok: false };

/**
 * The site's own user database behind one small port, implemented by the SQL directory (any
 * engine, hashes checked by the verifier registry) and the HTTP directory (the site's application
 * checks the password). The federated / migrate logic and the mapping to idbridge's user ids sit
 * above it (see `SiteDirectory`), so each source only talks to the site.
 *
 * Failures: a source that cannot reach or understand the site throws
 * {@link DirectoryUnavailableError} (never "wrong password"), and nothing is counted against the
 * user. Unknown users must cost the same as a real check.
 */
export interface SiteUserSource {
  readonly kind: 'sql' | 'http';
  /** Check a login (email or username, compared as the site does) and password. */
  verifyCredentials(login: string, password: string): Promise<SiteCredentialResult>;
  findByKey(key: string): Promise<SiteUserRecord | null>;
  findByEmail(email: string): Promise<SiteUserRecord | null>;
  /**
   * Replace the stored hash of `key` by a stronger one in a format the site's own application
   * verifies (federated write-back). Optional: sources that cannot write simply lack it.
   */
  rewriteHash?(key: string, password: string, format: string): Promise<void>;
  /**
   * Check the mapping against the live site (tables, columns, queries, a sample of rows) for the
   * start-up check and `idbridge directory check`. Problems mean the mapping is wrong: the server
   * refuses to start. May throw {@link DirectoryUnavailableError} when the site cannot be reached.
   */
  check?(options: { sample: number }): Promise<SourceCheck>;
  /** Close pools and sockets (on shutdown). */
  close(): Promise<void>;
}

/**
 * What a source found about its mapping (see {@link SiteUserSource.check}). Sources may return
 * more (the SQL directory's report adds its dialect and a sample record).
 */
export interface SourceCheck {
  /** Each a mapping error naming the setting: `directory.columns.email: no column "mail" in wp_users`. */
  problems: string[];
  /** Remarks that do not make the mapping wrong (a missing index, a case-sensitive login). */
  notes?: string[];
  /** Set when the site could not be asked at all (then `problems` may be incomplete). */
  unavailable?: { reason: string; detail: string };
  /**
   * Sampled rows with their stored hashes (SQL sources; the HTTP site checks passwords itself and
   * has none), so the caller can count formats with the verifier registry. Never printed.
   */
  hashes?: Array<{ key: string; passwordHash: string | null; salt?: string | null }>;
}

/**
 * The site's database or application cannot answer now: the user sees "sign-in is temporarily
 * unavailable" (503), nothing counts against their throttle, and `reason` + `detail` go to the log
 * (never to the page).
 */
export class DirectoryUnavailableError extends IdbridgeError {
  constructor(
    /** `conflict`: migrating the user would collide with another built-in user (the operator must resolve it). */
    readonly reason: 'unreachable' | 'timeout' | 'bad_response' | 'circuit_open' | 'misconfigured' | 'conflict',
    readonly detail: string,
    options: { cause?: unknown } = {},
  ) {
    super('directory_unavailable', 'Sign-in is temporarily unavailable. Please try again in a few minutes.', { status: 503, retryAfter: 30, ...options });
  }
}

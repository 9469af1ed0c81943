import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/*
 * The one schema for both runtimes (better-sqlite3 on Node, D1 on Workers); drizzle-kit generates
 * the migrations in `drizzle/` from this file. Every table carries `tenant`. Times are integer
 * milliseconds since the epoch (UTC); the API layer renders them as RFC 3339.
 */

/** Built-in user directory (the seeds' tenant-scoped user model plus SREG profile fields). */
export const users = sqliteTable(
  'users',
  {
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    email: text('email').notNull(),
    username: text('username'),
    passwordHash: text('password_hash').notNull(),
    nickname: text('nickname'),
    fullname: text('fullname'),
    dob: text('dob'),
    gender: text('gender'),
    postcode: text('postcode'),
    country: text('country'),
    language: text('language'),
    timezone: text('timezone'),
    phone: text('phone'),
    customerId: text('customer_id'),
    externalId: text('external_id'),
    emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
    blocked: integer('blocked', { mode: 'boolean' }).notNull().default(false),
    loginsCount: integer('logins_count').notNull().default(0),
    loginTime: integer('login_time'),
    createTime: integer('create_time').notNull(),
    updateTime: integer('update_time').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.id] }),
    // Emails and usernames are stored lower-cased, so these indexes are case-insensitive in effect.
    uniqueIndex('users_tenant_email').on(t.tenant, t.email),
    uniqueIndex('users_tenant_username').on(t.tenant, t.username),
    uniqueIndex('users_tenant_customer').on(t.tenant, t.customerId),
    uniqueIndex('users_tenant_external').on(t.tenant, t.externalId),
    index('users_tenant_phone').on(t.tenant, t.phone),
  ],
);

/**
 * Sign-in requests the bridge received at its Verify URL (Janrain steps 2–6).
 * State machine: pending → authenticated → posting → posted → returned, with failed (retryable by
 * the user) and rejected (terminal). Transitions are single conditional UPDATEs.
 */
export const bridgeRequests = sqliteTable(
  'bridge_requests',
  {
    tenant: text('tenant').notNull(),
    requestId: text('request_id').notNull(),
    realm: text('realm'),
    requestedAttributes: text('requested_attributes').notNull().default(''),
    /** SHA-256 of the browser id that opened the request: only that browser may continue it. */
    browserHash: text('browser_hash').notNull(),
    state: text('state', {
      enum: ['pending', 'authenticated', 'posting', 'posted', 'returned', 'failed', 'rejected'],
    }).notNull(),
    userId: text('user_id'),
    postbackAttempts: integer('postback_attempts').notNull().default(0),
    manualRetries: integer('manual_retries').notNull().default(0),
    /** While `posting`: until when the current postback owns the request (a crashed one is retaken). */
    leaseUntil: integer('lease_until'),
    lastStatus: integer('last_status'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.requestId] }), index('bridge_requests_expiry').on(t.expiresAt)],
);

/** Bridge sign-in sessions. The cookie holds a sealed random id; only its SHA-256 is stored. */
export const bridgeSessions = sqliteTable(
  'bridge_sessions',
  {
    tenant: text('tenant').notNull(),
    idHash: text('id_hash').notNull(),
    userId: text('user_id').notNull(),
    authTime: integer('auth_time').notNull(),
    amr: text('amr').notNull().default('pwd'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.idHash] }),
    index('bridge_sessions_user').on(t.tenant, t.userId),
    index('bridge_sessions_expiry').on(t.expiresAt),
  ],
);

/** Failed sign-in counters, per account identifier and per client IP (keys are hashed). */
export const loginThrottle = sqliteTable(
  'login_throttle',
  {
    tenant: text('tenant').notNull(),
    key: text('key').notNull(),
    failures: integer('failures').notNull().default(0),
    windowStart: integer('window_start').notNull(),
    lockedUntil: integer('locked_until').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.key] })],
);

/** Small per-tenant settings (generated API key hash, etc.). */
export const settings = sqliteTable(
  'settings',
  {
    tenant: text('tenant').notNull(),
    key: text('key').notNull(),
    value: text('value').notNull(),
    updatedAt: integer('updated_at')
      .notNull()
      .default(sql`0`),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.key] })],
);

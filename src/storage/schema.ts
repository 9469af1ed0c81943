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
    /** Null for an account with no password (created by a connector or invited without one). */
    passwordHash: text('password_hash'),
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
    /**
     * The operator's custom profile fields (config file `profile`), as a JSON object of strings
     * keyed by field name; '{}' when none. Standard fields keep their own columns.
     */
    attributes: text('attributes').notNull().default('{}'),
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
    // The Users API list: keyset pagination in (create_time, id) order.
    index('users_tenant_created').on(t.tenant, t.createTime, t.id),
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
    /** When (ms) and how (space list) the user authenticated for this request. */
    authTime: integer('auth_time'),
    amr: text('amr'),
    /** The authentication context an upstream connector reported (null: a password at the bridge). */
    acr: text('acr'),
    /** Pre-fills the login form (OIDC login_hint). */
    loginHint: text('login_hint'),
    /** The relying party's display name (idbridge extension `client_name`), shown on the login page. */
    clientName: text('client_name'),
    /** The relying party's page languages (`ui_locales`), so every page of this sign-in speaks them. */
    uiLocales: text('ui_locales'),
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
    /** When the session was last used (coarse: refreshed at most every few minutes); null: never since it started. */
    lastUsedAt: integer('last_used_at'),
    /** A coarse device description ("Firefox on Windows") for the account page; never the raw User-Agent. */
    device: text('device'),
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

/**
 * Sign-in requests at the identity service (OpenID 2.0 checkid, later OIDC authorize), from step 1
 * to the assertion. State machine: created → posted_back → completed | cancelled, each transition
 * one conditional UPDATE, so a request id is usable once.
 */
export const authRequests = sqliteTable(
  'auth_requests',
  {
    tenant: text('tenant').notNull(),
    requestId: text('request_id').notNull(),
    protocol: text('protocol', { enum: ['openid2', 'oidc'] }).notNull(),
    /** SHA-256 of the browser id that started the request: only it may finish the request. */
    browserHash: text('browser_hash').notNull(),
    state: text('state', { enum: ['created', 'posted_back', 'completed', 'cancelled'] }).notNull(),
    realm: text('realm').notNull(),
    requestedAttributes: text('requested_attributes').notNull().default(''),
    immediate: integer('immediate', { mode: 'boolean' }).notNull().default(false),
    /** Protocol-specific request data (JSON) needed to answer the relying party. */
    payload: text('payload').notNull(),
    username: text('username'),
    /** Attributes received in the postback (JSON object of SREG field → value). */
    attributes: text('attributes'),
    noPrompt: integer('no_prompt', { mode: 'boolean' }),
    /** From the postback: when the user's password was checked (ms) and how (space list). */
    authTime: integer('auth_time'),
    amr: text('amr'),
    /** From the postback: the authentication context (an upstream connector's `acr`), if any. */
    acr: text('acr'),
    /** SHA-256 of the bridge's return token: only the browser the bridge redirected may finish. */
    returnTokenHash: text('return_token_hash'),
    createdAt: integer('created_at').notNull(),
    postedAt: integer('posted_at'),
    completedAt: integer('completed_at'),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.requestId] }), index('auth_requests_expiry').on(t.expiresAt)],
);

/** Stable opaque public ids for the usernames the bridge reports (the claimed identifier path). */
export const identities = sqliteTable(
  'identities',
  {
    tenant: text('tenant').notNull(),
    username: text('username').notNull(),
    publicId: text('public_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.username] }), uniqueIndex('identities_public').on(t.tenant, t.publicId)],
);

/** Remembered consent: this user shares these attributes with this relying party (realm / client). */
export const consents = sqliteTable(
  'consents',
  {
    tenant: text('tenant').notNull(),
    username: text('username').notNull(),
    audience: text('audience').notNull(),
    /** Sorted, comma-separated list of what was granted (SREG fields or scopes). */
    grants: text('grants').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.username, t.audience] })],
);

/** OpenID 2.0 associations; the MAC key is stored encrypted under the deployment secret. */
export const associations = sqliteTable(
  'associations',
  {
    tenant: text('tenant').notNull(),
    handle: text('handle').notNull(),
    type: text('type', { enum: ['HMAC-SHA1', 'HMAC-SHA256'] }).notNull(),
    secret: text('secret').notNull(),
    /** Private (stateless-mode) associations are used for one assertion and checked at most once. */
    private: integer('private', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.handle] }), index('associations_expiry').on(t.expiresAt)],
);

/** OpenID Connect clients (relying parties). Secrets are stored hashed, never in clear. */
export const oidcClients = sqliteTable(
  'oidc_clients',
  {
    tenant: text('tenant').notNull(),
    clientId: text('client_id').notNull(),
    name: text('name').notNull(),
    /** JSON array of exact redirect URIs. */
    redirectUris: text('redirect_uris').notNull(),
    /** JSON array of exact post-logout redirect URIs. */
    postLogoutRedirectUris: text('post_logout_redirect_uris').notNull().default('[]'),
    public: integer('public', { mode: 'boolean' }).notNull(),
    /** First-party clients skip the consent page (unless prompt=consent). */
    trusted: integer('trusted', { mode: 'boolean' }).notNull().default(false),
    /** Space-separated scopes the client may ask for. */
    scopes: text('scopes').notNull(),
    secretHash: text('secret_hash'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.clientId] })],
);

/** JWS signing keys. Private JWKs are sealed under the deployment secret; public ones are published. */
export const signingKeys = sqliteTable(
  'signing_keys',
  {
    tenant: text('tenant').notNull(),
    kid: text('kid').notNull(),
    alg: text('alg', { enum: ['ES256', 'RS256'] }).notNull(),
    publicJwk: text('public_jwk').notNull(),
    privateJwk: text('private_jwk').notNull(),
    createdAt: integer('created_at').notNull(),
    /** When a newer key replaced this one for signing (null: current). */
    retiredAt: integer('retired_at'),
    /** Published in the JWKS until then (tokens it signed have expired by then). */
    publishUntil: integer('publish_until'),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.kid] })],
);

/**
 * A grant: what one sign-in gave one client (user, scopes, claims snapshot, authentication facts).
 * Codes, access and refresh tokens hang off it; revoking it revokes them all (code reuse, refresh
 * token reuse, logout).
 */
export const oidcGrants = sqliteTable(
  'oidc_grants',
  {
    tenant: text('tenant').notNull(),
    grantId: text('grant_id').notNull(),
    clientId: text('client_id').notNull(),
    username: text('username').notNull(),
    sub: text('sub').notNull(),
    scopes: text('scopes').notNull(),
    /** JSON claims captured at sign-in (from the postback), served by userinfo. */
    claims: text('claims').notNull(),
    authTime: integer('auth_time').notNull(),
    acr: text('acr'),
    amr: text('amr'),
    sid: text('sid'),
    openid2Id: text('openid2_id'),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.grantId] }), index('oidc_grants_sid').on(t.tenant, t.sid)],
);

/** Authorization codes (only their SHA-256 is stored); single use, short-lived. */
export const oidcCodes = sqliteTable(
  'oidc_codes',
  {
    tenant: text('tenant').notNull(),
    codeHash: text('code_hash').notNull(),
    grantId: text('grant_id').notNull(),
    clientId: text('client_id').notNull(),
    redirectUri: text('redirect_uri').notNull(),
    codeChallenge: text('code_challenge'),
    nonce: text('nonce'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    consumedAt: integer('consumed_at'),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.codeHash] })],
);

/** Opaque access and refresh tokens (only their SHA-256 is stored). */
export const oidcTokens = sqliteTable(
  'oidc_tokens',
  {
    tenant: text('tenant').notNull(),
    tokenHash: text('token_hash').notNull(),
    kind: text('kind', { enum: ['access', 'refresh'] }).notNull(),
    grantId: text('grant_id').notNull(),
    clientId: text('client_id').notNull(),
    scopes: text('scopes').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** Refresh tokens: when it was exchanged (rotation); a second use is reuse. */
    consumedAt: integer('consumed_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.tokenHash] }), index('oidc_tokens_grant').on(t.tenant, t.grantId)],
);

/** Identity-service sessions (the `sid` of ID tokens; ended by RP-initiated logout). */
export const opSessions = sqliteTable(
  'op_sessions',
  {
    tenant: text('tenant').notNull(),
    idHash: text('id_hash').notNull(),
    sid: text('sid').notNull(),
    username: text('username').notNull(),
    authTime: integer('auth_time').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.idHash] }), uniqueIndex('op_sessions_sid').on(t.tenant, t.sid)],
);

/**
 * Stable identities for users of a site directory (docs/directory.md): (directory, the site's
 * immutable key) → idbridge's opaque user id, created on first sight and never changed, so the
 * identifier relying parties see never changes and never passes to another person. `migrated_at`
 * is set once the user was copied into `users` (migrate mode); from then on the built-in table
 * serves them. Login counts of users still served by the site live here.
 */
export const directoryLinks = sqliteTable(
  'directory_links',
  {
    tenant: text('tenant').notNull(),
    /** The directory's stable name (`directory.name`, default `site`). */
    directory: text('directory').notNull(),
    siteKey: text('site_key').notNull(),
    userId: text('user_id').notNull(),
    migratedAt: integer('migrated_at'),
    loginsCount: integer('logins_count').notNull().default(0),
    loginTime: integer('login_time'),
    createdAt: integer('created_at').notNull(),
    /**
     * Custom profile fields of a user the site still serves (JSON object, like `users.attributes`,
     * `$offered` included): the site's database has no place for them. Copied into `users` on migration.
     */
    attributes: text('attributes').notNull().default('{}'),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.directory, t.siteKey] }), uniqueIndex('directory_links_user').on(t.tenant, t.userId)],
);

/**
 * The development outbox (mail/outbox.ts): mails "sent" in development and tests, listed at
 * /dev/outbox. Never written in production. Only the newest few hundred are kept.
 */
export const mailOutbox = sqliteTable(
  'mail_outbox',
  {
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    htmlBody: text('html_body').notNull(),
    template: text('template').notNull(),
    locale: text('locale').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.id] }), index('mail_outbox_created').on(t.tenant, t.createdAt)],
);

/**
 * Bearer tokens of the Users API (`idbridge token add`). The token is `idbt_<id>_<secret>`; only
 * the SHA-256 of the whole token is stored, and the id locates the row so the hash comparison is
 * one constant-time compare. Scopes: space-separated (`users:read users:write audit:read`).
 */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    name: text('name'),
    tokenHash: text('token_hash').notNull(),
    scopes: text('scopes').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.id] })],
);

/**
 * Who changed which user how (Users API writes): the actor (`token:<id>` or `admin`), the
 * operation, the user, the names of the fields it changed (never their values) and when.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    operation: text('operation').notNull(),
    userId: text('user_id'),
    /** JSON array of the changed field names. */
    fields: text('fields').notNull().default('[]'),
  },
  (t) => [index('audit_log_tenant_at').on(t.tenant, t.at), index('audit_log_user').on(t.tenant, t.userId)],
);

/**
 * Single-use links sent by mail (email verification, password reset, later account linking).
 * Only the SHA-256 of the random token is stored: a database leak hands out no live links. Used
 * once: the consuming UPDATE matches only an unused, unexpired row (docs/registration.md).
 */
export const emailTokens = sqliteTable(
  'email_tokens',
  {
    tenant: text('tenant').notNull(),
    tokenHash: text('token_hash').notNull(),
    purpose: text('purpose', { enum: ['verify-email', 'reset-password', 'link-account'] }).notNull(),
    userId: text('user_id').notNull(),
    /** The address the link was sent to (for an email change: the new address, not yet the user's). */
    email: text('email').notNull(),
    /** The bridge sign-in the link was asked for in, so the same browser can continue it. */
    requestId: text('request_id'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.tokenHash] }),
    index('email_tokens_user').on(t.tenant, t.userId, t.purpose),
    index('email_tokens_email').on(t.tenant, t.email, t.purpose),
    index('email_tokens_expiry').on(t.expiresAt),
  ],
);

/**
 * Bulk imports (docs/import.md): one row per run of `idbridge users import` or
 * `POST /api/v1/users/imports`. The row is also the checkpoint: `offset` (bytes of the input
 * consumed), `line` and the counts are updated in the same transaction as each batch of users, so
 * after a crash `--resume` continues exactly after the last committed batch.
 */
export const importJobs = sqliteTable(
  'import_jobs',
  {
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    /** `cli` or `api`. */
    origin: text('origin').notNull(),
    /** The input: the absolute path (CLI) or the upload's temporary file (API). */
    source: text('source').notNull(),
    /** Size and SHA-256 of the first 64 KiB: a resume refuses another file under the same name. */
    fingerprint: text('fingerprint').notNull(),
    format: text('format').notNull(),
    /** The options it was started with (match, on_conflict, events) as JSON. */
    options: text('options').notNull(),
    /** CSV: the header's field names as JSON once read; null before (and for JSONL). */
    header: text('header'),
    /** queued | running | interrupted | completed | failed */
    state: text('state').notNull(),
    offset: integer('offset').notNull().default(0),
    line: integer('line').notNull().default(0),
    totalBytes: integer('total_bytes').notNull(),
    inserted: integer('inserted').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    /** Why the job stopped (state failed): a message safe to show. */
    error: text('error'),
    createTime: integer('create_time').notNull(),
    updateTime: integer('update_time').notNull(),
    finishTime: integer('finish_time'),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.id] }), index('import_jobs_source').on(t.tenant, t.source)],
);

/** The rejected rows of an import (line, field, reason), written in the batch's transaction. */
export const importErrors = sqliteTable(
  'import_errors',
  {
    tenant: text('tenant').notNull(),
    jobId: text('job_id').notNull(),
    line: integer('line').notNull(),
    field: text('field').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [index('import_errors_job').on(t.tenant, t.jobId, t.line)],
);

/**
 * Upstream sign-ins in progress at the bridge (connectors): the `state` of an authorization
 * request to an upstream provider, and the password proof a link-by-email waits for. Keyed by the
 * SHA-256 of the random token (state, proof token); the PKCE verifier, nonce and upstream claims
 * are sealed. Bound to the browser and the pending bridge request; deleted when used (single use)
 * and short-lived.
 */
export const connectorFlows = sqliteTable(
  'connector_flows',
  {
    tenant: text('tenant').notNull(),
    idHash: text('id_hash').notNull(),
    kind: text('kind', { enum: ['authorize', 'link_proof'] }).notNull(),
    connectorId: text('connector_id').notNull(),
    /** The pending bridge request this upstream sign-in belongs to (null: linking from the account page). */
    requestId: text('request_id'),
    browserHash: text('browser_hash').notNull(),
    /** Linking from the account page, or a link proof: the local user. */
    userId: text('user_id'),
    /** Sealed JSON (SecretBox): PKCE verifier, nonce, requested acr / max_age, or the upstream identity. */
    sealed: text('sealed').notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.idHash] }), index('connector_flows_expiry').on(t.expiresAt)],
);

/**
 * Upstream identities linked to local users: (connector, upstream subject) → user. The subject is
 * stored only as an HMAC keyed with a secret derived from the deployment secret (an eID subject can
 * be a national id number), never in clear.
 */
export const connectorLinks = sqliteTable(
  'connector_links',
  {
    tenant: text('tenant').notNull(),
    connectorId: text('connector_id').notNull(),
    subjectHash: text('subject_hash').notNull(),
    userId: text('user_id').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.connectorId, t.subjectHash] }),
    // One identity per connector and user: a second Google account would make unlinking ambiguous.
    uniqueIndex('connector_links_user').on(t.tenant, t.userId, t.connectorId),
  ],
);

/**
 * The webhook outbox (change notifications, issue 12 §3): one row per change of a user, written in
 * the same transaction as the change itself (`user-writes.ts`), so an event exists exactly when
 * its change does. `data` is a snapshot of the user row taken inside that transaction (never the
 * password hash); `sequence` counts the user's events (1, 2, 3…) so receivers can order them.
 * `fanned_out_at` is set once the delivery worker created the deliveries for the endpoints
 * subscribed at that time.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    tenant: text('tenant').notNull(),
    /** The idempotency id receivers see (`Idbridge-Event-Id`), stable across retries. */
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    sequence: integer('sequence').notNull(),
    type: text('type').notNull(),
    occurredAt: integer('occurred_at').notNull(),
    /** JSON: the user row's columns after the change (before it, for `user.deleted`). */
    data: text('data').notNull(),
    fannedOutAt: integer('fanned_out_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.id] }),
    uniqueIndex('webhook_events_user_sequence').on(t.tenant, t.userId, t.sequence),
    index('webhook_events_fan_out').on(t.tenant, t.fannedOutAt),
  ],
);

/** Receivers of change notifications (`idbridge webhook add`, `/api/v1/webhooks`). */
export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    url: text('url').notNull(),
    /** Subscribed event types, comma-separated (`user.created,user.updated`). */
    events: text('events').notNull(),
    /** The signing secret, sealed (SecretBox, SEAL_PURPOSE.webhookSecrets): it must be recovered to sign. */
    secret: text('secret').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.id] })],
);

/**
 * One event for one endpoint. State machine: pending → delivered | failed. A worker claims a due
 * row with one conditional UPDATE that sets a lease, so two processes never send the same attempt;
 * `user_id` and `sequence` are copied from the event so the claim can keep each user's events in
 * order per endpoint.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    tenant: text('tenant').notNull(),
    endpointId: text('endpoint_id').notNull(),
    eventId: text('event_id').notNull(),
    userId: text('user_id').notNull(),
    sequence: integer('sequence').notNull(),
    /** pending | delivered | failed */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenant, t.endpointId, t.eventId] }),
    index('webhook_deliveries_due').on(t.tenant, t.status, t.nextAttemptAt),
    index('webhook_deliveries_order').on(t.tenant, t.endpointId, t.userId, t.sequence),
  ],
);

/** The delivery log: one row per HTTP attempt (never the secret, never the request body). */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    tenant: text('tenant').notNull(),
    endpointId: text('endpoint_id').notNull(),
    eventId: text('event_id').notNull(),
    attempt: integer('attempt').notNull(),
    startedAt: integer('started_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The receiver's HTTP status; null when there was no answer (see `error`). */
    status: integer('status'),
    /** timeout | connection_failed | redirect_not_followed | http_status | … */
    error: text('error'),
    /** The first characters of the receiver's answer, for debugging. */
    response: text('response'),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.endpointId, t.eventId, t.attempt] })],
);

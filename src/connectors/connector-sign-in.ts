import type { Clock } from '../clock.js';
import type { ConnectorConfig } from '../config/connectors.js';
import { IdbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SregProfile } from '../users/profile.js';
import type { DirectoryUser, UserDirectory } from '../users/user.js';
import { DuplicateUserError } from '../users/user-store.js';
import { hmacSha256, randomToken, sha256Base64Url, toBase64Url, utf8 } from '../util/bytes.js';
import type { SecretBox } from '../util/secret-box.js';
import { ConnectorFailure, failureMessage, type ConnectorFailureReason } from './failure.js';
import type { ConnectorFlowStore, ConnectorLinkStore, ConnectorUserStore } from './ports.js';
import { claimAt, type FlowSecrets, type Upstream, type UpstreamIdentity } from './upstream.js';

/** A button on the login page. */
export interface ConnectorChoice {
  id: string;
  label: string;
  icon: string | undefined;
}

/** Where an upstream callback (or a link proof) leads. */
export type ConnectorOutcome =
  /** Proven: finish the bridge request as after a correct password (BridgeSignIn.completeWithUser). */
  | { kind: 'authenticated'; requestId: string; user: DirectoryUser; amr: string[]; acr: string | undefined }
  /** Linked from the account page. */
  | { kind: 'linked'; userId: string; connectorId: string; label: string }
  /** link-by-email: the local account must prove it is the same person (its password). */
  | { kind: 'link_proof'; requestId: string; token: string; label: string; email: string; message?: string; status?: number }
  /** map-existing without a match: nothing was created; the relying party is told access_denied / cancel. */
  | { kind: 'refused'; requestId: string; label: string; message: string }
  /** Anything else: the user sees why; with a request, the login page again (nothing stored). */
  | { kind: 'failed'; requestId: string | null; reason: ConnectorFailureReason; label: string; message: string; status: number };

export interface ConnectorSignInDeps {
  connectors: readonly ConnectorConfig[];
  /** One upstream client per connector (same order as `connectors`). */
  upstreams: ReadonlyMap<string, Upstream>;
  flows: ConnectorFlowStore;
  links: ConnectorLinkStore;
  users: ConnectorUserStore;
  directory: UserDirectory;
  /** Seals the flow's PKCE verifier, nonce and the upstream identity at rest. */
  box: SecretBox;
  /**
   * HMAC keys for upstream subjects and national ids, derived from the deployment secret(s):
   * the current one first, then the one being rotated away from (lookups try both).
   */
  identityKeys: () => Promise<Uint8Array<ArrayBuffer>[]>;
  clock: Clock;
  logger: Logger;
  /** How long an upstream round trip may take (seconds). */
  flowTtlSeconds?: number;
}

const FLOW_TTL_SECONDS = 600;
const LINK_PROOF_ATTEMPTS = 3;

interface SealedAuthorize extends FlowSecrets {
  maxAgeFromRp?: boolean;
}

interface SealedProof {
  subjectHash: string;
  amr: string[];
  acr?: string;
}

const STATUS: Record<ConnectorFailureReason, number> = {
  unknown_connector: 404,
  upstream_unavailable: 502,
  upstream_timeout: 504,
  upstream_error: 502,
  upstream_denied: 401,
  invalid_callback: 400,
  invalid_id_token: 400,
  missing_claim: 403,
  acr_too_low: 403,
  email_unverified: 403,
  email_taken: 409,
  already_linked: 409,
  no_password: 403,
  link_proof_failed: 403,
};

/**
 * Sign-in with an upstream provider, entirely at the bridge: a button starts the round trip
 * (state, nonce and PKCE verifier kept server-side, bound to the browser and the pending bridge
 * request, single use, short-lived); the callback validates everything and applies the
 * connector's policy; success ends in the same authenticated bridge request as a password.
 */
export class ConnectorSignIn {
  private readonly byId: Map<string, ConnectorConfig>;

  constructor(private readonly deps: ConnectorSignInDeps) {
    this.byId = new Map(deps.connectors.map((c) => [c.id, c]));
  }

  /** The login page's buttons, in configuration order. */
  choices(): ConnectorChoice[] {
    return this.deps.connectors.map((c) => ({ id: c.id, label: c.label, icon: c.icon }));
  }

  label(connectorId: string): string {
    return this.byId.get(connectorId)?.label ?? connectorId;
  }

  /**
   * The connector a relying party picked: `idp_hint` naming one, or `acr_values` only one
   * connector's configured acr values satisfy. Undefined: show the page.
   */
  pick(hint: string | undefined, acrValues: readonly string[] | undefined): string | undefined {
    if (hint !== undefined && this.byId.has(hint)) return hint;
    if (acrValues && acrValues.length > 0) {
      const matching = this.deps.connectors.filter((c) => c.acrValues?.some((v) => acrValues.includes(v)));
      if (matching.length === 1) return matching[0]!.id;
    }
    return undefined;
  }

  /**
   * Start an upstream round trip for a pending bridge request (or, with `userId` and no request,
   * for linking from the account page). Returns the upstream authorization URL.
   */
  async begin(
    connectorId: string,
    at: { requestId: string | null; browserHash: string; userId?: string; acrValues?: string[]; maxAge?: number },
  ): Promise<string> {
    const { flows, box, clock, logger } = this.deps;
    const upstream = this.upstream(connectorId);
    // Only acr values this connector is configured for are passed on: an RP cannot make the
    // bridge ask an upstream for something the operator did not set up.
    const configured = upstream.config.acrValues;
    const acrValues = at.acrValues && configured ? at.acrValues.filter((v) => configured.includes(v)) : undefined;
    let started: Awaited<ReturnType<Upstream['begin']>>;
    try {
      started = await upstream.begin({ ...(acrValues && acrValues.length > 0 ? { acrValues } : {}), ...(at.maxAge !== undefined ? { maxAge: at.maxAge } : {}) });
    } catch (error) {
      const failure = error instanceof ConnectorFailure ? error : new ConnectorFailure('upstream_unavailable', String(error));
      logger.log('error', 'connector_failed', { connector: connectorId, request_id: at.requestId, reason: failure.reason, detail: failure.detail, step: 'begin' });
      throw failure;
    }
    const now = clock.now();
    await flows.create(await sha256Base64Url(started.secrets.state), {
      kind: 'authorize',
      connectorId,
      requestId: at.requestId,
      browserHash: at.browserHash,
      userId: at.userId ?? null,
      sealed: await box.seal(JSON.stringify(started.secrets satisfies SealedAuthorize)),
      attempts: 0,
      createdAt: now,
      expiresAt: now + (this.deps.flowTtlSeconds ?? FLOW_TTL_SECONDS) * 1000,
    });
    logger.log('info', 'connector_started', { connector: connectorId, request_id: at.requestId, linking: at.userId !== undefined });
    return started.url;
  }

  /** The upstream redirected back (`callback` is the full URL it called, query included). */
  async callback(connectorId: string, callback: URL, browserHash: string): Promise<ConnectorOutcome> {
    const { flows, box, clock, logger } = this.deps;
    const config = this.byId.get(connectorId);
    if (!config) throw new IdbridgeError('not_found', 'This sign-in option is not available.');
    const state = callback.searchParams.get('state');
    // Taken (deleted) before anything else: a replayed or concurrent callback finds nothing.
    const flow = state && state.length <= 512 ? await flows.take(await sha256Base64Url(state), clock.now()) : null;
    if (!flow || flow.kind !== 'authorize' || flow.connectorId !== connectorId) {
      logger.log('warn', 'connector_failed', { connector: connectorId, reason: 'invalid_callback', detail: state ? 'unknown, used or expired state' : 'no state' });
      throw new IdbridgeError('unknown_request', 'This sign-in has expired or was already used. Please go back to the site you came from and start again.', { status: 400 });
    }
    if (flow.browserHash !== browserHash) {
      // A callback URL carried to another browser (login CSRF, a leaked link) must not sign anyone in.
      logger.log('warn', 'connector_failed', { connector: connectorId, request_id: flow.requestId, reason: 'invalid_callback', detail: 'other browser' });
      throw new IdbridgeError('wrong_browser', 'This sign-in was started in another browser. Please start again.');
    }
    const secrets = JSON.parse(await box.open(flow.sealed)) as SealedAuthorize;
    let identity: UpstreamIdentity;
    try {
      identity = await this.upstream(connectorId).finish(callback, secrets);
    } catch (error) {
      return this.failed(config, flow.requestId, error);
    }
    logger.log('info', 'connector_verified', { connector: connectorId, request_id: flow.requestId, acr: identity.acr });
    if (flow.userId !== null && flow.requestId === null) return this.linkToAccount(config, flow.userId, identity);
    return this.applyPolicy(config, flow.requestId!, browserHash, identity);
  }

  /** link-by-email: the user typed the local account's password. */
  async proveLink(token: string, browserHash: string, password: string): Promise<ConnectorOutcome> {
    const { flows, box, clock, logger, directory } = this.deps;
    const idHash = await sha256Base64Url(token);
    const flow = token.length <= 128 ? await flows.peek(idHash, clock.now()) : null;
    if (!flow || flow.kind !== 'link_proof' || flow.browserHash !== browserHash || !flow.requestId || !flow.userId) {
      throw new IdbridgeError('unknown_request', 'This confirmation has expired or was already used. Please start the sign-in again.', { status: 400 });
    }
    const config = this.byId.get(flow.connectorId);
    const user = await directory.findById(flow.userId);
    if (!config || !user) throw new IdbridgeError('unknown_request', 'This confirmation has expired. Please start the sign-in again.', { status: 400 });
    const result = password.length > 0 && password.length <= 1024 ? await directory.authenticate(user.email, password) : { ok: false as const, reason: 'invalid_credentials' as const };
    if (!result.ok || result.user.id !== user.id) {
      // Attempts are bounded per proof, and a proof exists only after an upstream sign-in.
      if (!(await flows.countAttempt(idHash, LINK_PROOF_ATTEMPTS, clock.now()))) {
        await flows.take(idHash, clock.now());
        logger.log('warn', 'connector_failed', { connector: config.id, request_id: flow.requestId, reason: 'link_proof_failed' });
        return this.failure(config, flow.requestId, 'link_proof_failed');
      }
      logger.log('info', 'connector_link_proof_wrong', { connector: config.id, request_id: flow.requestId });
      return { kind: 'link_proof', requestId: flow.requestId, token, label: config.label, email: user.email, message: 'The password is incorrect.', status: 401 };
    }
    // Single use: whoever deletes it links (a double submit finds it gone).
    if (!(await flows.take(idHash, clock.now()))) throw new IdbridgeError('unknown_request', 'This confirmation was already used.', { status: 400 });
    const proof = JSON.parse(await box.open(flow.sealed)) as SealedProof;
    if ((await this.deps.links.add(config.id, proof.subjectHash, user.id, clock.now())) === 'taken') return this.failure(config, flow.requestId, 'already_linked');
    logger.log('info', 'connector_linked', { connector: config.id, request_id: flow.requestId, user_id: user.id, proof: 'password' });
    return { kind: 'authenticated', requestId: flow.requestId, user, amr: proof.amr, acr: proof.acr };
  }

  private async applyPolicy(config: ConnectorConfig, requestId: string, browserHash: string, identity: UpstreamIdentity): Promise<ConnectorOutcome> {
    const { links, directory, clock, logger } = this.deps;
    const amr = ['fed', ...identity.amr.filter((m) => m !== 'fed')];
    const signIn = (user: DirectoryUser): ConnectorOutcome => ({ kind: 'authenticated', requestId, user, amr, acr: identity.acr });

    // An identity linked before signs in as its user, whatever the policy.
    const linked = await this.findLink(config.id, identity.subject);
    if (linked) {
      const user = await directory.findById(linked.userId);
      if (user) {
        await links.touch(config.id, linked.hash, clock.now());
        return signIn(user);
      }
    }
    const subjectHash = await this.hash(`${config.id}|${identity.subject}`);

    if (config.policy === 'map-existing') {
      const match = config.match!;
      const raw = claimAt(identity.claims, match.claim);
      if (typeof raw !== 'string' && typeof raw !== 'number') return this.failure(config, requestId, 'missing_claim', match.claim);
      const user = await this.findByMatch(match.attribute, String(raw), match.hashed);
      if (!user) {
        // Nothing is created: the relying party learns access_denied / cancel, the user why.
        logger.log('info', 'connector_no_account', { connector: config.id, request_id: requestId });
        return { kind: 'refused', requestId, label: config.label, message: `No account here is registered for the identity you signed in with at ${config.label}. Nothing was created. Please contact the site if you think this is wrong.` };
      }
      const found = await directory.findById(user.id);
      if (!found) return { kind: 'refused', requestId, label: config.label, message: `No account here is registered for the identity you signed in with at ${config.label}.` };
      await links.add(config.id, subjectHash, found.id, clock.now());
      return signIn(found);
    }

    const email = normalizedEmail(claimAt(identity.claims, config.claims.email ?? 'email'));
    const verified = isTrue(claimAt(identity.claims, config.claims.email_verified ?? 'email_verified'));
    const existing = email ? await directory.findByEmail(email) : null;

    if (config.policy === 'link-by-email' && (existing || !config.createMissing)) {
      // Never linked on an email match alone (pre-hijacking, takeover): the upstream must have
      // verified the address AND the local account must prove it is the same person.
      if (!email || !verified) {
        logger.log('info', 'connector_link_refused', { connector: config.id, request_id: requestId, reason: 'email_unverified' });
        return this.failure(config, requestId, 'email_unverified');
      }
      if (!existing) {
        logger.log('info', 'connector_no_account', { connector: config.id, request_id: requestId });
        return { kind: 'refused', requestId, label: config.label, message: `No account here uses the email address of your ${config.label} account. Nothing was created.` };
      }
      const stored = await this.deps.users.findById(existing.id);
      // Site directories always have the password; an idbridge account may have none. The mailed
      // link proof (identity/ mail flows) plugs in here as the second way to prove it.
      if (stored && stored.passwordHash === null) return this.failure(config, requestId, 'no_password');
      const token = randomToken(256);
      const now = clock.now();
      await this.deps.flows.create(await sha256Base64Url(token), {
        kind: 'link_proof',
        connectorId: config.id,
        requestId,
        browserHash,
        userId: existing.id,
        sealed: await this.deps.box.seal(JSON.stringify({ subjectHash, amr, ...(identity.acr ? { acr: identity.acr } : {}) } satisfies SealedProof)),
        attempts: 0,
        createdAt: now,
        expiresAt: now + (this.deps.flowTtlSeconds ?? FLOW_TTL_SECONDS) * 1000,
      });
      return { kind: 'link_proof', requestId, token, label: config.label, email: existing.email };
    }

    // create (or link-by-email with createMissing and no account of that email).
    if (existing) return this.failure(config, requestId, 'email_taken');
    if (!email) return this.failure(config, requestId, 'missing_claim', config.claims.email ?? 'email');
    const user = await this.createUser(config, email, verified, identity);
    if (!user) return this.failure(config, requestId, 'email_taken');
    if ((await links.add(config.id, subjectHash, user.id, clock.now())) === 'taken') return this.failure(config, requestId, 'already_linked');
    logger.log('info', 'connector_user_created', { connector: config.id, request_id: requestId, user_id: user.id });
    // Profile completion (what the profile model requires) runs on the completed bridge request,
    // the same for every way of signing in: see BridgeSignIn.completeWithUser.
    return signIn(user);
  }

  private async linkToAccount(config: ConnectorConfig, userId: string, identity: UpstreamIdentity): Promise<ConnectorOutcome> {
    const { links, clock, logger } = this.deps;
    const existing = await this.findLink(config.id, identity.subject);
    if (existing && existing.userId !== userId) return this.failure(config, null, 'already_linked');
    if (!existing && (await links.add(config.id, await this.hash(`${config.id}|${identity.subject}`), userId, clock.now())) === 'taken') {
      return this.failure(config, null, 'already_linked');
    }
    logger.log('info', 'connector_linked', { connector: config.id, user_id: userId, proof: 'session' });
    return { kind: 'linked', userId, connectorId: config.id, label: config.label };
  }

  private async createUser(config: ConnectorConfig, email: string, verified: boolean, identity: UpstreamIdentity): Promise<DirectoryUser | null> {
    const profile: Omit<SregProfile, 'email'> = {};
    for (const field of ['nickname', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone'] as const) {
      const claim = config.claims[field];
      const value = claim ? claimAt(identity.claims, claim) : undefined;
      if (typeof value === 'string' && value.trim() !== '' && value.length <= 256) profile[field] = value.trim();
    }
    const id = `u_${randomToken(128)}`;
    try {
      await this.deps.users.insert({
        id,
        email,
        username: null,
        // No password: this account signs in with the connector (password reset names it).
        passwordHash: null,
        profile,
        phone: null,
        customerId: null,
        externalId: null,
        emailVerified: verified,
        blocked: false,
        createTime: this.deps.clock.now(),
      });
    } catch (error) {
      if (error instanceof DuplicateUserError) return null;
      throw error;
    }
    return this.deps.directory.findById(id);
  }

  private async findLink(connectorId: string, subject: string): Promise<{ userId: string; hash: string } | null> {
    const keys = await this.deps.identityKeys();
    for (const [i, key] of keys.entries()) {
      const hash = await hmac(key, `${connectorId}|${subject}`);
      const userId = await this.deps.links.find(connectorId, hash);
      if (!userId) continue;
      if (i === 0) return { userId, hash };
      // Found under the secret being rotated away from: re-key it under the current one.
      const current = await hmac(keys[0]!, `${connectorId}|${subject}`);
      await this.deps.links.rekey(connectorId, hash, current);
      return { userId, hash: current };
    }
    return null;
  }

  private async findByMatch(attribute: string, value: string, hashed: boolean) {
    if (!hashed) return this.deps.users.findByAttribute(attribute, value);
    for (const key of await this.deps.identityKeys()) {
      const user = await this.deps.users.findByAttribute(attribute, await hmac(key, nationalIdInput(value)));
      if (user) return user;
    }
    return null;
  }

  private async hash(value: string): Promise<string> {
    return hmac((await this.deps.identityKeys())[0]!, value);
  }

  private upstream(connectorId: string): Upstream {
    const upstream = this.deps.upstreams.get(connectorId);
    if (!upstream) throw new IdbridgeError('not_found', 'This sign-in option is not available.');
    return upstream;
  }

  private failed(config: ConnectorConfig, requestId: string | null, error: unknown): ConnectorOutcome {
    const failure = error instanceof ConnectorFailure ? error : new ConnectorFailure('upstream_unavailable', error instanceof Error ? error.name : 'unknown');
    return this.failure(config, requestId, failure.reason, failure.detail);
  }

  private failure(config: ConnectorConfig, requestId: string | null, reason: ConnectorFailureReason, detail?: string): ConnectorOutcome {
    this.deps.logger.log(reason === 'upstream_denied' ? 'info' : 'warn', 'connector_failed', { connector: config.id, request_id: requestId, reason, detail });
    return { kind: 'failed', requestId, reason, label: config.label, message: failureMessage(reason, config.label), status: STATUS[reason] };
  }
}

/**
 * The value whose HMAC a `hashed` match attribute holds: the national id with spaces and dashes
 * removed, upper-cased (so `010190-123A` and `010190123a` are the same person).
 */
export function nationalIdInput(value: string): string {
  return value.replace(/[\s-]/g, '').toUpperCase();
}

/**
 * What an operator stores in a user's `hashed` match attribute (e.g. from the site's database
 * during import): HMAC-SHA256 under the key derived from the deployment secret, base64url.
 */
export async function nationalIdHash(key: Uint8Array<ArrayBuffer>, nationalId: string): Promise<string> {
  return hmac(key, nationalIdInput(nationalId));
}

async function hmac(key: Uint8Array<ArrayBuffer>, value: string): Promise<string> {
  return toBase64Url(await hmacSha256(key, utf8(value)));
}

function normalizedEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim().toLowerCase();
  return email.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(email) ? email : null;
}

/** OIDC says boolean; Apple and some others send the string "true". */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

import type { Clock } from '../../clock.js';
import { invalidRequest } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { OidcClient } from '../../protocol/oidc/client.js';
import { verifyIdTokenHint } from '../../protocol/oidc/jwt-verify.js';
import { sha256Base64Url } from '../../util/bytes.js';
import { signExpiringMac } from '../../util/expiring-mac.js';

/**
 * The bridge logout token (an idbridge extension of the Janrain protocol), as bridge/sign-in.ts
 * verifies it: purpose, claims [bridge user id, continue URL] and lifetime. See
 * docs/sign-in-protection.md.
 */
const BRIDGE_LOGOUT = { purpose: 'bridge-logout', ttlSeconds: 120 };
import type { ClientStore, GrantStore, OpSessionStore } from './ports.js';
import type { SigningKeys } from './signing-keys.js';

/** A validated RP-initiated logout request. */
export interface LogoutRequest {
  client: OidcClient | null;
  /** Exactly one of the client's registered post-logout URIs, when one was asked for. */
  postLogoutRedirectUri: string | null;
  state: string | null;
  /** A valid id_token_hint proves the RP asked: no confirmation page is needed. */
  confirmed: boolean;
  /** The `sid` of the verified hint: that session ends too, whatever cookie the browser holds. */
  hintSid: string | null;
}

export interface RpLogoutDeps {
  issuer: string;
  clients: ClientStore;
  grants: GrantStore;
  opSessions: OpSessionStore;
  keys: SigningKeys;
  clock: Clock;
  logger: Logger;
  /** The bridge's signout URL (the bridge session ends there too). */
  bridgeLogoutUrl: string;
  /** The API key shared with the bridge: it keys the bridge logout token. */
  apiKey: () => Promise<string>;
}

/** RP-Initiated Logout 1.0: validate the request, then end the identity-service session. */
export class RpLogout {
  constructor(private readonly deps: RpLogoutDeps) {}

  async validate(params: Record<string, string[]>): Promise<LogoutRequest> {
    const get = (name: string) => {
      const values = params[name];
      if (values && values.length > 1) throw invalidRequest(`${name} was given more than once.`);
      const value = values?.[0];
      if (value !== undefined && value.length > 8192) throw invalidRequest(`${name} is too long.`);
      return value;
    };
    const hint = get('id_token_hint');
    const clientId = get('client_id');
    const uri = get('post_logout_redirect_uri');
    const state = get('state') ?? null;
    if (state !== null && state.length > 2048) throw invalidRequest('state is too long.');

    let audience: string[] | null = null;
    let hintSid: string | null = null;
    if (hint !== undefined) {
      // Must be an ID token we signed (no alg:none, no foreign key, our issuer); expiry is fine.
      const verified = await verifyIdTokenHint(hint, await this.deps.keys.jwks(), { issuer: this.deps.issuer, now: this.deps.clock.now() });
      audience = verified.aud;
      hintSid = verified.sid ?? null;
    }
    if (clientId !== undefined && audience !== null && !audience.includes(clientId)) {
      throw invalidRequest('client_id does not match the id_token_hint.');
    }
    const id = clientId ?? audience?.[0];
    const client = id ? await this.deps.clients.find(id) : null;
    if (id && !client) throw invalidRequest('Unknown client.');
    if (uri !== undefined) {
      if (!client) throw invalidRequest('post_logout_redirect_uri needs client_id or id_token_hint.');
      // Exact match only: an open redirect after logout would be a phishing springboard.
      if (!client.postLogoutRedirectUris.includes(uri)) throw invalidRequest('post_logout_redirect_uri is not registered for this client.');
    }
    return { client, postLogoutRedirectUri: uri ?? null, state, confirmed: audience !== null, hintSid };
  }

  /**
   * May the confirmation page be skipped? Only when the hint names the session this browser holds:
   * any ID token of ours would otherwise let a third party log a victim out and revoke their
   * grants with one link.
   */
  async hintMatchesBrowser(request: LogoutRequest, opSessionToken: string | undefined): Promise<boolean> {
    if (!request.confirmed || !request.hintSid || !opSessionToken) return false;
    const session = await this.deps.opSessions.find(await sha256Base64Url(opSessionToken), this.deps.clock.now());
    return session !== null && session.sid === request.hintSid;
  }

  /** Does this browser hold a live identity-service session? (Nobody signed in: nothing to confirm.) */
  async signedIn(opSessionToken: string | undefined): Promise<boolean> {
    if (!opSessionToken) return false;
    return (await this.deps.opSessions.find(await sha256Base64Url(opSessionToken), this.deps.clock.now())) !== null;
  }

  /**
   * Where "Cancel" on the confirmation page goes: the client's site (the origin of the
   * post-logout URI asked for, else of its first redirect URI — registered URIs only, never one
   * from the request), or null when no client is known.
   */
  cancelUrl(request: LogoutRequest): string | null {
    const registered = request.postLogoutRedirectUri ?? request.client?.redirectUris[0];
    if (!registered) return null;
    try {
      const url = new URL(registered);
      return url.protocol === 'http:' || url.protocol === 'https:' ? `${url.origin}/` : null;
    } catch {
      return null;
    }
  }

  /**
   * End the identity-service session held by this browser and revoke what it granted. Returns the
   * signed-out user (the bridge's user id), when this browser had a session.
   */
  async end(opSessionToken: string | undefined, hintSid: string | null = null): Promise<{ username: string | null }> {
    const now = this.deps.clock.now();
    const session = opSessionToken ? await this.deps.opSessions.delete(await sha256Base64Url(opSessionToken)) : null;
    if (session) await this.deps.grants.revokeGrantsBySid(session.sid, now);
    if (hintSid && hintSid !== session?.sid) {
      await this.deps.opSessions.deleteBySid(hintSid);
      await this.deps.grants.revokeGrantsBySid(hintSid, now);
    }
    this.deps.logger.log('info', 'oidc_logout', { session: session !== null, hint_sid: hintSid !== null });
    return { username: session?.username ?? null };
  }

  /**
   * The bridge's signout URL, then back to `continueUrl`. When the user confirmed signing out of
   * a session here, a logout token for that user lets the bridge end its session without asking
   * again; without one the bridge asks (its own one-click confirmation).
   */
  async bridgeSignoutUrl(username: string | null, continueUrl: string): Promise<string> {
    const url = new URL(this.deps.bridgeLogoutUrl);
    // Normalised as the bridge will parse it, so that both sides MAC the same string.
    const next = new URL(continueUrl).href;
    url.searchParams.set('continue', next);
    if (username) {
      url.searchParams.set(
        'logout_token',
        await signExpiringMac(await this.deps.apiKey(), BRIDGE_LOGOUT.purpose, [username, next], this.deps.clock.now(), BRIDGE_LOGOUT.ttlSeconds),
      );
    }
    return url.toString();
  }
}


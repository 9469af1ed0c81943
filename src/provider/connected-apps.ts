import type { Clock } from '../clock.js';
import { IdbridgeError } from '../errors.js';
import type { ClientStore, GrantStore, OpSessionStore } from './oidc/ports.js';
import type { ConsentStore } from './ports.js';
import { sha256Base64Url } from '../util/bytes.js';
import { grantLabel, type ConsentLabel } from './consent-labels.js';

export interface ConnectedApp {
  audience: string;
  /** Client name for OIDC clients, the realm for OpenID 2.0 sites. */
  label: string;
  grants: string[];
  /** The grants as the consent page labelled them (translated by the page). */
  grantLabels: ConsentLabel[];
  since: number;
}

/**
 * "Connected apps": the consent decisions a signed-in user chose to remember, and withdrawing
 * them. Withdrawing consent for an OIDC client also revokes the tokens it holds for the user.
 */
export class ConnectedApps {
  constructor(
    private readonly deps: { consents: ConsentStore; clients: ClientStore; grants: GrantStore; opSessions: OpSessionStore; clock: Clock },
  ) {}

  /** The user behind an identity-service session cookie, or an error asking to sign in. */
  async user(opSessionToken: string | undefined): Promise<string> {
    const session = opSessionToken ? await this.deps.opSessions.find(await sha256Base64Url(opSessionToken), this.deps.clock.now()) : null;
    if (!session) throw new IdbridgeError('unauthorized', 'Please sign in to an application with your account first; then come back here.');
    return session.username;
  }

  async list(username: string): Promise<ConnectedApp[]> {
    const decisions = await this.deps.consents.list(username);
    return Promise.all(
      decisions.map(async (d) => {
        const client = await this.deps.clients.find(d.audience);
        // Audiences are client ids (OIDC, grants are scopes) or realms (OpenID 2.0, attributes).
        const protocol = client || !d.audience.includes('://') ? 'oidc' : 'openid2';
        return {
          audience: d.audience,
          label: client?.name ?? d.audience.replace(/\/$/, ''),
          grants: d.grants,
          grantLabels: d.grants.map((g) => grantLabel(g, protocol)),
          since: d.createdAt,
        };
      }),
    );
  }

  async revoke(username: string, audience: string): Promise<void> {
    await this.deps.consents.revoke(username, audience);
    await this.deps.grants.revokeGrantsFor(username, audience, this.deps.clock.now());
  }
}

import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { isLoopbackHost } from '../../config.js';
import { IdbridgeError, invalidFields } from '../../errors.js';
import { generateClientSecret, hashClientSecret } from '../../protocol/oidc/client-auth.js';
import type { OidcClient } from '../../protocol/oidc/client.js';
import { randomToken } from '../../util/bytes.js';
import type { ClientPatch, ClientStore } from './ports.js';

export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'];

/**
 * Why: redirect URIs receive codes. https only (RFC 9700 §2.6), plain http only to loopback for
 * development, never a fragment, never credentials.
 */
const redirectUri = z
  .string()
  .max(2048)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        if (url.hash || url.username || url.password || value.includes('#')) return false;
        return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
      } catch {
        return false;
      }
    },
    // The item is quoted: with several URIs, the field name alone does not say which one is wrong.
    { error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 200))} is not an absolute https URL (http only for localhost/127.0.0.1) without fragment` },
  );

const clientName = z.string().trim().min(1).max(100);
const redirectUris = z.array(redirectUri).min(1).max(20);
const postLogoutRedirectUris = z.array(redirectUri).max(20);

export const newClientInput = z.object({
  name: clientName,
  redirectUris,
  postLogoutRedirectUris: postLogoutRedirectUris.default([]),
  public: z.boolean().default(false),
  trusted: z.boolean().default(false),
  scopes: z
    .array(z.enum(SUPPORTED_SCOPES as [string, ...string[]]))
    .default(SUPPORTED_SCOPES)
    .transform((s) => [...new Set(['openid', ...s])]),
});

export type NewClientInput = z.input<typeof newClientInput>;

/** What `update` may change; absent fields stay as they are. The client id and secret never change. */
export const clientChanges = z.object({
  name: clientName.optional(),
  redirectUris: redirectUris.optional(),
  postLogoutRedirectUris: postLogoutRedirectUris.optional(),
  trusted: z.boolean().optional(),
});

export type ClientChanges = z.input<typeof clientChanges>;

/** Field names as the CLI's JSON and the admin API spell them. */
const WIRE_NAMES: Record<string, string> = {
  name: 'name',
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  public: 'public',
  trusted: 'trusted',
  scopes: 'scopes',
};

/** The registry of OIDC clients: used by the CLI and the admin API. */
export class ClientRegistry {
  constructor(
    private readonly store: ClientStore,
    private readonly clock: Clock,
  ) {}

  /** Register a client. The secret (confidential clients) is returned once and stored only hashed. */
  async register(input: NewClientInput): Promise<{ client: OidcClient; clientSecret?: string }> {
    const parsed = newClientInput.safeParse(input);
    if (!parsed.success) throw invalidFields(parsed.error.issues, WIRE_NAMES, 'client');
    const v = parsed.data;
    const clientSecret = v.public ? undefined : generateClientSecret();
    const client: OidcClient = {
      clientId: `c_${randomToken(128)}`,
      name: v.name,
      redirectUris: v.redirectUris,
      postLogoutRedirectUris: v.postLogoutRedirectUris,
      public: v.public,
      trusted: v.trusted,
      scopes: v.scopes,
      secretHash: clientSecret ? await hashClientSecret(clientSecret) : null,
    };
    await this.store.insert(client, this.clock.now());
    return clientSecret ? { client, clientSecret } : { client };
  }

  list(): Promise<OidcClient[]> {
    return this.store.list();
  }

  find(clientId: string): Promise<OidcClient | null> {
    return this.store.find(clientId);
  }

  /**
   * Change a client in place: same client id, same secret. Only the given fields are written (no
   * read-modify-write, so a concurrent change to another field is not undone).
   */
  async update(clientId: string, changes: ClientChanges): Promise<OidcClient> {
    const parsed = clientChanges.safeParse(changes);
    if (!parsed.success) throw invalidFields(parsed.error.issues, WIRE_NAMES, 'client');
    const patch = Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined)) as ClientPatch;
    if (Object.keys(patch).length === 0) {
      throw new IdbridgeError('invalid_request', 'Nothing to change: give name, redirect_uris, post_logout_redirect_uris or trusted.');
    }
    const client = await this.store.update(clientId, patch);
    if (!client) throw new IdbridgeError('not_found', `No client ${clientId.slice(0, 64)}.`);
    return client;
  }

  async remove(clientId: string): Promise<void> {
    if (!(await this.store.remove(clientId))) throw new IdbridgeError('not_found', `No client ${clientId.slice(0, 64)}.`);
  }
}

/** A client as shown by the CLI and admin API (never the secret hash). */
export function clientView(client: OidcClient) {
  return {
    client_id: client.clientId,
    name: client.name,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    public: client.public,
    trusted: client.trusted,
    scopes: client.scopes,
    token_endpoint_auth_method: client.public ? 'none' : 'client_secret_basic',
  };
}

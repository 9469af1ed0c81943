import type { NewUser, StoredUser } from '../users/user-store.js';

/** An upstream sign-in in progress (see `connector_flows` in storage/schema.ts). */
export interface ConnectorFlow {
  /** authorize: waiting for the upstream's callback; link_proof: waiting for the local password. */
  kind: 'authorize' | 'link_proof';
  connectorId: string;
  /** The pending bridge request it belongs to; null when linking from the account page. */
  requestId: string | null;
  browserHash: string;
  /** Linking from the account page: the signed-in user; a link proof: the account to prove. */
  userId: string | null;
  /** SecretBox-sealed JSON (PKCE verifier, nonce, …, or the upstream identity). */
  sealed: string;
  attempts: number;
  createdAt: number;
  expiresAt: number;
}

/** Storage of flows, keyed by the SHA-256 of their random token (never the token itself). */
export interface ConnectorFlowStore {
  create(idHash: string, flow: ConnectorFlow): Promise<void>;
  /** Delete the unexpired flow and return it: exactly one caller ever gets it (single use). */
  take(idHash: string, now: number): Promise<ConnectorFlow | null>;
  /** The unexpired flow, left in place (a link proof stays while attempts remain). */
  peek(idHash: string, now: number): Promise<ConnectorFlow | null>;
  /** Count one failed attempt while below `max`; false when the flow is gone or used up. */
  countAttempt(idHash: string, max: number, now: number): Promise<boolean>;
}

/** A local user's linked upstream identity. */
export interface ConnectorLink {
  connectorId: string;
  userId: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** Upstream identities linked to local users; the upstream subject is stored only as an HMAC. */
export interface ConnectorLinkStore {
  /** The user linked to this (connector, subject hash), if any. */
  find(connectorId: string, subjectHash: string): Promise<string | null>;
  /** Link; 'taken' when the identity or the user's slot for this connector is already linked. */
  add(connectorId: string, subjectHash: string, userId: string, now: number): Promise<'added' | 'taken'>;
  /** Re-key a link found under a previous secret's hash (secret rotation). */
  rekey(connectorId: string, oldHash: string, newHash: string): Promise<void>;
  touch(connectorId: string, subjectHash: string, now: number): Promise<void>;
  listForUser(userId: string): Promise<ConnectorLink[]>;
  remove(userId: string, connectorId: string): Promise<boolean>;
  removeAllForUser(userId: string): Promise<number>;
}

/** What the policies need from the built-in user table beyond the directory. */
export interface ConnectorUserStore {
  findById(id: string): Promise<StoredUser | null>;
  /** The user whose `attribute` (external_id, customer_id or a custom field) equals `value`. */
  findByAttribute(attribute: string, value: string): Promise<StoredUser | null>;
  insert(user: NewUser): Promise<void>;
}

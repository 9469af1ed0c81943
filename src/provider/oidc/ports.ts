import type { OidcClient } from '../../protocol/oidc/client.js';

/** The fields of a client that can change after registration. */
export type ClientPatch = Partial<Pick<OidcClient, 'name' | 'redirectUris' | 'postLogoutRedirectUris' | 'trusted'>>;

/** Registered OIDC clients. */
export interface ClientStore {
  find(clientId: string): Promise<OidcClient | null>;
  insert(client: OidcClient, now: number): Promise<void>;
  /** Write the given fields; the updated client, or null if there is none. Takes effect at once. */
  update(clientId: string, patch: ClientPatch): Promise<OidcClient | null>;
  list(): Promise<OidcClient[]>;
  remove(clientId: string): Promise<boolean>;
}

export interface StoredSigningKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  publicJwk: JsonWebKey & { kid: string; alg: string; use: string };
  /** Sealed private JWK. */
  privateJwk: string;
  createdAt: number;
  retiredAt: number | null;
  publishUntil: number | null;
}

/** Signing keys. */
export interface SigningKeyStore {
  /** Current (not retired) keys and retired keys still published at `now`. */
  published(now: number): Promise<StoredSigningKey[]>;
  insert(key: StoredSigningKey): Promise<void>;
  /** Retire every current key of `alg` except `keepKid`, publishing it until `publishUntil`. */
  retire(alg: StoredSigningKey['alg'], keepKid: string, at: number, publishUntil: number): Promise<void>;
}

/** What one sign-in granted one client. */
export interface Grant {
  grantId: string;
  clientId: string;
  username: string;
  sub: string;
  scopes: string[];
  claims: Record<string, unknown>;
  /** Seconds since the epoch. */
  authTime: number;
  acr: string | null;
  amr: string[] | null;
  sid: string | null;
  openid2Id: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface AuthorizationCode {
  grantId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string | null;
  nonce: string | null;
  expiresAt: number;
}

export interface IssuedToken {
  kind: 'access' | 'refresh';
  grantId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  revokedAt: number | null;
}

/** Grants, codes and tokens. Codes and tokens are looked up by the SHA-256 of their value. */
export interface GrantStore {
  createGrant(grant: Grant): Promise<void>;
  findGrant(grantId: string): Promise<Grant | null>;
  revokeGrant(grantId: string, at: number): Promise<void>;
  /** Revoke every grant of a user: their refresh and access tokens stop working with them. */
  revokeGrantsForUser(username: string, at: number): Promise<void>;
  revokeGrantsBySid(sid: string, at: number): Promise<void>;
  /** Revoke every grant a user gave a client (consent withdrawn). */
  revokeGrantsFor(username: string, clientId: string, at: number): Promise<void>;

  createCode(codeHash: string, code: AuthorizationCode, now: number): Promise<void>;
  /**
   * Consume a code once: returns it on the first call, `{ reused }` on later ones (so the caller
   * can revoke its grant), null when unknown.
   */
  consumeCode(codeHash: string, now: number): Promise<{ code: AuthorizationCode } | { reused: AuthorizationCode } | null>;

  createToken(tokenHash: string, token: Omit<IssuedToken, 'consumedAt' | 'revokedAt'>): Promise<void>;
  findToken(tokenHash: string): Promise<IssuedToken | null>;
  /** Mark a refresh token used, once: true for the first caller. */
  consumeRefreshToken(tokenHash: string, now: number): Promise<boolean>;
  revokeToken(tokenHash: string, at: number): Promise<void>;
}

export interface OpSession {
  sid: string;
  username: string;
  authTime: number;
  expiresAt: number;
}

/** Identity-service sessions (ID token `sid`, RP-initiated logout). */
export interface OpSessionStore {
  create(idHash: string, session: OpSession, now: number): Promise<void>;
  find(idHash: string, now: number): Promise<OpSession | null>;
  delete(idHash: string): Promise<OpSession | null>;
  /** End every session of a user (password reset, block, deletion). */
  deleteForUser(username: string): Promise<void>;
  deleteBySid(sid: string): Promise<void>;
}

/**
 * The registered OpenID Connect client (relying party) as the protocol functions see it.
 */

/** A registered client. Plain data (JSON-serialisable), so it can be stored with a pending request. */
export interface OidcClient {
  /** The `client_id` the client sends. */
  clientId: string;
  /** Human-readable name, shown on the consent page. */
  name: string;
  /**
   * Registered redirection URIs. An authorization request's `redirect_uri` must equal one of these
   * exactly (simple string comparison, RFC 3986 §6.2.1; RFC 9700 §4.1.3).
   */
  redirectUris: string[];
  /** Registered post-logout redirection URIs (RP-Initiated Logout 1.0), compared exactly too. */
  postLogoutRedirectUris: string[];
  /**
   * A public client (RFC 6749 §2.1: a browser or native app) cannot keep a secret: it authenticates
   * with `none` and must use PKCE.
   */
  public: boolean;
  /** A first-party client the site trusts: the caller may skip the consent page for it. */
  trusted: boolean;
  /** Scopes this client may be granted; anything else it asks for is silently dropped. */
  scopes: string[];
  /** `sha256$<salt>$<hash>` of the client secret (see `client-auth.ts`); `null` for public clients. */
  secretHash: string | null;
}

/**
 * Ending what a user holds, after a password reset, a block or an account deletion. The bridge
 * holds bridge sessions; the identity service holds its OP sessions, refresh/access tokens
 * (grants) and consents. In one process both are local; in a split deployment the bridge asks
 * the identity service over its authenticated API. Every caller (reset, account page, Users API,
 * SCIM, connectors) uses this one port.
 */
export interface UserRevocation {
  /**
   * End the user's sessions and revoke their tokens. `keepBridgeSession`: the bridge session id of
   * the browser doing it (a password change keeps the user signed in there). `consents`: also
   * forget remembered consents (deletion), which a reset or block keeps.
   */
  revokeAll(userId: string, options?: { keepBridgeSession?: string; consents?: boolean }): Promise<void>;
}

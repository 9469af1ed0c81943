/**
 * Every cookie idbridge sets, named by the half that owns it.
 *
 * Why role-specific names: browsers keep cookies per host name and ignore the port, so a bridge
 * and an identity service on one host (`localhost:3001` and `localhost:3000`, or two ports of one
 * server) share one cookie jar. With one name for both, each overwrote the other's browser cookie
 * (sealed under a different secret) and every split sign-in on one host failed as "started in
 * another browser". Distinct names keep them apart in every role, all-in-one included, so a
 * deployment can be split later without a cookie changing meaning.
 *
 * Paths stay `/`: the `__Host-` prefix used over https requires `Path=/`, and each half's routes
 * span several top-level paths (`/verify`, `/login`, `/signout`; `/openid`, `/authorize`, …).
 * New cookies belong here, prefixed `idb_bridge_` or `idb_idp_`.
 */
export const BRIDGE_COOKIES = {
  /** The random browser id requests and CSRF tokens are bound to. */
  browser: 'idb_bridge_browser',
  /** The bridge sign-in session (skips the login form). */
  session: 'idb_bridge_session',
  /** The device cookie (OWASP): which accounts signed in from this browser before. */
  device: 'idb_bridge_device',
} as const;

export const IDENTITY_COOKIES = {
  /** The random browser id requests and CSRF tokens are bound to. */
  browser: 'idb_idp_browser',
  /** The identity service's own session (OIDC sid, RP-initiated logout). */
  session: 'idb_idp_session',
  /** Where to go after the logout confirmation. */
  logout: 'idb_idp_logout',
} as const;

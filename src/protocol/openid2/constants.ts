/**
 * Wire constants of OpenID Authentication 2.0 and the extensions idbridge speaks.
 */

/** `openid.ns` of every OpenID 2.0 message (§4.1.2). */
export const OPENID2_NS = 'http://specs.openid.net/auth/2.0';

/** `claimed_id` / `identity` value asking the OP to choose the identifier (§9.1). */
export const IDENTIFIER_SELECT = 'http://specs.openid.net/auth/2.0/identifier_select';

/** XRDS service type of an OP identifier (§7.3.2.1.1). */
export const SERVER_SERVICE_TYPE = 'http://specs.openid.net/auth/2.0/server';

/** XRDS service type of a claimed identifier (§7.3.2.1.2). */
export const SIGNON_SERVICE_TYPE = 'http://specs.openid.net/auth/2.0/signon';

export const SREG_1_0_NS = 'http://openid.net/sreg/1.0';
export const SREG_1_1_NS = 'http://openid.net/extensions/sreg/1.1';
export const AX_1_0_NS = 'http://openid.net/srv/ax/1.0';

/** XRDS service type listing a relying party's return_to URLs (§13). */
export const RETURN_TO_SERVICE_TYPE = 'http://specs.openid.net/auth/2.0/return_to';

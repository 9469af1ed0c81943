/**
 * OpenID Authentication 2.0, provider side: pure protocol functions (Web standards only) that take
 * parsed input plus ports and return results or throw `IdbridgeError`.
 */
export * from './constants.js';
export { kvDecode, kvEncode, type KvFields } from './kv.js';
export {
  DEFAULT_MESSAGE_LIMITS,
  directErrorFields,
  indirectErrorParams,
  namespaceAliases,
  parseOpenIdMessage,
  toHttpParams,
  type MessageLimits,
  type OpenIdFields,
  type OpenIdMessage,
} from './message.js';
export {
  DEFAULT_DH_GROUP,
  MAX_MODULUS_BITS,
  MIN_MODULUS_BITS,
  bigintFromBytes,
  btwoc,
  dhServerExchange,
  macKeyMask,
  modPow,
  xorBytes,
  type DhGroup,
  type DhServerExchangeInput,
  type DhServerExchangeResult,
  type DhSessionType,
} from './dh.js';
export {
  DEFAULT_ASSOCIATION_LIFETIME_SECONDS,
  MAC_KEY_LENGTH,
  MAX_ASSOCIATION_LIFETIME_SECONDS,
  PREFERRED_ASSOC_TYPE,
  PREFERRED_SESSION_TYPE,
  associate,
  createAssociation,
  isAssociationLive,
  isValidHandle,
  newAssociationHandle,
  type AssocType,
  type AssociateOptions,
  type Association,
  type AssociationStore,
  type SessionType,
} from './association.js';
export { MemoryAssociationStore } from './memory-store.js';
export { signFields, tokenContents, verifyFields, type SigningKey } from './signature.js';
export { MAX_URL_LENGTH, parseRealm, parseReturnTo, returnToMatchesRealm, type Realm } from './realm.js';
export { MAX_NONCE_LENGTH, generateNonce, isNonceFresh, parseNonce, type NonceWindow, type ParsedNonce } from './nonce.js';
export {
  AX_TYPE_TO_SREG,
  SREG_FIELDS,
  axTypeUri,
  isSregField,
  type AttributeValues,
  type SregField,
} from './attributes.js';
export { parseSregRequest, sregResponseFields, type SregRequest } from './sreg.js';
export { axResponseFields, parseAxFetchRequest, type AxAttributeRequest, type AxFetchRequest } from './ax.js';
export {
  buildExtensionResponse,
  parseAttributeRequest,
  requestedAttributeNames,
  requestedFields,
  requestedOtherAxTypes,
  type AttributeRequest,
  type RequestedFields,
} from './extensions.js';
export { parseCheckIdRequest, type CheckIdRequest } from './checkid.js';
export {
  CORE_SIGNED_FIELDS,
  DEFAULT_PRIVATE_ASSOCIATION_LIFETIME_SECONDS,
  assertedIdentifiers,
  buildCancel,
  buildPositiveAssertion,
  buildRedirectUrl,
  buildSetupNeeded,
  type AssertionOptions,
  type PositiveAssertionInput,
} from './assertion.js';
export { checkAuthentication, type CheckAuthenticationOptions } from './check-authentication.js';
export {
  XRDS_CONTENT_TYPE,
  claimedIdentifierXrds,
  escapeMarkup,
  htmlDiscoveryLinks,
  opIdentifierXrds,
} from './discovery.js';
export {
  discoverRelyingParty,
  metaXrdsLocation,
  relyingPartyDiscoveryUrl,
  relyingPartyXrds,
  returnToListed,
  returnToUrlsFromXrds,
  returnToVerdict,
  type RelyingPartyEndpoints,
  type RpDiscoveryResult,
  type YadisGet,
  type YadisResponse,
} from './rp-discovery.js';

/**
 * OpenID Connect provider protocol functions: pure (Web standards and `jose` only, no HTTP
 * framework, database or Node built-ins), so they run on Node and on Cloudflare Workers. They take
 * parsed input plus ports and return results or throw `IdbridgeError`.
 */
export type { OidcClient } from './client.js';
export {
  AuthorizationError,
  authorizationError,
  isAuthorizationError,
  type AuthorizationErrorOptions,
  type AuthorizationRedirect,
  type ExtraAuthorizationErrorCode,
  type ResponseMode,
} from './authorization-error.js';
export {
  DEFAULT_MAX_PARAM_LENGTH,
  MAX_ID_TOKEN_HINT_LENGTH,
  MAX_LOGIN_HINT_LENGTH,
  MAX_NONCE_LENGTH,
  MAX_STATE_LENGTH,
  PROMPT_VALUES,
  parseAuthorizationRequest,
  type AuthorizationRequest,
  type AuthorizationRequestOptions,
  type Prompt,
} from './authorize.js';
export {
  appendQuery,
  authorizationErrorResult,
  authorizationResponse,
  authorizationResponseParams,
  type AuthorizationResponse,
  type AuthorizationResult,
} from './authorization-response.js';
export { PKCE_VALUE_PATTERN, isPkceValue, s256Challenge, verifyPkce } from './pkce.js';
export {
  MAX_CREDENTIAL_LENGTH,
  MIN_CLIENT_SECRET_LENGTH,
  authenticateClient,
  generateClientSecret,
  hashClientSecret,
  parseClientCredentials,
  verifyClientSecret,
  type ClientAuthMethod,
  type ClientCredentials,
} from './client-auth.js';
export {
  DEFAULT_CLAIM_NAMESPACE,
  SCOPE_CLAIMS,
  birthdateFromSreg,
  claimsForScopes,
  customerIdClaim,
  supportedClaims,
  type AddressClaim,
  type ClaimOptions,
  type UserClaims,
  type UserClaimsSource,
} from './claims.js';
export {
  SIGNING_ALGS,
  atHash,
  buildIdTokenClaims,
  signJwt,
  type IdTokenInput,
  type SigningAlg,
  type SigningKey,
} from './id-token.js';
export {
  SUPPORTED_SCOPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
  providerMetadata,
  type ProviderMetadata,
  type ProviderMetadataOptions,
} from './discovery.js';
export { verifyIdTokenHint, type IdTokenHint, type IdTokenHintOptions } from './jwt-verify.js';

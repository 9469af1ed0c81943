/**
 * Provider metadata (OpenID Connect Discovery 1.0 §3), served at
 * `${issuer}/.well-known/openid-configuration`.
 *
 * Accuracy matters more than completeness: clients choose their behaviour from this document, and
 * advertising something we do not do (or omitting what we require, like S256) leads them into
 * failures or weaker choices. Every value here must match what the endpoints actually enforce.
 */
import { PROMPT_VALUES } from './authorize.js';
import { supportedClaims } from './claims.js';
import { SIGNING_ALGS, type SigningAlg } from './id-token.js';

/** Scopes we support (OIDC Core §5.4, §11). */
export const SUPPORTED_SCOPES = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'] as const;

/** Client authentication methods of the token endpoint. */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

export interface ProviderMetadataOptions {
  /** Values of `acr` we may assert; omitted from the document when empty. */
  acrValuesSupported?: string[];
  /** Algorithms of the keys in our JWKS; default ES256 and RS256. */
  idTokenSigningAlgs?: SigningAlg[];
  /** Namespace of private claims (see `claims.ts`). */
  claimNamespace?: string;
  /** The operator's custom scopes → the `x_` claims they release (config `profile.scopes`). */
  customScopes?: ReadonlyMap<string, readonly string[]>;
  /** BCP 47 tags of the languages of our pages; omitted when not given. */
  uiLocalesSupported?: string[];
  /** A page documenting the provider for client developers. */
  serviceDocumentation?: string;
}

export type ProviderMetadata = Record<string, string | boolean | string[]>;

/** The issuer without trailing slashes, to append endpoint paths to. */
function endpointBase(issuer: string): string {
  return issuer.replace(/\/+$/, '');
}

/**
 * The Discovery 1.0 document. `issuer` is returned exactly as given: it must be identical to the
 * `iss` of our ID Tokens and to the URL the document was fetched under (Discovery §4.3), which
 * clients check to detect mix-ups.
 */
export function providerMetadata(issuer: string, options: ProviderMetadataOptions = {}): ProviderMetadata {
  const base = endpointBase(issuer);
  const metadata: ProviderMetadata = {
    issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    userinfo_endpoint: `${base}/userinfo`,
    jwks_uri: `${base}/jwks`,
    revocation_endpoint: `${base}/revoke`,
    introspection_endpoint: `${base}/introspect`,
    end_session_endpoint: `${base}/logout`,
    scopes_supported: [...SUPPORTED_SCOPES, ...(options.customScopes?.keys() ?? [])],
    // Code flow only: implicit and hybrid expose tokens in the front channel (RFC 9700 §2.1.2).
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...(options.idTokenSigningAlgs ?? SIGNING_ALGS)],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    // RFC 7009 §2.1 lets public clients revoke their own tokens, so `none` is allowed here...
    revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    // ...but introspection reveals token metadata and needs an authenticated caller (RFC 7662 §2.1).
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // S256 only; advertising it also tells clients we support PKCE at all (RFC 9700 §2.1.1).
    code_challenge_methods_supported: ['S256'],
    claim_types_supported: ['normal'],
    claims_supported: supportedClaims({
      ...(options.claimNamespace === undefined ? {} : { namespace: options.claimNamespace }),
      ...(options.customScopes === undefined ? {} : { customScopes: options.customScopes }),
    }),
    prompt_values_supported: [...PROMPT_VALUES],
    // RFC 9207: we put `iss` in every authorization response.
    authorization_response_iss_parameter_supported: true,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    // userinfo_signing_alg_values_supported is left out on purpose: UserInfo answers plain JSON.
  };
  if (options.acrValuesSupported !== undefined && options.acrValuesSupported.length > 0) {
    metadata['acr_values_supported'] = [...options.acrValuesSupported];
  }
  if (options.uiLocalesSupported !== undefined && options.uiLocalesSupported.length > 0) {
    metadata['ui_locales_supported'] = [...options.uiLocalesSupported];
  }
  if (options.serviceDocumentation !== undefined) metadata['service_documentation'] = options.serviceDocumentation;
  return metadata;
}

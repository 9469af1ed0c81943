import { describe, expect, it } from 'vitest';
import { parseAuthorizationRequest } from '../../../src/protocol/oidc/authorize.js';
import { customerIdClaim } from '../../../src/protocol/oidc/claims.js';
import type { OidcClient } from '../../../src/protocol/oidc/client.js';
import { SUPPORTED_SCOPES, providerMetadata } from '../../../src/protocol/oidc/discovery.js';
import { CONFIDENTIAL, ISSUER, RFC7636_CHALLENGE, rejection } from './helpers.js';

describe('providerMetadata', () => {
  const doc = providerMetadata(ISSUER);

  it('names the issuer and endpoints', () => {
    expect(doc).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      jwks_uri: `${ISSUER}/jwks`,
      revocation_endpoint: `${ISSUER}/revoke`,
      introspection_endpoint: `${ISSUER}/introspect`,
      end_session_endpoint: `${ISSUER}/logout`,
    });
  });

  it('advertises exactly what the protocol functions enforce', () => {
    expect(doc).toMatchObject({
      scopes_supported: ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'],
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256', 'RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
      prompt_values_supported: ['none', 'login', 'consent', 'select_account', 'create'],
      authorization_response_iss_parameter_supported: true,
      claims_parameter_supported: false,
      request_parameter_supported: false,
      // must be explicit: Discovery §3 defaults request_uri_parameter_supported to true
      request_uri_parameter_supported: false,
    });
  });

  describe('the authorization endpoint accepts what is advertised and refuses the rest', () => {
    const client: OidcClient = { ...CONFIDENTIAL, scopes: ['openid', 'profile', 'email', 'phone', 'address', 'offline_access', 'extra'] };
    const parse = (overrides: Record<string, string>) =>
      parseAuthorizationRequest(
        Object.fromEntries(
          Object.entries({ client_id: client.clientId, redirect_uri: client.redirectUris[0]!, response_type: 'code', scope: 'openid', ...overrides }).map(([k, v]) => [k, [v]]),
        ),
        async (id) => (id === client.clientId ? client : null),
        { supportedScopes: [...SUPPORTED_SCOPES] },
      );
    const advertised = (key: string) => doc[key] as string[];

    it('scopes', async () => {
      const request = await parse({ scope: [...advertised('scopes_supported'), 'extra'].join(' '), prompt: 'consent' });
      expect([...request.scopes].sort()).toEqual([...advertised('scopes_supported')].sort()); // 'extra' is not supported
    });

    it('response types and modes', async () => {
      for (const mode of advertised('response_modes_supported')) expect((await parse({ response_mode: mode })).responseMode).toBe(mode);
      for (const type of advertised('response_types_supported')) await parse({ response_type: type });
      for (const type of ['token', 'id_token', 'code id_token']) expect(await rejection(() => parse({ response_type: type }))).toBeInstanceOf(Error);
      expect(await rejection(() => parse({ response_mode: 'fragment' }))).toBeInstanceOf(Error);
    });

    it('PKCE methods and prompt values', async () => {
      for (const method of advertised('code_challenge_methods_supported')) {
        expect((await parse({ code_challenge: RFC7636_CHALLENGE, code_challenge_method: method })).codeChallenge).toBe(RFC7636_CHALLENGE);
      }
      expect(await rejection(() => parse({ code_challenge: RFC7636_CHALLENGE, code_challenge_method: 'plain' }))).toBeInstanceOf(Error);
      for (const prompt of advertised('prompt_values_supported')) expect((await parse({ prompt })).prompt).toEqual([prompt]);
    });
  });

  it('lists the claims, including the namespaced customer id', () => {
    const claims = doc['claims_supported'] as string[];
    expect(claims).toContain('sub');
    expect(claims).toContain('email_verified');
    expect(claims).toContain(customerIdClaim());
    const custom = providerMetadata(ISSUER, { claimNamespace: 'https://shop.example/c/' });
    expect(custom['claims_supported']).toContain('https://shop.example/c/customer_id');
  });

  it('omits what we do not do', () => {
    for (const key of ['userinfo_signing_alg_values_supported', 'acr_values_supported', 'ui_locales_supported', 'check_session_iframe', 'registration_endpoint', 'request_object_signing_alg_values_supported', 'frontchannel_logout_supported']) {
      expect(doc).not.toHaveProperty(key);
    }
    expect(doc['response_types_supported']).not.toContain('token');
    expect(doc['code_challenge_methods_supported']).not.toContain('plain');
  });

  it('includes acr values and options when configured', () => {
    const configured = providerMetadata(ISSUER, {
      acrValuesSupported: ['urn:idbridge:password'],
      idTokenSigningAlgs: ['ES256'],
      uiLocalesSupported: ['en', 'fr'],
      serviceDocumentation: 'https://docs.example/',
    });
    expect(configured).toMatchObject({
      acr_values_supported: ['urn:idbridge:password'],
      id_token_signing_alg_values_supported: ['ES256'],
      ui_locales_supported: ['en', 'fr'],
      service_documentation: 'https://docs.example/',
    });
    expect(providerMetadata(ISSUER, { acrValuesSupported: [] })).not.toHaveProperty('acr_values_supported');
  });

  it('keeps a path issuer exactly and builds endpoints under it', () => {
    const tenant = providerMetadata('https://id.example.com/t/shop');
    expect(tenant['issuer']).toBe('https://id.example.com/t/shop');
    expect(tenant['token_endpoint']).toBe('https://id.example.com/t/shop/token');
    const slash = providerMetadata('https://id.example.com/');
    expect(slash['issuer']).toBe('https://id.example.com/');
    expect(slash['jwks_uri']).toBe('https://id.example.com/jwks');
  });

  it('is plain JSON and not shared between calls', () => {
    const a = providerMetadata(ISSUER);
    (a['scopes_supported'] as string[]).push('evil');
    expect(providerMetadata(ISSUER)['scopes_supported']).not.toContain('evil');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/document.js';

const parse = (connectors: unknown, env: Record<string, string> = { G: 'google-secret' }) =>
  parseConfigDocument({ name: 'idbridge.config.yaml', data: { connectors } }, env);

describe('the connectors section of the config document', () => {
  it('merges a preset under the operator keys', () => {
    const { document, problems } = parse([{ id: 'google', kind: 'google', clientId: 'cid', clientSecret: '${G}' }]);
    expect(problems).toEqual([]);
    expect(document.connectors[0]).toMatchObject({
      id: 'google',
      kind: 'oidc',
      preset: 'google',
      label: 'Google',
      issuer: 'https://accounts.google.com',
      clientSecret: 'google-secret',
      clientAuth: 'client_secret_basic',
      policy: 'link-by-email',
      pkce: true,
    });
  });

  it('the eID preset asks for mobile authentication and maps the hashed national id', () => {
    const { document, problems } = parse([{ id: 'eid', kind: 'sisuid', issuer: 'https://eid.example/', clientId: 'cid', clientSecret: '${G}' }]);
    expect(problems).toEqual([]);
    expect(document.connectors[0]).toMatchObject({ acrValues: ['mobileauth'], policy: 'map-existing', match: { claim: 'ssn', hashed: true }, requiredClaims: ['ssn'] });
  });

  it('refuses a literal client secret, and never echoes it', () => {
    const { problems } = parse([{ id: 'google', kind: 'google', clientId: 'cid', clientSecret: 'literal-secret-value' }]);
    expect(problems).toEqual([expect.stringMatching(/^connectors\.0\.clientSecret: is a secret; do not write it in idbridge\.config\.yaml/)]);
    expect(problems.join('\n')).not.toContain('literal-secret-value');
  });

  it('names each bad setting, the value and what is allowed', () => {
    const { problems } = parse([
      { id: 'Bad Id', kind: 'saml', clientId: 'x', policy: 'create' },
      { id: 'o', kind: 'oauth2', label: 'O', clientId: 'x', clientSecret: '${G}', policy: 'map-existing' },
      { id: 'p', kind: 'oidc', label: 'P', issuer: 'http://insecure.example', clientId: 'x', clientAuth: 'none', pkce: false, policy: 'create' },
    ]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^connectors\.0\.id: "Bad Id": must be 1-32 lower-case/),
        expect.stringMatching(/^connectors\.0\.kind: "saml": must be oidc, oauth2 or a preset \(google, microsoft, apple, facebook, github, sisuid\)/),
        'connectors.1.authorizationUrl: required (kind oauth2)',
        'connectors.1.match: required (policy map-existing)',
        'connectors.2.pkce: must be true with clientAuth none (a public client needs PKCE)',
        'connectors.2.allowInsecure: must be true for the http:// URL http://insecure.example (development only)',
      ]),
    );
  });

  it('refuses duplicate ids', () => {
    const one = { id: 'g', kind: 'google', clientId: 'cid', clientSecret: '${G}' };
    expect(parse([one, one]).problems).toEqual(['connectors.1.id: duplicate connector id g']);
  });
});

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  claimedIdentifierXrds,
  escapeMarkup,
  htmlDiscoveryLinks,
  opIdentifierXrds,
} from '../../../src/protocol/openid2/discovery.js';

// node `openid`'s own XRDS parser, to check it reads what we serve.
const xrds = createRequire(import.meta.url)('openid/lib/xrds.js') as {
  parse(data: string): Array<{ type: string; uri: string; id?: string; priority: number }>;
};

const OP = 'https://op.example/openid';
const ME = 'https://op.example/id/u-123';

describe('discovery documents', () => {
  it('OP identifier XRDS names the server service at the endpoint', () => {
    const doc = opIdentifierXrds(OP);
    expect(doc).toContain('<Type>http://specs.openid.net/auth/2.0/server</Type>');
    expect(doc).toContain(`<URI>${OP}</URI>`);
    expect(doc).not.toContain('LocalID');
    const services = xrds.parse(doc);
    expect(services.map((s) => s.type)).toEqual([
      'http://specs.openid.net/auth/2.0/server',
      'http://openid.net/extensions/sreg/1.1',
      'http://openid.net/sreg/1.0',
      'http://openid.net/srv/ax/1.0',
    ]);
    expect(services.every((s) => s.uri === OP)).toBe(true);
  });

  it('claimed identifier XRDS names the signon service with LocalID', () => {
    const services = xrds.parse(claimedIdentifierXrds(OP, ME));
    expect(services[0]).toMatchObject({ type: 'http://specs.openid.net/auth/2.0/signon', uri: OP, id: ME });
  });

  it('escapes markup in every value', () => {
    expect(escapeMarkup(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
    const evil = 'https://op.example/x?a=1&b="><script>alert(1)</script>';
    for (const doc of [opIdentifierXrds(evil), claimedIdentifierXrds(evil, evil), htmlDiscoveryLinks(evil, evil)]) {
      expect(doc).not.toContain('<script>');
      expect(doc).not.toContain('"><');
      expect(doc).toContain('&amp;b=&quot;&gt;&lt;script&gt;');
    }
  });

  it('HTML discovery links, one per line', () => {
    expect(htmlDiscoveryLinks(OP, ME)).toBe(
      `\n<link rel="openid2.provider" href="${OP}">\n<link rel="openid2.local_id" href="${ME}">\n`,
    );
    expect(htmlDiscoveryLinks(OP)).toBe(`\n<link rel="openid2.provider" href="${OP}">\n`);
  });
});

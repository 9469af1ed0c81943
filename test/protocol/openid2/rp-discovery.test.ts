import { describe, expect, it } from 'vitest';
import { parseRealm } from '../../../src/protocol/openid2/realm.js';
import {
  discoverRelyingParty,
  metaXrdsLocation,
  relyingPartyDiscoveryUrl,
  relyingPartyXrds,
  returnToListed,
  returnToUrlsFromXrds,
  returnToVerdict,
  type YadisGet,
  type YadisResponse,
} from '../../../src/protocol/openid2/rp-discovery.js';

const RETURN_TO_TYPE = 'http://specs.openid.net/auth/2.0/return_to';

/** An XRDS as RPs in the wild write it (prefixed root, default namespace, several services). */
const XRDS = `<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns:openid="http://openid.net/xmlns/1.0" xmlns="xri://$xrd*($v*2.0)">
  <XRD>
    <!-- <Service><Type>${RETURN_TO_TYPE}</Type><URI>https://commented.example.com/</URI></Service> -->
    <Service priority="10">
      <Type>http://specs.openid.net/auth/2.0/signon</Type>
      <URI>https://op.example.com/server</URI>
    </Service>
    <Service priority="1">
      <Type>
        ${RETURN_TO_TYPE}
      </Type>
      <URI>https://rp.example.com/openid/return?x=1&amp;y=2</URI>
      <URI priority="2"><![CDATA[https://rp.example.com/other&more]]></URI>
    </Service>
  </XRD>
</xrds:XRDS>`;

describe('returnToUrlsFromXrds (§13)', () => {
  it('lists the URIs of return_to services, decoding entities and CDATA, ignoring comments and other services', () => {
    expect(returnToUrlsFromXrds(XRDS)).toEqual(['https://rp.example.com/openid/return?x=1&y=2', 'https://rp.example.com/other&more']);
  });

  it('reads prefixed elements by local name, and only the last XRD', () => {
    const doc = `<x:XRDS xmlns:x="xri://$xrds"><r:XRD xmlns:r="xri://$xrd*($v*2.0)"><r:Service><r:Type>${RETURN_TO_TYPE}</r:Type><r:URI>https://first.example/</r:URI></r:Service></r:XRD>
      <r:XRD xmlns:r="xri://$xrd*($v*2.0)"><r:Service><r:Type>${RETURN_TO_TYPE}</r:Type><r:URI>https://last.example/</r:URI></r:Service></r:XRD></x:XRDS>`;
    expect(returnToUrlsFromXrds(doc)).toEqual(['https://last.example/']);
  });

  it('an XRDS without a return_to service lists nothing; a non-XRDS document is null', () => {
    expect(returnToUrlsFromXrds('<xrds:XRDS xmlns:xrds="xri://$xrds"><XRD><Service><Type>x</Type><URI>https://a/</URI></Service></XRD></xrds:XRDS>')).toEqual([]);
    expect(returnToUrlsFromXrds('<html><body>Hello</body></html>')).toBeNull();
    expect(returnToUrlsFromXrds('')).toBeNull();
    expect(returnToUrlsFromXrds('<XRDS><Service><Type>' + RETURN_TO_TYPE + '</Type><URI>https://a/</URI></Service></XRDS>')).toBeNull(); // no XRD
    expect(returnToUrlsFromXrds('<xrds:XRDS><XRD><Service><Type>' + RETURN_TO_TYPE)).toEqual([]); // truncated
  });

  it('reads what relyingPartyXrds writes (the demo RP publishes it)', () => {
    const urls = ['http://127.0.0.1:3000/demo/return', 'https://a.example/cb?x=1&y=<2>'];
    expect(returnToUrlsFromXrds(relyingPartyXrds(urls))).toEqual(urls);
  });

  it('copes with hostile input (64 KiB of unclosed tags) without backtracking', () => {
    // Quadratic parsing of these would take seconds (the test timeout); the parser is one pass.
    for (const junk of ['<Service'.repeat(8192), `<XRDS><XRD>${'<Service><Type>'.repeat(4096)}`, '<!--'.repeat(16384), '<meta a'.repeat(9362)]) {
      expect(returnToUrlsFromXrds(junk) ?? []).toEqual([]);
      expect(metaXrdsLocation(junk)).toBeNull();
    }
  });
});

describe('metaXrdsLocation (Yadis §6.2.5)', () => {
  it('finds the http-equiv meta in the head, any case and quoting, entities decoded', () => {
    expect(metaXrdsLocation('<html><head><META HTTP-EQUIV="X-XRDS-Location" CONTENT="https://rp.example/xrds?a=1&amp;b=2"></head></html>')).toBe(
      'https://rp.example/xrds?a=1&b=2',
    );
    expect(metaXrdsLocation("<head><meta content='/yadis' http-equiv='x-xrds-location'/></head>")).toBe('/yadis');
  });

  it('ignores other metas, metas after the head, and prototype-named attributes', () => {
    expect(metaXrdsLocation('<head><meta charset="utf-8"><meta name="x" content="y"></head>')).toBeNull();
    expect(metaXrdsLocation('<head></head><body><meta http-equiv="X-XRDS-Location" content="/late"></body>')).toBeNull();
    expect(metaXrdsLocation('<head><meta __proto__="x" constructor="y" http-equiv="X-XRDS-Location" content="/ok"></head>')).toBe('/ok');
  });
});

describe('relyingPartyDiscoveryUrl (§9.2.1)', () => {
  it('discovers the realm itself; a wildcard realm at www.', () => {
    expect(relyingPartyDiscoveryUrl(parseRealm('https://rp.example.com/openid'))).toBe('https://rp.example.com/openid');
    expect(relyingPartyDiscoveryUrl(parseRealm('https://*.example.com/'))).toBe('https://www.example.com/');
    expect(relyingPartyDiscoveryUrl(parseRealm('http://*.example.co.uk:8080/a?q=1'))).toBe('http://www.example.co.uk:8080/a?q=1');
  });
});

describe('returnToListed (§9.2 rules, no wildcards)', () => {
  const listed = ['https://rp.example.com/openid/return', 'http://other.example.com:8080/'];
  it.each([
    ['https://rp.example.com/openid/return', true],
    ['https://rp.example.com/openid/return?session=abc', true],
    ['https://rp.example.com/openid/return/deeper', true],
    ['https://rp.example.com/openid/returnx', false],
    ['https://rp.example.com/openid', false],
    ['http://rp.example.com/openid/return', false],
    ['https://evil.example.com/openid/return', false],
    ['http://other.example.com:8080/anything', true],
    ['http://other.example.com/anything', false],
  ])('%s → %s', (returnTo, expected) => {
    expect(returnToListed(listed, returnTo)).toBe(expected);
  });

  it('a wildcard or malformed entry matches nothing', () => {
    expect(returnToListed(['https://*.example.com/'], 'https://www.example.com/cb')).toBe(false);
    expect(returnToListed(['not a url', 'javascript:alert(1)', ''], 'https://www.example.com/cb')).toBe(false);
  });
});

/** The Yadis port as a table of canned answers, recording what was asked. */
function yadis(answers: Record<string, YadisResponse | { failed: string }>) {
  const asked: Array<[string, boolean]> = [];
  const get: YadisGet = async (url, followRedirects) => {
    asked.push([url, followRedirects]);
    return answers[url] ?? { status: 404, contentType: 'text/plain', xrdsLocation: null, body: '' };
  };
  return { get, asked };
}

const xrdsAnswer = (returnTo: string[]): YadisResponse => ({
  status: 200,
  contentType: 'application/xrds+xml; charset=utf-8',
  xrdsLocation: null,
  body: relyingPartyXrds(returnTo),
});

describe('discoverRelyingParty', () => {
  const realm = parseRealm('https://rp.example.com/');

  it('an XRDS answer at the realm; the realm fetch does not follow redirects', async () => {
    const { get, asked } = yadis({ 'https://rp.example.com/': xrdsAnswer(['https://rp.example.com/return']) });
    const found = await discoverRelyingParty(realm, get);
    expect(found).toEqual({ returnTo: ['https://rp.example.com/return'] });
    expect(asked).toEqual([['https://rp.example.com/', false]]);
    expect(returnToVerdict(found, 'https://rp.example.com/return?s=1')).toBe('verified');
    expect(returnToVerdict(found, 'https://rp.example.com/elsewhere')).toBe('return_to_not_listed');
  });

  it('follows X-XRDS-Location (header, then HTML meta), relative to the realm, redirects allowed there', async () => {
    const header = yadis({
      'https://rp.example.com/': { status: 200, contentType: 'text/html', xrdsLocation: '/yadis.xml', body: '<html></html>' },
      'https://rp.example.com/yadis.xml': xrdsAnswer(['https://rp.example.com/cb']),
    });
    expect(await discoverRelyingParty(realm, header.get)).toEqual({ returnTo: ['https://rp.example.com/cb'] });
    expect(header.asked).toEqual([
      ['https://rp.example.com/', false],
      ['https://rp.example.com/yadis.xml', true],
    ]);
    const meta = yadis({
      'https://rp.example.com/': { status: 200, contentType: 'text/html; charset=utf-8', xrdsLocation: null, body: '<head><meta http-equiv="X-XRDS-Location" content="https://cdn.example.net/x"></head>' },
      'https://cdn.example.net/x': xrdsAnswer(['https://rp.example.com/cb']),
    });
    expect(await discoverRelyingParty(realm, meta.get)).toEqual({ returnTo: ['https://rp.example.com/cb'] });
  });

  it('an XRDS body under another content type still counts', async () => {
    const { get } = yadis({ 'https://rp.example.com/': { ...xrdsAnswer(['https://rp.example.com/cb']), contentType: 'text/xml' } });
    expect(await discoverRelyingParty(realm, get)).toEqual({ returnTo: ['https://rp.example.com/cb'] });
  });

  it('failures: no XRDS, HTTP errors, fetch refusals (including a realm that redirects), a bad location', async () => {
    const html = { status: 200, contentType: 'text/html', xrdsLocation: null, body: '<html><head></head></html>' };
    expect(await discoverRelyingParty(realm, yadis({ 'https://rp.example.com/': html }).get)).toEqual({ failed: 'no_xrds' });
    expect(await discoverRelyingParty(realm, yadis({}).get)).toEqual({ failed: 'fetch_failed:http_404' });
    expect(await discoverRelyingParty(realm, yadis({ 'https://rp.example.com/': { failed: 'redirected' } }).get)).toEqual({ failed: 'fetch_failed:redirected' });
    expect(await discoverRelyingParty(realm, yadis({ 'https://rp.example.com/': { failed: 'timeout' } }).get)).toEqual({ failed: 'fetch_failed:timeout' });
    const pointer = { ...html, xrdsLocation: '/gone' };
    expect(await discoverRelyingParty(realm, yadis({ 'https://rp.example.com/': pointer }).get)).toEqual({ failed: 'fetch_failed:http_404' });
    const badPointer = { ...html, xrdsLocation: 'http://[bad' };
    expect(await discoverRelyingParty(realm, yadis({ 'https://rp.example.com/': badPointer }).get)).toEqual({ failed: 'fetch_failed:invalid_url' });
    expect(returnToVerdict({ failed: 'no_xrds' }, 'https://rp.example.com/')).toBe('no_xrds');
  });

  it('a wildcard realm is discovered at www.', async () => {
    const { get, asked } = yadis({ 'https://www.example.com/': xrdsAnswer(['https://app.example.com/cb']) });
    const found = await discoverRelyingParty(parseRealm('https://*.example.com/'), get);
    expect(asked[0]).toEqual(['https://www.example.com/', false]);
    expect(returnToVerdict(found, 'https://app.example.com/cb')).toBe('verified');
  });
});

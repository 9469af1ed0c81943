import { describe, expect, it } from 'vitest';
import { buildPostbackForm, isTrustedRealm, type PostbackInput } from '../../src/bridge/postback-form.js';
import type { SregField } from '../../src/users/profile.js';
import type { DirectoryUser } from '../../src/users/user.js';

const user: DirectoryUser = {
  id: 'usr_8f3c2a9d7e6b',
  email: 'alice@example.com',
  username: 'alice',
  emailVerified: true,
  blocked: false,
  profile: {
    email: 'alice@example.com',
    nickname: 'alice',
    fullname: 'Alice Liddell',
    country: 'GB',
  },
  attributes: {},
  phone: '+44 20 7946 0000',
  customerId: 'cus_123',
  externalId: 'ext_456',
  loginsCount: 12,
  loginTime: 1_700_000_000_000,
  createTime: 1_600_000_000_000,
  updateTime: 1_650_000_000_000,
};

function input(overrides: Partial<PostbackInput> = {}): PostbackInput {
  return {
    apiKey: 'k'.repeat(40),
    requestId: 'req_0123456789abcdef',
    returnToken: 'rt_0123456789abcdefghijklmnopqrstuv',
    user,
    requestedAttributes: [],
    noPrompt: false,
    ...overrides,
  };
}

/** Decode what would go on the wire. */
function decode(form: URLSearchParams): Map<string, string[]> {
  const decoded = new URLSearchParams(form.toString());
  const out = new Map<string, string[]>();
  for (const [k, v] of decoded) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

describe('buildPostbackForm', () => {
  it('carries api_key, request_id, username and no_prompt', () => {
    const fields = decode(buildPostbackForm(input()));
    expect(Object.fromEntries(fields)).toEqual({
      api_key: ['k'.repeat(40)],
      request_id: ['req_0123456789abcdef'],
      username: ['usr_8f3c2a9d7e6b'],
      no_prompt: ['false'],
      return_token: ['rt_0123456789abcdefghijklmnopqrstuv'],
    });
  });

  it('sends the stable user id as username, never the email or login name', () => {
    const wire = buildPostbackForm(input()).toString();
    const fields = decode(buildPostbackForm(input()));
    expect(fields.get('username')).toEqual([user.id]);
    expect(wire).not.toContain(encodeURIComponent(user.email));
    expect(wire).not.toContain('alice');
  });

  it('encodes no_prompt as the strings true / false', () => {
    expect(decode(buildPostbackForm(input({ noPrompt: true }))).get('no_prompt')).toEqual(['true']);
    expect(decode(buildPostbackForm(input({ noPrompt: false }))).get('no_prompt')).toEqual(['false']);
  });

  it('sends the requested sreg values the user has', () => {
    const fields = decode(buildPostbackForm(input({ requestedAttributes: ['email', 'fullname'] })));
    expect(fields.get('sreg_email')).toEqual(['alice@example.com']);
    expect(fields.get('sreg_fullname')).toEqual(['Alice Liddell']);
  });

  it('omits requested values the user does not have', () => {
    const fields = decode(buildPostbackForm(input({ requestedAttributes: ['email', 'dob', 'postcode', 'timezone'] })));
    expect(fields.get('sreg_email')).toEqual(['alice@example.com']);
    expect(fields.has('sreg_dob')).toBe(false);
    expect(fields.has('sreg_postcode')).toBe(false);
    expect(fields.has('sreg_timezone')).toBe(false);
  });

  it('omits empty profile values', () => {
    const blank: DirectoryUser = { ...user, profile: { ...user.profile, nickname: '' } };
    const fields = decode(buildPostbackForm(input({ user: blank, requestedAttributes: ['nickname'] })));
    expect(fields.has('sreg_nickname')).toBe(false);
  });

  it('never sends unrequested values', () => {
    const fields = decode(buildPostbackForm(input({ requestedAttributes: ['nickname'] })));
    expect([...fields.keys()].sort()).toEqual(['api_key', 'no_prompt', 'request_id', 'return_token', 'sreg_nickname', 'username']);
    expect(fields.has('sreg_email')).toBe(false);
    expect(fields.has('sreg_fullname')).toBe(false);
    expect(fields.has('sreg_country')).toBe(false);
  });

  it('never sends the password hash or other user columns', () => {
    const leaky = {
      ...user,
      passwordHash: '$scrypt$ln=17,r=8,p=1$c2FsdA$aGFzaA',
      password_hash: '$scrypt$ln=17,r=8,p=1$c2FsdA$aGFzaA',
    } as DirectoryUser;
    const all: SregField[] = ['nickname', 'email', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone'];
    const form = buildPostbackForm(input({ user: leaky, requestedAttributes: all }));
    const fields = decode(form);
    expect([...fields.keys()].sort()).toEqual(
      ['api_key', 'no_prompt', 'request_id', 'return_token', 'sreg_country', 'sreg_email', 'sreg_fullname', 'sreg_nickname', 'username'].sort(),
    );
    const wire = form.toString();
    for (const secret of ['scrypt', 'c2FsdA', 'cus_123', 'ext_456', '7946', 'blocked', 'emailVerified', 'loginsCount']) {
      expect(wire).not.toContain(secret);
    }
  });

  it('sends each requested field once even when requested twice', () => {
    const fields = decode(buildPostbackForm(input({ requestedAttributes: ['email', 'email'] })));
    expect(fields.get('sreg_email')).toEqual(['alice@example.com']);
  });

  it('x-www-form-urlencodes special characters so they round-trip exactly', () => {
    const tricky = 'Zoë & Ann = 1+1 %20 ?#;/\nsecond line\r\n日本語 😀';
    const weird: DirectoryUser = {
      ...user,
      id: 'id&username=admin',
      email: 'x+tag@example.com',
      profile: { fullname: tricky, nickname: 'a=b&c=d', email: 'x+tag@example.com' },
    };
    const form = buildPostbackForm(
      input({ user: weird, apiKey: 'key+with/slash=and&amp', requestId: 'r e q', requestedAttributes: ['fullname', 'nickname', 'email'] }),
    );
    const wire = form.toString();
    const fields = decode(form);
    expect(fields.get('sreg_fullname')).toEqual([tricky]);
    expect(fields.get('sreg_nickname')).toEqual(['a=b&c=d']);
    expect(fields.get('sreg_email')).toEqual(['x+tag@example.com']);
    expect(fields.get('username')).toEqual(['id&username=admin']);
    expect(fields.get('api_key')).toEqual(['key+with/slash=and&amp']);
    expect(fields.get('request_id')).toEqual(['r e q']);
    // Injected separators must not create extra parameters.
    expect(fields.has('admin')).toBe(false);
    expect(wire.split('&')).toHaveLength(8);
    // Wire form: spaces as '+', literal '+' as %2B, no raw newlines or non-ASCII.
    expect(wire).toContain('request_id=r+e+q');
    expect(wire).toContain('sreg_email=x%2Btag%40example.com');
    expect(wire).not.toMatch(/[\r\n]/);
    expect(wire).toMatch(/^[\x21-\x7e]*$/);
  });
});

describe('isTrustedRealm', () => {
  const trusted = ['https://rp.example.com/', 'https://*.partner.example/'];

  it('matches a listed realm exactly', () => {
    expect(isTrustedRealm('https://rp.example.com/', trusted)).toBe(true);
    expect(isTrustedRealm('https://*.partner.example/', trusted)).toBe(true);
  });

  it('does not widen by prefix, path, case, scheme or trailing slash', () => {
    for (const realm of [
      'https://rp.example.com',
      'https://rp.example.com/app/',
      'https://rp.example.com.evil.test/',
      'https://evil.rp.example.com/',
      'http://rp.example.com/',
      'HTTPS://RP.EXAMPLE.COM/',
      'https://rp.example.com:443/',
      'https://rp.example.co/',
    ]) {
      expect(isTrustedRealm(realm, trusted), realm).toBe(false);
    }
  });

  it('does not expand wildcards in the trusted list', () => {
    expect(isTrustedRealm('https://app.partner.example/', trusted)).toBe(false);
    expect(isTrustedRealm('https://partner.example/', trusted)).toBe(false);
  });

  it('is false for a null realm or an empty list', () => {
    expect(isTrustedRealm(null, trusted)).toBe(false);
    expect(isTrustedRealm('https://rp.example.com/', [])).toBe(false);
    expect(isTrustedRealm('', trusted)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CLAIM_NAMESPACE,
  birthdateFromSreg,
  claimsForScopes,
  customerIdClaim,
  supportedClaims,
  type UserClaimsSource,
} from '../../../src/protocol/oidc/claims.js';

const FULL: UserClaimsSource = {
  sub: 'u-1',
  email: 'alice@example.com',
  emailVerified: true,
  username: 'alice',
  nickname: 'Ali',
  fullname: 'Alice Liddell',
  dob: '1990-07-04',
  gender: 'F',
  postcode: 'OX1 1DP',
  country: 'GB',
  language: 'en-GB',
  timezone: 'Europe/London',
  phone: '+441865000000',
  phoneVerified: false,
  customerId: 'C-42',
  updatedAt: 1_700_000_123_456,
};

describe('claimsForScopes', () => {
  it('releases only sub for openid', () => {
    expect(claimsForScopes(FULL, ['openid'])).toEqual({ sub: 'u-1' });
  });

  it('maps the profile scope (SREG → OIDC)', () => {
    expect(claimsForScopes(FULL, ['openid', 'profile'])).toEqual({
      sub: 'u-1',
      name: 'Alice Liddell',
      nickname: 'Ali',
      preferred_username: 'alice',
      birthdate: '1990-07-04',
      gender: 'female',
      zoneinfo: 'Europe/London',
      locale: 'en-GB',
      updated_at: 1_700_000_123,
      [`${DEFAULT_CLAIM_NAMESPACE}customer_id`]: 'C-42',
    });
  });

  it('maps gender M to male', () => {
    expect(claimsForScopes({ sub: 's', gender: 'M' }, ['profile'])).toEqual({ sub: 's', gender: 'male' });
  });

  it('maps the email scope', () => {
    expect(claimsForScopes(FULL, ['openid', 'email'])).toEqual({ sub: 'u-1', email: 'alice@example.com', email_verified: true });
    expect(claimsForScopes({ sub: 's', email: 'a@b.c', emailVerified: false }, ['email'])).toEqual({ sub: 's', email: 'a@b.c', email_verified: false });
  });

  it('does not release email_verified without an email', () => {
    expect(claimsForScopes({ sub: 's', emailVerified: true }, ['email'])).toEqual({ sub: 's' });
  });

  it('maps the phone scope', () => {
    expect(claimsForScopes(FULL, ['phone'])).toEqual({ sub: 'u-1', phone_number: '+441865000000', phone_number_verified: false });
    expect(claimsForScopes({ sub: 's', phone: '+1' }, ['phone'])).toEqual({ sub: 's', phone_number: '+1' });
  });

  it('maps the address scope', () => {
    expect(claimsForScopes(FULL, ['address'])).toEqual({ sub: 'u-1', address: { postal_code: 'OX1 1DP', country: 'GB' } });
    expect(claimsForScopes({ sub: 's', country: 'FR' }, ['address'])).toEqual({ sub: 's', address: { country: 'FR' } });
    expect(claimsForScopes({ sub: 's' }, ['address'])).toEqual({ sub: 's' });
  });

  it('releases nothing for scopes not granted', () => {
    const claims = claimsForScopes(FULL, ['openid', 'offline_access', 'unknown']);
    expect(Object.keys(claims)).toEqual(['sub']);
  });

  it('omits empty values', () => {
    const claims = claimsForScopes(
      { sub: 's', email: '', fullname: '', nickname: '', timezone: '', language: '', customerId: '', postcode: '', phone: '' },
      ['profile', 'email', 'phone', 'address'],
    );
    expect(claims).toEqual({ sub: 's' });
  });

  it('uses the configured namespace for the customer id', () => {
    const claims = claimsForScopes({ sub: 's', customerId: '7' }, ['profile'], { namespace: 'https://shop.example/claims/' });
    expect(claims).toEqual({ sub: 's', 'https://shop.example/claims/customer_id': '7' });
    expect(customerIdClaim('urn:x:')).toBe('urn:x:customer_id');
  });

  it('lists the claims it can issue', () => {
    const claims = supportedClaims();
    for (const name of ['sub', 'name', 'email', 'email_verified', 'phone_number', 'address', 'birthdate', 'updated_at', customerIdClaim()]) {
      expect(claims).toContain(name);
    }
    expect(new Set(claims).size).toBe(claims.length);
  });
});

describe('birthdateFromSreg', () => {
  const cases: Array<[string, string | undefined]> = [
    ['1990-07-04', '1990-07-04'],
    ['1990-00-00', '1990'],
    ['1990-07-00', '1990'],
    ['0000-07-04', '0000-07-04'],
    ['0000-00-00', undefined],
    ['1990-13-01', undefined],
    ['1990-7-4', undefined],
    ['04/07/1990', undefined],
    ['', undefined],
  ];
  for (const [dob, birthdate] of cases) {
    it(`${JSON.stringify(dob)} → ${JSON.stringify(birthdate)}`, () => expect(birthdateFromSreg(dob)).toBe(birthdate));
  }

  it('drops a malformed dob from the profile claims', () => {
    expect(claimsForScopes({ sub: 's', dob: 'yesterday' }, ['profile'])).toEqual({ sub: 's' });
  });
});

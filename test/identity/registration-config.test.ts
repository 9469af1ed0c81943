/** The sign-up / verification / reset settings (env IDBRIDGE_REGISTRATION*, docs/registration.md). */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { testConfig } from '../helpers/config.js';

describe('registration settings', () => {
  it('has safe defaults', () => {
    expect(testConfig().registration).toEqual({
      enabled: true,
      verification: 'assert',
      verificationTtlSeconds: 86_400,
      resetTtlSeconds: 3600,
      passwordMinLength: 8,
      resendCooldownSeconds: 60,
      signupsPerIpPerHour: 10,
      resetsPerAddressPerHour: 3,
      resetsPerIpPerHour: 20,
      siteResetUrl: undefined,
    });
  });

  it('names the setting, the bad value and what is allowed', () => {
    const problems = (() => {
      try {
        testConfig({ IDBRIDGE_EMAIL_VERIFICATION: 'maybe', IDBRIDGE_PASSWORD_MIN_LENGTH: '4', IDBRIDGE_SITE_RESET_URL: 'javascript:alert(1)' });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toContain('IDBRIDGE_EMAIL_VERIFICATION: must be one of allow, assert, require (got "maybe")');
    expect(problems).toContain('IDBRIDGE_PASSWORD_MIN_LENGTH: must be a whole number from 8 to 128 (got "4")');
    expect(problems).toContain('IDBRIDGE_SITE_RESET_URL: must be an absolute http(s) URL (got "javascript:alert(1)")');
  });
});

/** Mailed link tokens on real SQLite: hashed at rest, single use under races, purpose-bound, expiring. */
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/entry/node/database.js';
import { BUILTIN_CATALOGUES, translator } from '../../src/i18n/translate.js';
import { EmailTokens } from '../../src/identity/email-tokens.js';
import { isCommonPassword, newPasswordProblem } from '../../src/identity/password-policy.js';
import { EmailTokenRepository } from '../../src/storage/email-token-repository.js';
import { emailTokens } from '../../src/storage/schema.js';
import { sha256Base64Url } from '../../src/util/bytes.js';
import { TestClock } from '../helpers/clock.js';

describe('EmailTokens', () => {
  const database = openDatabase(':memory:');
  afterAll(() => database.close());
  const clock = new TestClock();
  const tokens = new EmailTokens(new EmailTokenRepository(database.db, 'default'), clock);

  it('stores only the SHA-256 of the token', async () => {
    const token = await tokens.issue('verify-email', 'u_1', 'a@example.com', 3600, 'r'.repeat(20));
    const rows = await database.db.select().from(emailTokens);
    expect(rows.some((r) => r.tokenHash === token)).toBe(false);
    expect(rows.map((r) => r.tokenHash)).toContain(await sha256Base64Url(token));
  });

  it('is used once, even by racing callers, and only for its purpose', async () => {
    const token = await tokens.issue('reset-password', 'u_2', 'b@example.com', 3600);
    expect(await tokens.consume(token, 'verify-email')).toBeNull();
    const results = await Promise.all(Array.from({ length: 8 }, () => tokens.consume(token, 'reset-password')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results.find(Boolean)).toMatchObject({ userId: 'u_2', email: 'b@example.com', requestId: null });
    expect(await tokens.peek(token, 'reset-password')).toBeNull();
  });

  it('expires, and refuses tampered or malformed tokens without a lookup error', async () => {
    const token = await tokens.issue('verify-email', 'u_3', 'c@example.com', 60);
    expect(await tokens.peek(token, 'verify-email')).not.toBeNull();
    for (const bad of [undefined, '', 'short', `${token}x`, token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), "' OR 1=1 --"]) {
      expect(await tokens.consume(bad, 'verify-email')).toBeNull();
    }
    clock.advance(61_000);
    expect(await tokens.consume(token, 'verify-email')).toBeNull();
  });

  it('invalidates a user\'s older links of one purpose', async () => {
    const first = await tokens.issue('reset-password', 'u_4', 'd@example.com', 3600);
    const other = await tokens.issue('verify-email', 'u_4', 'd@example.com', 3600);
    await tokens.invalidateAll('u_4', 'reset-password');
    expect(await tokens.peek(first, 'reset-password')).toBeNull();
    expect(await tokens.peek(other, 'verify-email')).not.toBeNull();
  });
});

describe('new password policy', () => {
  it('refuses short, overlong and common passwords (any case) with a clear message', () => {
    // Message ids the page translates; English shown for what the user reads.
    const en = (password: string, min: number) => {
      const problem = newPasswordProblem(password, min);
      return problem ? translator('en', BUILTIN_CATALOGUES['en']!)(problem.id, problem.values) : undefined;
    };
    expect(en('', 8)).toMatch(/choose a password/);
    expect(en('abc12', 8)).toMatch(/at least 8/);
    expect(en('a'.repeat(11), 12)).toMatch(/at least 12/);
    expect(en('x'.repeat(1025), 8)).toMatch(/at most 1024/);
    expect(en('PassWord123', 8)).toMatch(/too common/);
    expect(newPasswordProblem('abc12', 8)).toEqual({ id: 'problem.password.tooShort', values: { count: 8 } });
    expect(isCommonPassword('12345678')).toBe(true);
    expect(isCommonPassword('juniper lantern 19 quietly')).toBe(false);
    expect(newPasswordProblem('juniper lantern 19 quietly', 8)).toBeUndefined();
  });
});

import type { NewUser } from '../../src/users/user-store.js';

/** A built-in user row for storage tests (a fake hash: these tests never sign in). */
export function newUser(id: string, overrides: Partial<NewUser> = {}): NewUser {
  return {
    id,
    email: `${id}@example.com`,
    username: null,
    passwordHash: 'scrypt$secret-hash',
    profile: { fullname: 'Ada Lovelace' },
    phone: null,
    customerId: `cust-${id}`,
    externalId: null,
    emailVerified: false,
    blocked: false,
    createTime: 1_700_000_000_000,
    ...overrides,
  };
}

/**
 * The one contract every {@link SiteUserSource} keeps (the SQL directory on each engine, the HTTP
 * directory): the same users, the same cases, the same expected answers. Independent of how a
 * source reaches the site: the caller seeds {@link CONTRACT_USERS} into its backend (hashing the
 * passwords however that backend does) and hands over a source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryUnavailableError, type SiteUserRecord, type SiteUserSource } from '../../src/users/site-source.js';
import type { Attributes } from '../../src/users/profile.js';

export interface ContractUser {
  key: string;
  email: string | null;
  username: string | null;
  password: string;
  blocked: boolean;
  emailVerified: boolean;
  attributes: Attributes;
}

/** The users every backend under contract holds. Keys are numeric strings (integer primary keys work). */
export const CONTRACT_USERS = {
  alice: {
    key: '1001',
    email: 'Alice@Example.com',
    username: 'alice',
    password: 'correct horse battery',
    blocked: false,
    emailVerified: true,
    attributes: { fullname: 'Alice Liddell', nickname: 'ally', phone: '+15551230001', customer_id: 'C-1001', country: 'GB' },
  },
  bob: {
    key: '1002',
    email: 'bob@example.com',
    username: 'Bob',
    password: 'bob secret 2',
    blocked: true,
    emailVerified: false,
    attributes: { fullname: 'Bob Blocked' },
  },
  carol: {
    key: '1003',
    email: null,
    username: 'carol_x',
    password: 'pässwörd drei',
    blocked: false,
    emailVerified: false,
    attributes: {},
  },
  dave: {
    key: '1004',
    email: 'dave@example.com',
    username: null,
    password: "quote ' and -- dash",
    blocked: false,
    emailVerified: true,
    attributes: { nickname: 'd' },
  },
} satisfies Record<string, ContractUser>;

export interface ContractSubject {
  /** A source over a backend holding {@link CONTRACT_USERS}. */
  source: SiteUserSource;
  /** How this source compares logins (as configured). */
  loginCase: 'insensitive' | 'sensitive';
  /** Counts password work (verifications + burns), to prove unknown users cost a check. */
  hashWork?: () => number;
  /** A source for the same mapping whose backend cannot be reached. */
  unreachable?: () => Promise<SiteUserSource>;
  /** A source whose backend answers only after its query timeout. */
  slow?: () => Promise<SiteUserSource>;
}

function expectedRecord(user: ContractUser): SiteUserRecord {
  return { key: user.key, email: user.email, username: user.username, blocked: user.blocked, emailVerified: user.emailVerified, attributes: user.attributes };
}

/** Register the contract as a `describe` block named `name`; `setup` runs once in beforeAll. */
export function siteSourceContract(name: string, setup: () => Promise<ContractSubject>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip ?? false)(`SiteUserSource contract: ${name}`, () => {
    let subject: ContractSubject;
    const { alice, bob, carol, dave } = CONTRACT_USERS;

    beforeAll(async () => {
      subject = await setup();
    });
    afterAll(async () => {
      await subject?.source.close();
    });

    it('signs in by email, with the record and its attributes', async () => {
      expect(await subject.source.verifyCredentials(alice.email, alice.password)).toEqual({ ok: true, record: expectedRecord(alice), format: expect.any(String) });
      expect(await subject.source.verifyCredentials(dave.email, dave.password)).toMatchObject({ ok: true, record: expectedRecord(dave) });
    });

    it('signs in by username', async () => {
      expect(await subject.source.verifyCredentials(alice.username, alice.password)).toMatchObject({ ok: true, record: { key: alice.key } });
      expect(await subject.source.verifyCredentials(carol.username, carol.password)).toEqual({ ok: true, record: expectedRecord(carol), format: expect.any(String) });
    });

    it('compares logins as configured', async () => {
      const upper = await subject.source.verifyCredentials(alice.email.toUpperCase(), alice.password);
      const lower = await subject.source.verifyCredentials('ALICE', alice.password);
      if (subject.loginCase === 'insensitive') {
        expect(upper).toMatchObject({ ok: true, record: { key: alice.key } });
        expect(lower).toMatchObject({ ok: true, record: { key: alice.key } });
      } else {
        expect(upper).toEqual({ ok: false });
        expect(lower).toEqual({ ok: false });
      }
    });

    it('refuses a wrong password, an empty one, and another user’s', async () => {
      expect(await subject.source.verifyCredentials(alice.email, 'correct horse battery!')).toEqual({ ok: false });
      expect(await subject.source.verifyCredentials(alice.email, '')).toEqual({ ok: false });
      expect(await subject.source.verifyCredentials(alice.email, dave.password)).toEqual({ ok: false });
    });

    it('answers an unknown user like a wrong password, after the same password work', async () => {
      const before = subject.hashWork?.();
      expect(await subject.source.verifyCredentials('nobody@example.com', 'whatever')).toEqual({ ok: false });
      if (before !== undefined) expect(subject.hashWork!() - before).toBe(1);
      const wrong = subject.hashWork?.();
      await subject.source.verifyCredentials(alice.email, 'wrong');
      if (wrong !== undefined) expect(subject.hashWork!() - wrong).toBe(1);
    });

    it('reports a blocked user only after the right password', async () => {
      expect(await subject.source.verifyCredentials(bob.email, bob.password)).toEqual({ ok: true, record: expectedRecord(bob), format: expect.any(String) });
      expect(await subject.source.verifyCredentials(bob.email, 'nope')).toEqual({ ok: false });
    });

    it('finds users by key', async () => {
      expect(await subject.source.findByKey(alice.key)).toEqual(expectedRecord(alice));
      expect(await subject.source.findByKey(carol.key)).toEqual(expectedRecord(carol));
      for (const key of ['999999', 'not-a-number', `${alice.key}abc`, ` ${alice.key}`, '', "1001' OR '1'='1"]) {
        expect(await subject.source.findByKey(key), key).toBeNull();
      }
    });

    it('finds users by email', async () => {
      expect(await subject.source.findByEmail(alice.email)).toEqual(expectedRecord(alice));
      expect(await subject.source.findByEmail(dave.email)).toEqual(expectedRecord(dave));
      const folded = await subject.source.findByEmail(alice.email.toLowerCase());
      expect(folded).toEqual(subject.loginCase === 'insensitive' ? expectedRecord(alice) : null);
      expect(await subject.source.findByEmail('nobody@example.com')).toBeNull();
      expect(await subject.source.findByEmail('%')).toBeNull();
    });

    it('answers injection attempts and odd input as unknown, even with a real password', async () => {
      const attempts = [
        "' OR 1=1 --",
        "' OR '1'='1",
        `${alice.username}' --`,
        `${alice.username}'; DROP TABLE users; --`,
        '" OR ""="',
        '%',
        '_',
        `${alice.username.slice(0, 3)}%`,
        'carol%',
        'carol_',
        '\\',
        `${alice.username}\u0000`,
        `\u0000${alice.email}`,
        'a'.repeat(10 * 1024),
        '\uD800',
      ];
      for (const login of attempts) {
        expect(await subject.source.verifyCredentials(login, alice.password), JSON.stringify(login.slice(0, 40))).toEqual({ ok: false });
        expect(await subject.source.verifyCredentials(login, carol.password), JSON.stringify(login.slice(0, 40))).toEqual({ ok: false });
      }
      // Still there, still working.
      expect(await subject.source.verifyCredentials(alice.email, alice.password)).toMatchObject({ ok: true });
    });

    it('throws DirectoryUnavailableError when the backend cannot be reached', async (ctx) => {
      if (!subject.unreachable) return ctx.skip();
      const source = await subject.unreachable();
      try {
        await expect(source.verifyCredentials(alice.email, alice.password)).rejects.toBeInstanceOf(DirectoryUnavailableError);
        await expect(source.findByKey(alice.key)).rejects.toBeInstanceOf(DirectoryUnavailableError);
        await expect(source.findByEmail(alice.email)).rejects.toBeInstanceOf(DirectoryUnavailableError);
      } finally {
        await source.close();
      }
    });

    it('throws DirectoryUnavailableError(timeout) when the backend is too slow', async (ctx) => {
      if (!subject.slow) return ctx.skip();
      const source = await subject.slow();
      try {
        const started = Date.now();
        const error = await source.verifyCredentials(alice.email, alice.password).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DirectoryUnavailableError);
        expect((error as DirectoryUnavailableError).reason).toBe('timeout');
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await source.close();
      }
    });
  });
}

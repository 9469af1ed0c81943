/**
 * The one contract suite of the {@link UserDirectory} port: every implementation (the built-in
 * table, the site directory over each source and mode) gets the same people and must give the
 * same answers. Implementation-specific behaviour (migration, write-back, outages) is tested next
 * to each implementation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserDirectory } from '../../src/users/user.js';

export const PASSWORD = 'correct horse battery staple';

/** The people every directory under test holds. */
export interface Person {
  /** The site's key (SQL primary key); the built-in directory ignores it. */
  key: number;
  email: string;
  username?: string;
  password: string;
  blocked?: boolean;
  verified?: boolean;
  fullname?: string;
  phone?: string;
}

export const PEOPLE: Person[] = [
  { key: 1, email: 'alice@example.com', username: 'alice', password: PASSWORD, verified: true, fullname: 'Alice Liddell', phone: '+441234567890' },
  { key: 2, email: 'bob@example.com', username: 'bob', password: 'another good password', fullname: 'Bob Builder' },
  { key: 3, email: 'mallory@example.com', username: 'mallory', password: PASSWORD, blocked: true },
];

export interface DirectoryFixture {
  directory: UserDirectory;
  close(): Promise<void>;
}

export function userDirectoryContract(name: string, make: (people: Person[]) => Promise<DirectoryFixture>): void {
  describe(`UserDirectory contract: ${name}`, () => {
    let fixture: DirectoryFixture;
    let directory: UserDirectory;
    beforeAll(async () => {
      fixture = await make(PEOPLE);
      directory = fixture.directory;
    });
    afterAll(() => fixture.close());

    it('signs in by email, case-insensitively, with the profile the site holds', async () => {
      const result = await directory.authenticate('Alice@Example.COM', PASSWORD);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.user).toMatchObject({
        id: expect.stringMatching(/^u_[A-Za-z0-9_-]{16,}$/),
        email: 'alice@example.com',
        username: 'alice',
        emailVerified: true,
        blocked: false,
        phone: '+441234567890',
      });
      expect(result.user.profile).toMatchObject({ email: 'alice@example.com', fullname: 'Alice Liddell' });
      expect(result.user).not.toHaveProperty('passwordHash');
    });

    it('signs in by username, and the id is the same as by email (stable identity)', async () => {
      const byEmail = await directory.authenticate('alice@example.com', PASSWORD);
      const byName = await directory.authenticate('  ALICE ', PASSWORD);
      expect(byEmail.ok && byName.ok).toBe(true);
      if (byEmail.ok && byName.ok) expect(byName.user.id).toBe(byEmail.user.id);
    });

    it('different people get different ids', async () => {
      const a = await directory.authenticate('alice', PASSWORD);
      const b = await directory.authenticate('bob', 'another good password');
      expect(a.ok && b.ok).toBe(true);
      if (a.ok && b.ok) expect(a.user.id).not.toBe(b.user.id);
      if (b.ok) expect(b.user.emailVerified).toBe(false);
    });

    it('a wrong password and an unknown user get the same answer', async () => {
      expect(await directory.authenticate('alice@example.com', 'wrong password!')).toEqual({ ok: false, reason: 'invalid_credentials' });
      expect(await directory.authenticate('nobody@example.com', PASSWORD)).toEqual({ ok: false, reason: 'invalid_credentials' });
      expect(await directory.authenticate('', PASSWORD)).toEqual({ ok: false, reason: 'invalid_credentials' });
      expect(await directory.authenticate('alice', '')).toEqual({ ok: false, reason: 'invalid_credentials' });
      expect(await directory.authenticate('alice', 'x'.repeat(5000))).toEqual({ ok: false, reason: 'invalid_credentials' });
    });

    it('a blocked account is reported only after the right password', async () => {
      expect(await directory.authenticate('mallory@example.com', PASSWORD)).toEqual({ ok: false, reason: 'blocked' });
      expect(await directory.authenticate('mallory@example.com', 'wrong password!')).toEqual({ ok: false, reason: 'invalid_credentials' });
    });

    it('findById returns the signed-in user; unknown ids are null', async () => {
      const result = await directory.authenticate('bob@example.com', 'another good password');
      if (!result.ok) throw new Error('bob should sign in');
      const found = await directory.findById(result.user.id);
      expect(found).toMatchObject({ id: result.user.id, email: 'bob@example.com', username: 'bob', blocked: false });
      expect(found?.profile.fullname).toBe('Bob Builder');
      expect(await directory.findById('u_doesnotexistdoesnotexist')).toBeNull();
      expect(await directory.findById('')).toBeNull();
    });

    it('findByEmail is case-insensitive, and gives the same id as a sign-in', async () => {
      const signedIn = await directory.authenticate('alice', PASSWORD);
      if (!signedIn.ok) throw new Error('alice should sign in');
      expect((await directory.findByEmail('ALICE@example.com'))?.id).toBe(signedIn.user.id);
      expect(await directory.findByEmail('nobody@example.com')).toBeNull();
      expect(await directory.findByEmail('')).toBeNull();
    });

    it('recordLogin counts sign-ins', async () => {
      const result = await directory.authenticate('bob', 'another good password');
      if (!result.ok) throw new Error('bob should sign in');
      const before = (await directory.findById(result.user.id))!.loginsCount;
      await directory.recordLogin(result.user.id, 1_700_000_000_000);
      const after = (await directory.findById(result.user.id))!;
      expect(after.loginsCount).toBe(before + 1);
      expect(after.loginTime).toBe(1_700_000_000_000);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { nodeHashPrimitives } from '../../../src/entry/node/hash-primitives.js';
import { workerHashPrimitives } from '../../../src/entry/worker/hash-primitives.js';
import { memoryLogger } from '../../../src/log.js';
import type { HashPrimitives } from '../../../src/users/hashes/primitives.js';
import { createHashRegistry, HASH_FORMATS, type HashRegistryOptions } from '../../../src/users/hashes/registry.js';
import { fixture, type KnownAnswer } from './known-answers.js';

const RUNTIMES: Array<[string, HashPrimitives]> = [
  ['node', nodeHashPrimitives],
  ['workers', workerHashPrimitives],
];

/** A cheap burn target (bcrypt cost 4) so the hundreds of refusals below stay fast. */
const CHEAP_BURN = '$2b$04$9paVfEyyWbsoyaOyB07SBee8HifApaP4xij.R4FoB/phPUMCkd666';

function optionsFor(entry: KnownAnswer): HashRegistryOptions {
  return { pepper: entry.settings?.pepper, saltedHash: entry.settings?.saltedHash, burnHash: CHEAP_BURN };
}

const label = (e: KnownAnswer) => `${e.format} (${e.source}) ${JSON.stringify(e.password.slice(0, 12))}${e.settings ? ' ' + JSON.stringify(e.settings) : ''}`;

/** Primitives that record every call (and still compute), to prove what was and was not computed. */
function recording(primitives: HashPrimitives) {
  const calls: Array<{ name: string; args: unknown[] }> = [];
  const proxy = new Proxy(primitives, {
    get(target, name: string) {
      const value = (target as any)[name];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push({ name, args });
        return value.apply(target, args);
      };
    },
  });
  return { calls, primitives: proxy };
}

describe('the fixture covers every format the registry knows', () => {
  it('has a known answer for each format id', () => {
    const covered = new Set(fixture.entries.map((e) => e.format));
    const missing = HASH_FORMATS.map((f) => f.id).filter((id) => !covered.has(id) && !['ldap-sha256', 'ldap-sha512'].includes(id));
    expect(missing).toEqual([]);
  });
});

describe.each(RUNTIMES)('known answers from independent implementations (%s primitives)', (_name, primitives) => {
  const fast = fixture.entries.filter((e) => !e.slow);

  it.each(fast.map((e) => [label(e), e] as const))('%s: the right password verifies, a wrong one does not', async (_l, entry) => {
    const registry = createHashRegistry(primitives, optionsFor(entry));
    const context = { salt: entry.salt };
    expect(await registry.verify(entry.password, entry.hash, context)).toEqual({ ok: true, format: entry.format });
    expect(await registry.verify('x' + entry.password, entry.hash, context)).toEqual({ ok: false, format: entry.format });
    expect(await registry.verify(entry.password.toUpperCase(), entry.hash, context)).toEqual({ ok: false, format: entry.format });
    expect(await registry.verify(entry.password.slice(1), entry.hash, context)).toEqual({ ok: false, format: entry.format });
  });

  it.each(fast.filter((e) => e.password === fixture.unicode).map((e) => [label(e), e] as const))(
    '%s: checked on the exact bytes the site hashed, never NFKC',
    async (_l, entry) => {
      const registry = createHashRegistry(primitives, optionsFor(entry));
      const nfkc = entry.password.normalize('NFKC');
      expect(nfkc).not.toBe(entry.password);
      expect((await registry.verify(nfkc, entry.hash, { salt: entry.salt })).ok).toBe(false);
    },
  );

  it.each(fast.map((e) => [label(e), e] as const))('%s: a truncated or damaged hash verifies as false with a problem, never throws', async (_l, entry) => {
    const registry = createHashRegistry(primitives, optionsFor(entry));
    // Cut or damaged: the row is unusable, and says so.
    for (const broken of [entry.hash.slice(0, Math.ceil(entry.hash.length / 2)), entry.hash.slice(0, -2) + '$$', entry.hash + '$', entry.hash.slice(0, -3) + '!!!']) {
      const result = await registry.verify(entry.password, broken, { salt: entry.salt });
      expect(result.ok, broken).toBe(false);
      expect(['malformed', 'unknown_format'], broken).toContain(result.problem);
    }
    // One character short: either unusable or simply another (shorter) hash, never a match.
    expect((await registry.verify(entry.password, entry.hash.slice(0, -1), { salt: entry.salt })).ok).toBe(false);
  });

  it('the bcrypt 72-byte rule: plain bcrypt ignores bytes past 72, the pre-hashing formats do not', async () => {
    const registry = createHashRegistry(primitives);
    const other = 'a'.repeat(72) + 'a different tail';
    for (const entry of fixture.entries.filter((e) => e.password === fixture.long72 && !e.settings)) {
      const result = await registry.verify(other, entry.hash);
      const expected = ['bcrypt', 'django-bcrypt'].includes(entry.format);
      expect(result.ok, label(entry)).toBe(expected);
    }
  });

  it("the pepper is Devise's: password + pepper, and without it the hash does not verify", async () => {
    const entry = fixture.entries.find((e) => e.settings?.pepper)!;
    expect((await createHashRegistry(primitives).verify(entry.password, entry.hash)).ok).toBe(false);
    expect((await createHashRegistry(primitives, { pepper: 'wrong' }).verify(entry.password, entry.hash)).ok).toBe(false);
    expect((await createHashRegistry(primitives, { pepper: entry.settings!.pepper }).verify(entry.password, entry.hash)).ok).toBe(true);
  });

  it.each(fixture.entries.filter((e) => e.slow).map((e) => [label(e), e] as const))('%s: real-world default cost verifies', async (_l, entry) => {
    expect(await createHashRegistry(primitives).verify(entry.password, entry.hash)).toEqual({ ok: true, format: entry.format });
  });
});

describe('salted digests exist only as the operator declares them', () => {
  const entry = fixture.entries.find((e) => e.format === 'salted-sha1' && e.settings?.saltedHash?.template === '{salt}{password}' && e.settings.saltedHash.encoding === 'hex')!;

  it('an undeclared bare hex digest is an unknown format', async () => {
    expect(await createHashRegistry(nodeHashPrimitives).verify(entry.password, entry.hash, { salt: entry.salt })).toEqual({ ok: false, format: null, problem: 'unknown_format' });
  });

  it('a missing salt is malformed, a wrong salt or template does not verify, and the format is weak', async () => {
    const registry = createHashRegistry(nodeHashPrimitives, optionsFor(entry));
    expect(await registry.verify(entry.password, entry.hash)).toEqual({ ok: false, format: 'salted-sha1', problem: 'malformed' });
    expect((await registry.verify(entry.password, entry.hash, { salt: entry.salt + 'x' })).ok).toBe(false);
    const swapped = createHashRegistry(nodeHashPrimitives, { saltedHash: { ...entry.settings!.saltedHash!, template: '{password}{salt}' } });
    expect((await swapped.verify(entry.password, entry.hash, { salt: entry.salt })).ok).toBe(false);
    expect(registry.identify(entry.hash, { salt: entry.salt })).toEqual({ format: 'salted-sha1', weak: true });
  });
});

/** Well-formed hashes whose stored cost is over the default limits (values far above any real site). */
const OVER_LIMIT: Array<[string, string]> = [
  ['bcrypt', '$2b$16$' + 'a'.repeat(53)],
  ['bcrypt', '$2y$31$' + 'a'.repeat(53)],
  ['wordpress-bcrypt', '$wp$2y$20$' + 'a'.repeat(53)],
  ['django-bcrypt-sha256', 'bcrypt_sha256$$2b$17$' + 'a'.repeat(53)],
  ['argon2id', '$argon2id$v=19$m=2097152,t=2,p=1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43)],
  ['argon2id', '$argon2id$v=19$m=65536,t=1000,p=1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43)],
  ['argon2i', '$argon2i$v=19$m=65536,t=2,p=64$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43)],
  ['django-argon2', 'argon2$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43)],
  ['scrypt', '$scrypt$ln=18,r=8,p=1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43)],
  ['scrypt', '$scrypt$ln=14,r=8,p=64$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43)],
  ['pbkdf2-sha256', '$pbkdf2-sha256$20000000$c2FsdA$' + 'A'.repeat(43)],
  ['pbkdf2-sha512', '$pbkdf2-sha512$i=20000000,l=64$c2FsdA$' + 'A'.repeat(86)],
  ['django-pbkdf2-sha256', 'pbkdf2_sha256$99999999$salt$' + 'A'.repeat(43) + '='],
  ['phpass', '$P$H' + 'a'.repeat(30)],
  ['drupal7', '$S$H' + 'a'.repeat(51)],
  ['sha512-crypt', '$6$rounds=999999999$salt$' + 'a'.repeat(86)],
  ['aspnet-identity-v3', btoa(String.fromCharCode(1, 0, 0, 0, 1, 0x05, 0xf5, 0xe1, 0x00, 0, 0, 0, 16, ...new Array(48).fill(7)))],
];

describe('over-limit costs are refused without being computed', () => {
  it.each(OVER_LIMIT)('%s: %s', async (format, hash) => {
    const { calls, primitives } = recording(nodeHashPrimitives);
    const logger = memoryLogger();
    const registry = createHashRegistry(primitives, { logger });
    const started = performance.now();
    expect(await registry.verify('password', hash)).toEqual({ ok: false, format, problem: 'over_limit' });
    expect(performance.now() - started).toBeLessThan(1_000);
    // The only work done is the unknown-user burn (bcrypt at the default cost 10), so a refusal
    // costs what a real check costs, and the planted parameters were never used.
    expect(calls.map((c) => c.name)).toEqual(['bcryptVerify']);
    expect(String(calls[0]!.args[1])).toMatch(/^\$2b\$10\$/);
    expect(registry.identify(hash).problem).toBe('over_limit');
    expect(logger.entries).toEqual([expect.objectContaining({ level: 'warn', event: 'password_hash_unusable', format, problem: 'over_limit' })]);
  });

  it('an operator can lower a limit (argon2 memory that fits a 128 MB Workers isolate)', async () => {
    const entry = fixture.entries.find((e) => e.format === 'argon2id')!;
    const registry = createHashRegistry(nodeHashPrimitives, { limits: { argon2MemoryKiB: 512 } });
    expect(await registry.verify(entry.password, entry.hash)).toEqual({ ok: false, format: 'argon2id', problem: 'over_limit' });
  });

  it('passwords over 4 096 bytes verify as false without hashing them', async () => {
    const { calls, primitives } = recording(nodeHashPrimitives);
    const entry = fixture.entries.find((e) => e.format === 'phpass')!;
    const registry = createHashRegistry(primitives);
    expect(await registry.verify('x'.repeat(5000), entry.hash)).toEqual({ ok: false, format: 'phpass' });
    expect(calls.every((c) => c.name !== 'digest' || (c.args as Uint8Array[]).every((a) => a.length <= 4096 + 64))).toBe(true);
  });
});

describe('unusable rows and failures are logged without secrets, and never throw', () => {
  it('unknown format, malformed and library errors', async () => {
    const logger = memoryLogger();
    const password = 'hunter2-secret';
    const entry = fixture.entries.find((e) => e.format === 'argon2id')!;
    const failing: HashPrimitives = { ...nodeHashPrimitives, argon2: async () => { throw new RangeError('boom'); } };
    const registry = createHashRegistry(failing, { logger });
    expect(await registry.verify(password, 'plaintext-password')).toEqual({ ok: false, format: null, problem: 'unknown_format' });
    expect(await registry.verify(password, '')).toEqual({ ok: false, format: null, problem: 'unknown_format' });
    expect(await registry.verify(password, '$2b$05$short')).toEqual({ ok: false, format: 'bcrypt', problem: 'malformed' });
    expect(await registry.verify(password, entry.hash)).toEqual({ ok: false, format: 'argon2id', problem: 'malformed' });
    expect(await registry.verify(password, null as unknown as string)).toEqual({ ok: false, format: null, problem: 'unknown_format' });
    const log = JSON.stringify(logger.entries);
    expect(log).not.toContain(password);
    expect(log).not.toContain('$2b$05$short');
    expect(log).not.toContain(entry.hash.split('$').pop()!);
    expect(logger.entries.map((e) => e.event)).toEqual(['password_hash_unusable', 'password_hash_unusable', 'password_hash_unusable', 'password_hash_failed', 'password_hash_unusable']);
  });
});

describe('burn: an unknown user costs what a real check costs', () => {
  it('before any row is seen it verifies against a bcrypt cost-10 hash', async () => {
    const { calls, primitives } = recording(nodeHashPrimitives);
    await createHashRegistry(primitives).burn('whatever');
    expect(calls.map((c) => c.name)).toEqual(['bcryptVerify']);
    expect(String(calls[0]!.args[1])).toMatch(/^\$2b\$10\$/);
  });

  it('afterwards it repeats the work of the last real row (same format, same cost)', async () => {
    const entry = fixture.entries.find((e) => e.format === 'django-pbkdf2-sha256' && !e.slow)!;
    const { calls, primitives } = recording(nodeHashPrimitives);
    const registry = createHashRegistry(primitives);
    await registry.verify('wrong', entry.hash);
    calls.length = 0;
    await registry.burn('someone else');
    expect(calls.map((c) => [c.name, c.args[0], c.args[3]])).toEqual([['pbkdf2', 'sha256', 2000]]);
  });

  it('a configured burn hash is used until a row is seen', async () => {
    const entry = fixture.entries.find((e) => e.format === 'sha512-crypt')!;
    const { calls, primitives } = recording(nodeHashPrimitives);
    await createHashRegistry(primitives, { burnHash: entry.hash }).burn('x');
    expect(calls.map((c) => c.name)).toEqual(['shaCryptVerify']);
  });

  it('spends as much CPU as a real check of the same hash (interleaved, median of 21, within 25 %)', async () => {
    const strong = await nodeHashPrimitives.bcryptHash(new TextEncoder().encode('the real password'), 8);
    const registry = createHashRegistry(nodeHashPrimitives);
    await registry.verify('warm-up', strong);
    // CPU time of this test process (native bcrypt runs on its thread pool, which counts), not
    // wall time: other test files' servers load the machine, not this process.
    const cpu = async (f: () => Promise<unknown>) => {
      const before = process.cpuUsage();
      await f();
      const used = process.cpuUsage(before);
      return used.user + used.system;
    };
    const real: number[] = [];
    const burn: number[] = [];
    for (let i = 0; i < 21; i++) {
      real.push(await cpu(() => registry.verify('wrong password', strong)));
      burn.push(await cpu(() => registry.burn('wrong password')));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[10]!;
    expect(Math.abs(median(burn) - median(real)) / median(real)).toBeLessThan(0.25);
  });
});

describe('identify', () => {
  it('names the format, flags the weak ones, and reports problems', () => {
    const registry = createHashRegistry(nodeHashPrimitives);
    const byFormat = (id: string) => fixture.entries.find((e) => e.format === id)!.hash;
    expect(registry.identify(byFormat('wordpress-bcrypt'))).toEqual({ format: 'wordpress-bcrypt', weak: false });
    expect(registry.identify(byFormat('phpass'))).toEqual({ format: 'phpass', weak: true });
    expect(registry.identify(byFormat('ldap-ssha'))).toEqual({ format: 'ldap-ssha', weak: true });
    expect(registry.identify(byFormat('md5-crypt'))).toEqual({ format: 'md5-crypt', weak: true });
    expect(registry.identify(byFormat('aspnet-identity-v2'))).toEqual({ format: 'aspnet-identity-v2', weak: true });
    expect(registry.identify(byFormat('aspnet-identity-v3'))).toEqual({ format: 'aspnet-identity-v3', weak: false });
    expect(registry.identify('$2b$04$')).toEqual({ format: 'bcrypt', weak: false, problem: 'malformed' });
    expect(registry.identify('5f4dcc3b5aa765d61d8327deb882cf99')).toEqual({ format: null, weak: false, problem: 'unknown_format' });
  });
});

describe.each(RUNTIMES)('upgrade policy and rehash (%s primitives)', (_name, primitives) => {
  const php = fixture.entries.find((e) => e.format === 'bcrypt' && e.source === 'php password_hash' && e.password === fixture.unicode)!;

  it('no target configured: a strong hash needs nothing, a weak one is flagged', () => {
    const registry = createHashRegistry(primitives);
    expect(registry.needsUpgrade(php.hash)).toEqual({ upgrade: false, rehashable: true });
    const phpass = fixture.entries.find((e) => e.format === 'phpass')!.hash;
    expect(registry.needsUpgrade(phpass)).toEqual({ upgrade: true, reason: 'weak', rehashable: false });
  });

  it('bcrypt below the target cost is rewritten in the variant the site wrote ($2y$ for PHP), and verifies', async () => {
    const registry = createHashRegistry(primitives, { upgrade: { bcryptCost: 6 } });
    expect(registry.needsUpgrade(php.hash)).toEqual({ upgrade: true, reason: 'below_target', rehashable: true });
    const fresh = (await registry.rehash(php.password, php.hash))!;
    expect(fresh).toMatch(/^\$2y\$06\$/);
    expect(await registry.verify(php.password, fresh)).toEqual({ ok: true, format: 'bcrypt' });
    expect(registry.needsUpgrade(fresh).upgrade).toBe(false);
  });

  it('WordPress and Django bcrypt keep their wrapper and pre-hash', async () => {
    const registry = createHashRegistry(primitives, { upgrade: { bcryptCost: 6 } });
    for (const format of ['wordpress-bcrypt', 'django-bcrypt-sha256', 'django-bcrypt']) {
      const entry = fixture.entries.find((e) => e.format === format && e.password === fixture.long72)!;
      const fresh = (await registry.rehash(entry.password, entry.hash))!;
      expect(fresh.startsWith(entry.hash.slice(0, entry.hash.indexOf('$2') + 4).replace(/\$05$/, ''))).toBe(true);
      expect(await registry.verify(entry.password, fresh)).toEqual({ ok: true, format });
      // Django's bcrypt_sha256 and WordPress stay immune to the 72-byte rule after a rehash.
      if (format !== 'django-bcrypt') expect((await registry.verify('a'.repeat(72) + 'other', fresh)).ok).toBe(false);
    }
  });

  it('Django PBKDF2 below the target iterations gets a fresh salt and the target count', async () => {
    const entry = fixture.entries.find((e) => e.format === 'django-pbkdf2-sha256' && e.password === fixture.unicode)!;
    const registry = createHashRegistry(primitives, { upgrade: { pbkdf2Iterations: 3000 } });
    expect(registry.needsUpgrade(entry.hash).reason).toBe('below_target');
    const fresh = (await registry.rehash(entry.password, entry.hash))!;
    expect(fresh).toMatch(/^pbkdf2_sha256\$3000\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/]{43}=$/);
    expect(await registry.verify(entry.password, fresh)).toEqual({ ok: true, format: 'django-pbkdf2-sha256' });
  });

  it('formats idbridge cannot write for the site give null', async () => {
    const registry = createHashRegistry(primitives, { upgrade: { bcryptCost: 12 } });
    const md5 = fixture.entries.find((e) => e.format === 'md5-crypt')!;
    expect(await registry.rehash(md5.password, md5.hash)).toBeNull();
    expect(await registry.rehash('x', 'not a hash')).toBeNull();
  });
});

#!/usr/bin/env node
/**
 * Verify cost per legacy hash format (issue 10): median wall time of one `registry.verify` at each
 * application's default cost, with the Node primitives (native), the Workers primitives (pure JS +
 * WebCrypto, run here under Node) and, where one is installed, another npm implementation of the
 * expensive step (@noble/hashes' pure-JS PBKDF2 / scrypt / argon2). Hashes come from
 * test/fixtures/hashes/bench-hashes.json (made by passlib, argon2-cffi, bcrypt and PHP).
 *
 *   npm run build && node bench/hash-formats.mjs        (BENCH_HASH_RUNS, default 7)
 *
 * Prints a Markdown table (the one in docs/password-hashes.md).
 */
import { readFileSync } from 'node:fs';
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha1, } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { nodeHashPrimitives } from '../dist/entry/node/hash-primitives.js';
import { workerHashPrimitives } from '../dist/entry/worker/hash-primitives.js';
import { createHashRegistry } from '../dist/users/hashes/registry.js';

const RUNS = Number(process.env.BENCH_HASH_RUNS ?? 7);
const { password, hashes } = JSON.parse(readFileSync(new URL('../test/fixtures/hashes/bench-hashes.json', import.meta.url), 'utf8'));

/** The fastest other implementation installed for the costly step, on top of the Node primitives. */
const NOBLE = { sha1, sha256, sha512 };
const other = {
  ...nodeHashPrimitives,
  runtime: 'noble',
  pbkdf2: (digest, p, s, c, dkLen) => pbkdf2Async(NOBLE[digest], p, s, { c, dkLen, asyncTick: 50 }),
  scrypt: (p, s, { N, r, p: par }, dkLen) => scryptAsync(p, s, { N, r, p: par, dkLen, maxmem: 2 ** 32 - 1, asyncTick: 50 }),
  argon2: (p, s, a, dkLen) => (a.variant === 'argon2id' ? argon2idAsync(p, s, { m: a.memoryKiB, t: a.passes, p: a.parallelism, version: a.version, dkLen, maxmem: 2 ** 32 - 1 }) : undefined),
};
const OTHER_STEP = { 'django-pbkdf2-sha256': 'pbkdf2', 'pbkdf2-sha256': 'pbkdf2', 'aspnet-identity-v2': 'pbkdf2', 'aspnet-identity-v3': 'pbkdf2', scrypt: 'scrypt', argon2id: 'argon2', 'django-argon2': 'argon2' };

async function median(primitives, hash) {
  const registry = createHashRegistry(primitives);
  const first = await registry.verify(password, hash);
  if (!first.ok) throw new Error(`${primitives.runtime}: ${hash.slice(0, 12)}… did not verify (${JSON.stringify(first)})`);
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await registry.verify(password, hash);
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const ms = (v) => (v === undefined ? '—' : v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(1) : v.toFixed(0));
console.log(`Node ${process.version}, ${RUNS} runs each, median ms per verify\n`);
console.log('| format | cost | Node primitives | Workers primitives (under Node) | other npm (@noble/hashes) |');
console.log('|---|---|---:|---:|---:|');
for (const { format, cost, hash } of hashes) {
  const node = await median(nodeHashPrimitives, hash);
  const workers = await median(workerHashPrimitives, hash);
  const alt = OTHER_STEP[format] ? await median(other, hash) : undefined;
  console.log(`| ${format} | ${cost} | ${ms(node)} | ${ms(workers)} | ${ms(alt)} |`);
}

/**
 * src/protocol/oidc stays pure and portable (Node and Cloudflare Workers): it imports only what the
 * protocol layer may (test/helpers/layer-rules.ts: protocol/, util/, errors.ts, jose,
 * @noble/hashes; no Hono, no Drizzle, no storage, no Node modules) and uses no Node-only globals.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS } from '../../helpers/layer-rules.js';
import { importsOf, nodeGlobalsUsed, violations } from '../../helpers/layers.js';

const DIR = join(import.meta.dirname, '../../../src/protocol/oidc');
const check = (file: string, source: string) => [...violations(LAYERS, importsOf(`protocol/oidc/${file}`, source)), ...nodeGlobalsUsed(file, source)];

describe('src/protocol/oidc stays pure and portable', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  it('has the expected modules', () => {
    for (const name of ['client', 'authorize', 'authorization-response', 'pkce', 'client-auth', 'claims', 'id-token', 'discovery', 'jwt-verify', 'index']) {
      expect(files).toContain(`${name}.ts`);
    }
  });

  for (const file of files) {
    it(`${file} imports only what the protocol layer may, and no Node-only globals`, () => {
      expect(check(file, readFileSync(join(DIR, file), 'utf8'))).toEqual([]);
    });
  }

  it('the check fails what would break purity', () => {
    const broken: Array<[string, string]> = [
      ["import { eq } from 'drizzle-orm';", 'drizzle-orm'],
      ["import type { Context } from 'hono';", 'hono'],
      ["import type { Database } from '../../storage/database.js';", 'storage/database'],
      ["import type { Attributes } from '../../users/profile.js';", 'users/profile'],
      ["const { createHash } = await import('node:crypto');", 'node:crypto'],
      ['export const b = Buffer.from("x");', 'Buffer'],
      ['export const env = process.env.X;', 'process'],
    ];
    for (const [source, culprit] of broken) {
      const found = check('x.ts', source);
      expect(found, source).toHaveLength(1);
      expect(found[0]).toContain(culprit);
    }
    expect(check('x.ts', "import { jwtVerify } from 'jose';\nimport { sha256 } from '../../util/bytes.js';\nconst o = { process: 1 }; o.process;")).toEqual([]);
  });
});

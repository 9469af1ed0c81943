import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '../../../src/protocol/oidc');

describe('src/protocol/oidc stays portable (Node and Cloudflare Workers)', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  it('has the expected modules', () => {
    for (const name of ['client', 'authorize', 'authorization-response', 'pkce', 'client-auth', 'claims', 'id-token', 'discovery', 'jwt-verify', 'index']) {
      expect(files).toContain(`${name}.ts`);
    }
  });

  for (const file of files) {
    it(`${file} imports only relative modules and jose`, () => {
      const source = readFileSync(join(DIR, file), 'utf8');
      const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      for (const specifier of specifiers) {
        expect(specifier === 'jose' || (specifier.startsWith('.') && specifier.endsWith('.js')), `${file}: ${specifier}`).toBe(true);
      }
      expect(source).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
    });
  }
});

/**
 * The layer rules (the table in helpers/layer-rules.ts), checked on every import of every file
 * under src/, `import type` included: a type import is an arrow between layers too. The second
 * half shows that the checker fails a wrong arrow.
 */
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS } from './helpers/layer-rules.js';
import { readFileSync } from 'node:fs';
import { importsOf, importsUnder, nodeGlobalsUsed, sourceFiles, violations, type LayerRule } from './helpers/layers.js';

const SRC = join(import.meta.dirname, '..', 'src');

describe('layering of src/', () => {
  it('every import of every file follows the table', () => {
    const imports = importsUnder(SRC);
    expect(imports.length).toBeGreaterThan(300); // the parser found the imports at all
    expect(violations(LAYERS, imports)).toEqual([]);
  });

  it('uses Node-only globals (process, Buffer, require, …) only in entry/', () => {
    const offenders = sourceFiles(SRC)
      .map((path) => [relative(SRC, path).split(sep).join('/'), path] as const)
      .filter(([file]) => !file.startsWith('entry/'))
      .flatMap(([file, path]) => nodeGlobalsUsed(file, readFileSync(path, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('the rule checker', () => {
  const check = (file: string, source: string) => violations(LAYERS, importsOf(file, source));

  it('fails a wrong arrow: protocol data taken from users/, a port taken from storage/', () => {
    expect(check('protocol/openid2/attributes.ts', "import { SREG_FIELDS } from '../../users/profile.js';")).toEqual([
      'protocol/openid2/attributes.ts:1 → ../../users/profile.js (protocol may not import users/profile)',
    ]);
    expect(check('provider/api-key.ts', "import type { SettingsStore } from '../storage/settings-repository.js';")).toEqual([
      'provider/api-key.ts:1 → ../storage/settings-repository.js (provider may not import storage/settings-repository)',
    ]);
  });

  it('lets storage see the ports it implements, but nothing else of the layer', () => {
    expect(check('storage/x.ts', "import type { A } from '../provider/ports.js';\nimport type { B } from '../provider/oidc/ports.js';")).toEqual([]);
    expect(check('storage/x.ts', "import { ReturnFlow } from '../provider/return-flow.js';")).toHaveLength(1);
  });

  it('keeps the bridge and the identity service apart, and the outer layers out of the inner ones', () => {
    expect(check('bridge/x.ts', "import type { AuthRequest } from '../provider/ports.js';")).toHaveLength(1);
    expect(check('provider/x.ts', "import { BridgeSignIn } from '../bridge/sign-in.js';")).toHaveLength(1);
    expect(check('provider/x.ts', "import type { Context } from 'hono';")).toEqual(['provider/x.ts:1 → hono (provider may not import package hono)']);
    expect(check('protocol/oidc/x.ts', "import { eq } from 'drizzle-orm';")).toHaveLength(1);
    expect(check('users/x.ts', "import { x } from '../http/params.js';")).toHaveLength(1);
  });

  it('counts every kind of import: type-only, re-export, dynamic, import() types, require', () => {
    const source = [
      "import type { A } from '../storage/a.js';",
      "export { B } from '../storage/b.js';",
      "export * from '../storage/c.js';",
      "const d = await import('../storage/d.js');",
      "type E = import('../storage/e.js').E;",
      "const f = require('../storage/f.js');",
      "import '../storage/g.js';",
      "import h = require('../storage/h.js');",
    ].join('\n');
    expect(check('protocol/x.ts', source).map((v) => v.split(' ')[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `protocol/x.ts:${n}`));
  });

  it('ignores imports written in comments and strings, and refuses computed ones', () => {
    expect(check('protocol/x.ts', "// import x from '../storage/x.js';\nconst s = \"import y from '../storage/y.js'\";")).toEqual([]);
    expect(check('protocol/x.ts', 'const m = await import(name);')).toEqual(['protocol/x.ts:1 → (computed) (a computed import cannot be checked)']);
  });

  it('allows runtime-specific packages only in entry/, whatever the table says', () => {
    for (const specifier of ['node:crypto', 'crypto', 'fs/promises', 'better-sqlite3', 'undici', '@hono/node-server', 'drizzle-orm/better-sqlite3', 'hono/cloudflare-workers']) {
      expect(check('storage/x.ts', `import x from '${specifier}';`), specifier).toEqual([
        `storage/x.ts:1 → ${specifier} (runtime-specific: only entry may import it)`,
      ]);
      expect(check('entry/node/x.ts', `import x from '${specifier}';`)).toEqual([]);
    }
    expect(check('storage/x.ts', "import { sqliteTable } from 'drizzle-orm/sqlite-core';")).toEqual([]);
  });

  it('refuses imports from outside src/ and files in a folder the table does not know', () => {
    expect(check('provider/x.ts', "import x from '../../test/helpers/clock.js';")).toEqual(['provider/x.ts:1 → ../../test/helpers/clock.js (outside src/)']);
    expect(check('newfolder/x.ts', "import x from '../util/bytes.js';")).toEqual([
      'newfolder/x.ts:1 → ../util/bytes.js (no rule for layer newfolder: add it to the table)',
    ]);
  });

  it('has a rule for every layer it names', () => {
    const named = Object.values(LAYERS.rules).flatMap((r: LayerRule | 'any') => (r === 'any' ? [] : r.layers.filter((l) => typeof l === 'string')));
    for (const layer of named) expect(Object.keys(LAYERS.rules), String(layer)).toContain(layer);
  });
});

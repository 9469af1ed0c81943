import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import { readConfigFile } from '../../../src/entry/node/config-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'idbridge-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('reading the configuration file', () => {
  it('finds idbridge.config.yaml in the working directory, or nothing', () => {
    expect(readConfigFile({}, dir)).toBeUndefined();
    writeFileSync(join(dir, 'idbridge.config.yaml'), 'directory:\n  kind: builtin\n');
    expect(readConfigFile({}, dir)).toEqual({ name: 'idbridge.config.yaml', data: { directory: { kind: 'builtin' } } });
  });

  it('reads the file IDBRIDGE_CONFIG names, YAML or JSON by extension, and says when it is missing', () => {
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc', 'idb.json'), '{"directory":{"kind":"builtin"}}');
    expect(readConfigFile({ IDBRIDGE_CONFIG: 'etc/idb.json' }, dir)).toEqual({ name: 'etc/idb.json', data: { directory: { kind: 'builtin' } } });
    expect(problemsOf(() => readConfigFile({ IDBRIDGE_CONFIG: 'etc/nope.yaml' }, dir))).toEqual([
      'IDBRIDGE_CONFIG: "etc/nope.yaml" does not exist (a YAML or JSON configuration file)',
    ]);
    expect(problemsOf(() => readConfigFile({ IDBRIDGE_CONFIG: 'etc' }, dir))).toEqual(['etc: is not a file']);
  });

  it('refuses two configuration files at once', () => {
    writeFileSync(join(dir, 'idbridge.config.yaml'), '');
    writeFileSync(join(dir, 'idbridge.config.json'), '{}');
    expect(problemsOf(() => readConfigFile({}, dir))[0]).toMatch(/more than one configuration file/);
  });

  it('names the line and column of a YAML syntax error, and refuses duplicate keys', () => {
    writeFileSync(join(dir, 'idbridge.config.yaml'), 'directory:\n  kind: sql\n   url: [\n');
    expect(problemsOf(() => readConfigFile({}, dir))[0]).toMatch(/^idbridge\.config\.yaml: line \d+, column \d+: /);
    writeFileSync(join(dir, 'idbridge.config.yaml'), 'directory:\n  kind: sql\n  kind: http\n');
    expect(problemsOf(() => readConfigFile({}, dir))[0]).toMatch(/^idbridge\.config\.yaml: line 3, column 3: .*unique/i);
  });

  it('refuses broken JSON and oversized files', () => {
    writeFileSync(join(dir, 'idbridge.config.json'), '{"directory":');
    expect(problemsOf(() => readConfigFile({}, dir))[0]).toMatch(/^idbridge\.config\.json: not valid JSON/);
    rmSync(join(dir, 'idbridge.config.json'));
    writeFileSync(join(dir, 'idbridge.config.yaml'), `# ${'x'.repeat(1024 * 1024)}\n`);
    expect(problemsOf(() => readConfigFile({}, dir))).toEqual(['idbridge.config.yaml: is larger than 1 MiB']);
  });

  it('bounds YAML aliases (a "billion laughs" file is refused, not expanded)', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    writeFileSync(join(dir, 'idbridge.config.yaml'), `${lines.join('\n')}\n`);
    expect(() => readConfigFile({}, dir)).toThrow(/alias/i);
  });
});

/** The known-answer hashes written by test/fixtures/hashes/generate.py (independent implementations). */
import { readFileSync } from 'node:fs';

export interface KnownAnswer {
  format: string;
  password: string;
  hash: string;
  source: string;
  salt?: string;
  settings?: { pepper?: string; saltedHash?: { algorithm: 'md5' | 'sha1' | 'sha256'; template: string; encoding: 'hex' | 'base64' } };
  slow?: boolean;
}

const raw = JSON.parse(readFileSync(new URL('../../fixtures/hashes/known-answers.json', import.meta.url), 'utf8')) as { pepper: string; entries: KnownAnswer[] };

export const fixture = {
  ...raw,
  plain: 'correct horse battery staple',
  unicode: '\ufb01anc\u00e9 \u212b \u2603 \u0436',
  long72: 'a'.repeat(72) + 'tail-one',
};

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Development only: a deployment secret generated on first start and kept next to the database
 * (mode 0600), so sessions and encrypted settings survive restarts without any setup.
 * Production must set IDBRIDGE_SECRET explicitly.
 */
export function developmentSecret(databasePath: string): { secret: string; created: boolean; path: string } {
  const dir = databasePath === ':memory:' ? join(process.cwd(), 'data') : dirname(databasePath);
  const path = join(dir, '.secret');
  if (existsSync(path)) return { secret: readFileSync(path, 'utf8').trim(), created: false, path };
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, created: true, path };
}

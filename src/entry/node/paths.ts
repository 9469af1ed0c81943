import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (folder of idbridge's package.json), whether running from src/ or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, 'utf8')).name === 'idbridge') return dir;
    dir = dirname(dir);
  }
  throw new Error('idbridge package root not found');
}

export const migrationsFolder = () => join(packageRoot(), 'drizzle');
export const publicFolder = () => join(packageRoot(), 'public');

import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { defaultDatabasePath, loadConfig, type Config } from '../../config.js';
import { readConfigFile } from './config-file.js';
import { developmentSecret } from './secret.js';

export interface LoadedConfig {
  config: Config;
  /** Set when a development secret was generated on this start. */
  generatedSecretPath?: string;
}

/**
 * Read `.env` (without overriding real environment variables) and validate the configuration.
 * Config errors name `.env` for the values that came from it, so the operator knows where to look.
 */
export function loadNodeConfig(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): LoadedConfig {
  const fromFile = new Set<string>();
  if (envFile && existsSync(envFile)) {
    // Variables already set in the environment win over the file (as process.loadEnvFile does).
    for (const [key, value] of Object.entries(parseEnv(readFileSync(envFile, 'utf8')))) {
      if (env[key] !== undefined) continue;
      env[key] = value;
      fromFile.add(key);
    }
  }
  const options = { fromFile: { path: envFile, keys: fromFile }, document: readConfigFile(env) };
  const environment = env.IDBRIDGE_ENV || env.NODE_ENV || 'development';
  if (!env.IDBRIDGE_SECRET && environment !== 'production') {
    const dev = developmentSecret(defaultDatabasePath(env));
    return { config: loadConfig(env, { ...options, secret: dev.secret }), generatedSecretPath: dev.created ? dev.path : undefined };
  }
  return { config: loadConfig(env, options) };
}

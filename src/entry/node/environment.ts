import { existsSync } from 'node:fs';
import { loadConfig, type Config } from '../../config.js';
import { readConfigFile } from './config-file.js';
import { developmentSecret } from './secret.js';

export interface LoadedConfig {
  config: Config;
  /** Set when a development secret was generated on this start. */
  generatedSecretPath?: string;
}

/** Read `.env` (without overriding real environment variables) and validate the configuration. */
export function loadNodeConfig(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): LoadedConfig {
  if (envFile && existsSync(envFile)) {
    // Node ≥ 20.12: variables already set in the environment win over the file.
    process.loadEnvFile(envFile);
  }
  const document = readConfigFile(env);
  const environment = env.IDBRIDGE_ENV || env.NODE_ENV || 'development';
  if (!env.IDBRIDGE_SECRET && environment !== 'production') {
    const dev = developmentSecret(env.IDBRIDGE_DATABASE || './data/idbridge.sqlite');
    return { config: loadConfig(env, { secret: dev.secret, document }), generatedSecretPath: dev.created ? dev.path : undefined };
  }
  return { config: loadConfig(env, { document }) };
}

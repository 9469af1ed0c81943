import { loadConfig, type Config, type LoadOptions } from '../../src/config.js';

/** A test configuration: cheap scrypt, fast retries, in-memory database unless overridden. */
export function testConfig(env: Record<string, string | undefined> = {}, options: LoadOptions = {}): Config {
  return loadConfig(
    {
    IDBRIDGE_ENV: 'test',
    IDBRIDGE_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    IDBRIDGE_DATABASE: ':memory:',
    IDBRIDGE_PUBLIC_URL: 'http://127.0.0.1:3000',
    HOST: '127.0.0.1',
    PORT: '0',
    IDBRIDGE_SCRYPT_LN: '10',
    IDBRIDGE_SCRYPT_R: '8',
    IDBRIDGE_SCRYPT_P: '1',
    IDBRIDGE_POSTBACK_BASE_DELAY_MS: '20',
    IDBRIDGE_POSTBACK_MAX_DELAY_MS: '100',
    IDBRIDGE_POSTBACK_DEADLINE_MS: '5000',
    IDBRIDGE_POSTBACK_TIMEOUT_MS: '2000',
    IDBRIDGE_API_KEY: 'k'.repeat(32),
    ...env,
    },
    options,
  );
}

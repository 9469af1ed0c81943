/**
 * The bridge's start-up check of its PostBack URL and API key, with real servers on loopback: a
 * real identity service (role=identity), a bridge started by `startServer` and by the real CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import { startServer } from '../../../src/entry/node/server.js';
import { memoryLogger } from '../../../src/log.js';
import { testConfig } from '../../helpers/config.js';
import { FakeIdentityService } from '../../helpers/fake-identity-service.js';
import { freePort, startIdbridge, type TestServer } from '../../helpers/walk.js';

const KEY = 'right-key-'.repeat(4);
const WRONG = 'wrong-key-'.repeat(4);
const root = join(import.meta.dirname, '..', '..', '..');

function bridgeConfig(identityUrl: string, apiKey: string) {
  return testConfig({
    IDBRIDGE_ROLE: 'bridge',
    IDBRIDGE_POSTBACK_URL: `${identityUrl}/ows_auth`,
    IDBRIDGE_RETURN_URL: `${identityUrl}/ows_return`,
    IDBRIDGE_API_KEY: apiKey,
    IDBRIDGE_POSTBACK_TIMEOUT_MS: '1000',
  });
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('bridge start-up probe of the identity service', () => {
  let identity: TestServer;
  beforeAll(async () => {
    identity = await startIdbridge({ IDBRIDGE_ROLE: 'identity', IDBRIDGE_VERIFY_URL: 'http://localhost:3001/verify', IDBRIDGE_API_KEY: KEY });
  });
  afterAll(() => identity.close());

  it('the right key: the bridge starts and logs that the identity service proved the same key', async () => {
    const logger = memoryLogger();
    const bridge = await startServer(bridgeConfig(identity.url, KEY), { logger });
    try {
      expect(logger.entries.find((e) => e.event === 'identity_service_checked')).toMatchObject({ level: 'info', probe_url: `${identity.url}/ows_probe` });
    } finally {
      await bridge.close();
    }
  });

  it('a wrong key: start-up fails with one message naming IDBRIDGE_API_KEY (never the key)', async () => {
    const error = await startServer(bridgeConfig(identity.url, WRONG), { logger: memoryLogger() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('IDBRIDGE_API_KEY: the identity service refused this key (HTTP 401');
    expect(message).not.toContain(WRONG);
    expect(identity.logger.entries.some((e) => e.event === 'probe_unauthorized')).toBe(true);
  });

  it('identity service down: the bridge starts with a warning naming the cause, and re-probes until it answers', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const logger = memoryLogger();
    const bridge = await startServer(bridgeConfig(url, KEY), { logger, identityCheck: { retryAfterMs: 50, maxRetryAfterMs: 100 } });
    let late: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      expect(logger.entries.find((e) => e.event === 'identity_service_unreachable')).toMatchObject({ level: 'warn', cause: 'refused', code: 'ECONNREFUSED' });
      expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200); // serving meanwhile
      late = await startIdbridgeOn(port);
      await until(() => logger.entries.some((e) => e.event === 'identity_service_checked'));
      expect(logger.entries.find((e) => e.event === 'identity_service_checked')).toMatchObject({ after_retry: true });
    } finally {
      await bridge.close();
      await late?.close();
    }
  });

  it('a PostBack URL where no idbridge identity service answers the probe (404): a warning, no retries', async () => {
    const fake = new FakeIdentityService();
    await fake.start();
    const logger = memoryLogger();
    const bridge = await startServer(bridgeConfig(`http://127.0.0.1:${fake.port}`, KEY), { logger, identityCheck: { retryAfterMs: 20 } });
    try {
      expect(logger.entries.find((e) => e.event === 'identity_probe_unexpected')).toMatchObject({ level: 'warn', status: 404 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(logger.entries.filter((e) => e.event.startsWith('identity_'))).toHaveLength(1);
    } finally {
      await bridge.close();
      await fake.stop();
    }
  });

  it('`idbridge serve` with a wrong key exits 1 with the message on stderr, before listening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idbridge-probe-'));
    try {
      const port = await freePort();
      const child = spawn(process.execPath, [join(root, 'bin', 'idbridge.js'), 'serve'], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          IDBRIDGE_ENV: 'test',
          IDBRIDGE_SECRET: 's'.repeat(40),
          IDBRIDGE_ROLE: 'bridge',
          PORT: String(port),
          IDBRIDGE_DATABASE: join(dir, 'bridge.sqlite'),
          IDBRIDGE_POSTBACK_URL: `${identity.url}/ows_auth`,
          IDBRIDGE_RETURN_URL: `${identity.url}/ows_return`,
          IDBRIDGE_API_KEY: WRONG,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toContain('IDBRIDGE_API_KEY: the identity service refused this key');
      expect(stderr).not.toContain(WRONG);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An identity service with KEY on a given port (the one the bridge was told about). */
async function startIdbridgeOn(port: number) {
  const logger = memoryLogger();
  const config = testConfig({
    IDBRIDGE_ROLE: 'identity',
    IDBRIDGE_VERIFY_URL: 'http://localhost:3001/verify',
    IDBRIDGE_API_KEY: KEY,
    IDBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
  });
  return startServer(config, { logger });
}

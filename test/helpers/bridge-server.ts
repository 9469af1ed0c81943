import { startServer, type RunningServer } from '../../src/entry/node/server.js';
import { memoryLogger } from '../../src/log.js';
import { createUser, type NewUserInput } from '../../src/users/create-user.js';
import type { DirectoryUser } from '../../src/users/user.js';
import { TestClock } from './clock.js';
import { testConfig } from './config.js';
import type { FakeIdentityService } from './fake-identity-service.js';

export interface TestBridge {
  server: RunningServer;
  url: string;
  clock: TestClock;
  logger: ReturnType<typeof memoryLogger>;
  addUser(input: Partial<NewUserInput> & { email: string; password: string }): Promise<DirectoryUser>;
  close(): Promise<void>;
}

/** Start a real bridge (role=bridge, real HTTP, in-memory SQLite) posting back to `identity`. */
export async function startBridge(identity: FakeIdentityService, env: Record<string, string> = {}): Promise<TestBridge> {
  const clock = new TestClock();
  const logger = memoryLogger();
  const config = testConfig({
    IDBRIDGE_ROLE: 'bridge',
    IDBRIDGE_POSTBACK_URL: identity.postbackUrl,
    IDBRIDGE_RETURN_URL: identity.returnUrl,
    ...env,
  });
  const server = await startServer(config, { logger, deps: { clock, random: () => 0.5 } });
  return {
    server,
    url: server.url,
    clock,
    logger,
    addUser: (input) =>
      createUser(input, { store: server.services.userStore, hasher: server.services.hasher, now: clock.now() }),
    close: () => server.close(),
  };
}

let counter = 0;
/** A fresh, well-formed request id (≥ 128 bits in real use; unique per test here). */
export function newRequestId(): string {
  counter += 1;
  return `req${Date.now().toString(36)}x${counter.toString().padStart(8, '0')}abcdef`;
}

export function verifyPath(requestId: string, realm = 'https://rp.example.com/', attrs = 'sreg_email,sreg_fullname'): string {
  const q = new URLSearchParams({ request_id: requestId, realm, requested_attributes: attrs });
  return `/verify?${q}`;
}

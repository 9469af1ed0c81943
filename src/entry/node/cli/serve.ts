import { createUser } from '../../../users/create-user.js';
import { randomToken } from '../../../util/bytes.js';
import { loadNodeConfig } from '../environment.js';
import { startServer } from '../server.js';
import { stopOnSignals } from '../shutdown.js';

/** `idbridge serve`: start the server (bridge and identity service, per IDBRIDGE_ROLE). */
export async function serveCommand(): Promise<number> {
  const { config, generatedSecretPath } = loadNodeConfig();
  const server = await startServer(config);
  const { services } = server;
  // From here on a signal drains the server (see shutdown.ts), also while the lines below run.
  stopOnSignals(
    (reason) => {
      services.logger.log('info', 'stopping', { reason, grace_seconds: config.shutdownGraceSeconds });
      void server.close().finally(() => process.exit(0));
    },
    () => process.exit(0), // a second signal: stop now
  );
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`idbridge ${config.role === 'all' ? '(bridge + identity service)' : `(${config.role})`} listening on ${server.url} (pid ${process.pid})`);
  say(`  public URL: ${config.publicUrl}    database: ${config.databasePath}    environment: ${config.environment}`);
  if (generatedSecretPath) say(`  generated a development secret in ${generatedSecretPath}`);
  if (config.role !== 'bridge') {
    await services.apiKeys.ensure();
    await services.signingKeys.jwks(); // ES256 and RS256 keys exist from the first start on
  }
  // Only for the built-in table: a site directory's users are the site's.
  if (config.environment === 'development' && config.role !== 'identity' && config.directory.kind === 'builtin' && (await services.userStore.count()) === 0) {
    const password = randomToken(72);
    await createUser(
      { email: 'demo@example.com', username: 'demo', password, fullname: 'Demo User', nickname: 'demo', country: 'US', language: 'en', timezone: 'Europe/London', emailVerified: true },
      { store: services.userStore, hasher: services.hasher, now: services.clock.now() },
    );
    say('');
    say('  Created a demo user (development only; shown once):');
    say('    email:    demo@example.com   (username: demo)');
    say(`    password: ${password}`);
  }
  say('');
  return new Promise<number>(() => undefined); // runs until stopped
}

import { describe, expect, it } from 'vitest';
import { ConfigError, checkOutgoingUrl, isLoopbackHost, loadConfig, type Config, type Env, type LoadOptions } from '../src/config.js';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const API_KEY = 'a'.repeat(40);

/** The problems of a failed load (fails the test when loading succeeds or throws something else). */
function problems(env: Env, overrides?: LoadOptions): string[] {
  let caught: unknown;
  try {
    loadConfig(env, overrides);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return (caught as ConfigError).problems;
}

const prod = (env: Env = {}): Env => ({
  IDBRIDGE_ENV: 'production',
  IDBRIDGE_SECRET: SECRET,
  IDBRIDGE_PUBLIC_URL: 'https://id.example.com',
  ...env,
});

describe('loadConfig: defaults', () => {
  it('defaults to a development configuration', () => {
    const config = loadConfig({ IDBRIDGE_SECRET: SECRET });
    expect(config).toMatchObject({
      environment: 'development',
      role: 'all',
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      tenant: 'default',
      databasePath: './data/idbridge.sqlite',
      secret: SECRET,
      secureCookies: false,
      trustProxy: false,
      bridge: {
        postbackUrl: 'http://localhost:3000/ows_auth',
        returnUrl: 'http://localhost:3000/ows_return',
        apiKey: undefined,
        trustedRealms: [],
        requestTtlSeconds: 600,
        sessionTtlSeconds: 12 * 3600,
        postback: { maxAttempts: 4, deadlineMs: 10_000, attemptTimeoutMs: 5_000, baseDelayMs: 250, maxDelayMs: 4_000 },
        manualRetries: 3,
        throttle: {
          accountFreeFailures: 5,
          ipFreeFailures: 20,
          baseLockSeconds: 30,
          maxLockSeconds: 900,
          windowSeconds: 3600,
        },
      },
      passwordHash: { ln: 17, r: 8, p: 1 },
      logLevel: 'info',
      siteName: 'idbridge',
    });
  });

  it('derives the default public URL from PORT', () => {
    const config = loadConfig({ IDBRIDGE_SECRET: SECRET, PORT: '8080' });
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.bridge.postbackUrl).toBe('http://localhost:8080/ows_auth');
  });

  it('strips trailing slashes from the public URL', () => {
    const config = loadConfig({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_PUBLIC_URL: 'http://127.0.0.1:4000///' });
    expect(config.publicUrl).toBe('http://127.0.0.1:4000');
    expect(config.bridge.returnUrl).toBe('http://127.0.0.1:4000/ows_return');
  });

  it('takes the environment from IDBRIDGE_ENV before NODE_ENV', () => {
    expect(loadConfig({ IDBRIDGE_SECRET: SECRET, NODE_ENV: 'test' }).environment).toBe('test');
    expect(loadConfig({ IDBRIDGE_SECRET: SECRET, NODE_ENV: 'production', IDBRIDGE_ENV: 'development' }).environment).toBe(
      'development',
    );
  });

  it('parses booleans and numbers', () => {
    const config = loadConfig({
      IDBRIDGE_SECRET: SECRET,
      IDBRIDGE_TRUST_PROXY: 'yes',
      IDBRIDGE_SCRYPT_LN: '15',
      IDBRIDGE_POSTBACK_ATTEMPTS: '2',
    });
    expect(config.trustProxy).toBe(true);
    expect(config.passwordHash.ln).toBe(15);
    expect(config.bridge.postback.maxAttempts).toBe(2);
    expect(loadConfig({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });
});

describe('loadConfig: secret', () => {
  it('uses the secret passed by the entry point in development', () => {
    expect(loadConfig({}, { secret: SECRET }).secret).toBe(SECRET);
  });

  it('prefers IDBRIDGE_SECRET over the generated one', () => {
    expect(loadConfig({ IDBRIDGE_SECRET: SECRET }, { secret: 'g'.repeat(40) }).secret).toBe(SECRET);
  });

  it('reports a missing secret in development', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^IDBRIDGE_SECRET: missing/)]);
  });

  it('refuses a short secret, naming the variable', () => {
    expect(problems({ IDBRIDGE_SECRET: 'short' })).toEqual(['IDBRIDGE_SECRET: must be at least 32 characters']);
  });
});

describe('loadConfig: production', () => {
  it('accepts an https deployment with a secret', () => {
    const config = loadConfig(prod({ IDBRIDGE_PUBLIC_URL: 'https://id.example.com/' }));
    expect(config.environment).toBe('production');
    expect(config.publicUrl).toBe('https://id.example.com');
    expect(config.secureCookies).toBe(true);
    expect(config.bridge.postbackUrl).toBe('https://id.example.com/ows_auth');
  });

  it('requires IDBRIDGE_SECRET', () => {
    expect(problems(prod({ IDBRIDGE_SECRET: undefined }))).toEqual([
      expect.stringMatching(/^IDBRIDGE_SECRET: required in production/),
    ]);
    expect(problems({ NODE_ENV: 'production', IDBRIDGE_PUBLIC_URL: 'https://id.example.com' })).toEqual([
      expect.stringMatching(/^IDBRIDGE_SECRET: required in production/),
    ]);
  });

  it('requires an https public URL', () => {
    const found = problems(prod({ IDBRIDGE_PUBLIC_URL: 'http://id.example.com' }));
    expect(found).toContain('IDBRIDGE_PUBLIC_URL: must use https in production (got "http://id.example.com")');
  });

  it.each(['http://127.0.0.1:8080', 'http://localhost:3000', 'http://[::1]:3000'])(
    'tolerates plain http to the loopback public URL %s',
    (url) => {
      const config = loadConfig(prod({ IDBRIDGE_PUBLIC_URL: url }));
      expect(config.publicUrl).toBe(url);
      expect(config.secureCookies).toBe(false);
    },
  );

  it('collects the missing secret and the http public URL together', () => {
    const found = problems({ IDBRIDGE_ENV: 'production', IDBRIDGE_PUBLIC_URL: 'http://id.example.com' });
    expect(found).toContain('IDBRIDGE_PUBLIC_URL: must use https in production (got "http://id.example.com")');
    expect(found.some((p) => p.startsWith('IDBRIDGE_SECRET: required in production'))).toBe(true);
  });
});

describe('loadConfig: collecting problems', () => {
  it('reports a bad PORT and a bad IDBRIDGE_SCRYPT_LN at once, one message each', () => {
    const found = problems({ IDBRIDGE_SECRET: SECRET, PORT: 'abc', IDBRIDGE_SCRYPT_LN: '99' });
    expect(found).toHaveLength(2);
    expect(found.filter((p) => p.startsWith('PORT: '))).toHaveLength(1);
    expect(found.filter((p) => p.startsWith('IDBRIDGE_SCRYPT_LN: '))).toHaveLength(1);
  });

  it('names every bad variable in the error message', () => {
    let caught: unknown;
    try {
      loadConfig({ IDBRIDGE_SECRET: SECRET, PORT: '70000', IDBRIDGE_LOG_LEVEL: 'verbose', IDBRIDGE_TENANT: 'Bad Tenant' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toHaveLength(3);
    for (const name of ['PORT', 'IDBRIDGE_LOG_LEVEL', 'IDBRIDGE_TENANT']) expect(error.message).toContain(`  - ${name}: `);
  });

  it.each([
    ['PORT', '1.5'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['IDBRIDGE_SCRYPT_LN', '0'],
    ['IDBRIDGE_SCRYPT_LN', '23'],
    ['IDBRIDGE_POSTBACK_ATTEMPTS', '11'],
    ['IDBRIDGE_TRUST_PROXY', 'maybe'],
    ['IDBRIDGE_ROLE', 'admin'],
    ['IDBRIDGE_ENV', 'staging'],
    ['IDBRIDGE_PUBLIC_URL', 'id.example.com'],
    ['IDBRIDGE_PUBLIC_URL', 'ftp://id.example.com'],
    ['IDBRIDGE_TENANT', 'UPPER'],
    ['IDBRIDGE_API_KEY', 'too-short'],
  ])('refuses %s=%j with one message naming the variable', (name, value) => {
    const found = problems({ IDBRIDGE_SECRET: SECRET, [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]!.startsWith(`${name}: `)).toBe(true);
  });

  // ConfigError promises to list *every* bad value; a syntactically bad variable must not hide a
  // semantically bad one.
  it('reports a bad PORT together with an http postback URL to a remote host', () => {
    const found = problems({ IDBRIDGE_SECRET: SECRET, PORT: 'abc', IDBRIDGE_POSTBACK_URL: 'http://example.com/ows_auth' });
    expect(found.some((p) => p.startsWith('PORT: '))).toBe(true);
    expect(found.some((p) => p.startsWith('IDBRIDGE_POSTBACK_URL: '))).toBe(true);
  });

  it('refuses a maximum lockout shorter than the base lockout', () => {
    expect(
      problems({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_THROTTLE_BASE_SECONDS: '60', IDBRIDGE_THROTTLE_MAX_SECONDS: '30' }),
    ).toEqual(['IDBRIDGE_THROTTLE_MAX_SECONDS: must not be smaller than IDBRIDGE_THROTTLE_BASE_SECONDS, which is 60 (got "30")']);
  });
});

describe('loadConfig: empty values', () => {
  it('treats empty strings as unset', () => {
    const config = loadConfig({
      IDBRIDGE_SECRET: SECRET,
      PORT: '',
      HOST: '',
      IDBRIDGE_ROLE: '',
      IDBRIDGE_PUBLIC_URL: '',
      IDBRIDGE_POSTBACK_URL: '',
      IDBRIDGE_API_KEY: '',
      IDBRIDGE_TRUST_PROXY: '',
      IDBRIDGE_SCRYPT_LN: '',
      IDBRIDGE_ENV: '',
    });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.role).toBe('all');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.bridge.postbackUrl).toBe('http://localhost:3000/ows_auth');
    expect(config.bridge.apiKey).toBeUndefined();
    expect(config.trustProxy).toBe(false);
    expect(config.passwordHash.ln).toBe(17);
    expect(config.environment).toBe('development');
  });

  it('treats an empty IDBRIDGE_SECRET as missing in production', () => {
    expect(problems(prod({ IDBRIDGE_SECRET: '' }))).toEqual([expect.stringMatching(/^IDBRIDGE_SECRET: required in production/)]);
  });

  it('treats an empty IDBRIDGE_SECRET as unset, falling back to the generated one', () => {
    expect(loadConfig({ IDBRIDGE_SECRET: '' }, { secret: SECRET }).secret).toBe(SECRET);
  });

  // Number('   ') is 0: a blank PORT must not silently become "any free port" (nor a blank delay 0 ms).
  it.each([
    ['PORT', 3000, (c: Config) => c.port],
    ['IDBRIDGE_POSTBACK_BASE_DELAY_MS', 250, (c: Config) => c.bridge.postback.baseDelayMs],
    ['IDBRIDGE_MANUAL_RETRIES', 3, (c: Config) => c.bridge.manualRetries],
  ] as const)('does not read a whitespace-only %s as 0', (name, fallback, pick) => {
    let outcome: number | string[];
    try {
      outcome = pick(loadConfig({ IDBRIDGE_SECRET: SECRET, [name]: '   ' }));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      outcome = (error as ConfigError).problems;
    }
    // Either treated as unset (the default) or refused with a message naming the variable.
    if (typeof outcome === 'number') expect(outcome).toBe(fallback);
    else expect(outcome.some((p) => p.startsWith(`${name}: `))).toBe(true);
  });
});

describe('loadConfig: postback URL', () => {
  it.each([
    'http://127.0.0.1:9000/ows_auth',
    'http://localhost/ows_auth',
    'http://[::1]:8080/ows_auth',
    'http://127.1.2.3/ows_auth',
    'https://identity.example.com/ows_auth',
  ])('accepts %s', (url) => {
    expect(loadConfig({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_POSTBACK_URL: url }).bridge.postbackUrl).toBe(url);
  });

  it.each([
    'http://example.com/ows_auth',
    'http://10.0.0.5/ows_auth',
    'http://0.0.0.0/ows_auth',
    'http://localhost.example.com/ows_auth',
    'http://127.0.0.1.nip.io/ows_auth',
  ])('refuses plain http to the non-loopback %s', (url) => {
    expect(problems({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_POSTBACK_URL: url })).toEqual([
      `IDBRIDGE_POSTBACK_URL: must use https (plain http is allowed only to localhost / 127.0.0.1 / ::1) (got "${url}")`,
    ]);
  });

  it.each(['ftp://example.com/x', 'not a url', '/ows_auth'])('refuses the non-http(s) postback URL %j', (url) => {
    const found = problems({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_POSTBACK_URL: url });
    expect(found).toHaveLength(1);
    expect(found[0]!.startsWith('IDBRIDGE_POSTBACK_URL: ')).toBe(true);
  });

  it('refuses the default postback URL derived from an http public URL in production', () => {
    expect(problems(prod({ IDBRIDGE_PUBLIC_URL: 'http://id.example.com' }))).toContain(
      'IDBRIDGE_POSTBACK_URL: must use https (plain http is allowed only to localhost / 127.0.0.1 / ::1)',
    );
  });
});

describe('loadConfig: HTTP directory URL', () => {
  const load = (url: string) => {
    const env: Env = { IDBRIDGE_SECRET: SECRET, DIR_SECRET: 'd'.repeat(40) };
    return () => loadConfig(env, { document: { name: 'idbridge.config.yaml', data: { directory: { kind: 'http', url, secret: '${DIR_SECRET}' } } } });
  };

  it.each(['https://www.example.com/idbridge', 'http://127.0.0.1:8787/idbridge'])('accepts %s', (url) => {
    expect(load(url)().directory).toMatchObject({ kind: 'http', url });
  });

  it('refuses plain http to a non-loopback host, naming the setting and the value', () => {
    let caught: unknown;
    try {
      load('http://www.example.com/idbridge')();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      'directory.url: "http://www.example.com/idbridge": must use https (plain http is allowed only to localhost / 127.0.0.1 / ::1)',
    ]);
  });
});

describe('loadConfig: role=bridge', () => {
  const bridgeEnv: Env = {
    IDBRIDGE_SECRET: SECRET,
    IDBRIDGE_ROLE: 'bridge',
    IDBRIDGE_POSTBACK_URL: 'https://identity.example.com/ows_auth',
    IDBRIDGE_RETURN_URL: 'https://identity.example.com/ows_return',
    IDBRIDGE_API_KEY: API_KEY,
  };

  it('accepts a complete bridge configuration', () => {
    const config = loadConfig(bridgeEnv);
    expect(config.role).toBe('bridge');
    expect(config.bridge.postbackUrl).toBe('https://identity.example.com/ows_auth');
    expect(config.bridge.returnUrl).toBe('https://identity.example.com/ows_return');
    expect(config.bridge.apiKey).toBe(API_KEY);
  });

  it('requires the postback URL, the return URL and the API key, all reported together', () => {
    const found = problems({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_ROLE: 'bridge' });
    expect(found).toEqual([
      'IDBRIDGE_POSTBACK_URL: required when IDBRIDGE_ROLE=bridge',
      'IDBRIDGE_RETURN_URL: required when IDBRIDGE_ROLE=bridge',
      'IDBRIDGE_API_KEY: required when IDBRIDGE_ROLE=bridge',
    ]);
  });

  it.each(['IDBRIDGE_POSTBACK_URL', 'IDBRIDGE_RETURN_URL', 'IDBRIDGE_API_KEY'])('requires %s alone', (name) => {
    expect(problems({ ...bridgeEnv, [name]: undefined })).toEqual([`${name}: required when IDBRIDGE_ROLE=bridge`]);
    expect(problems({ ...bridgeEnv, [name]: '' })).toEqual([`${name}: required when IDBRIDGE_ROLE=bridge`]);
  });

  it('does not require them for the other roles', () => {
    expect(
      loadConfig({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_ROLE: 'identity', IDBRIDGE_VERIFY_URL: 'https://bridge.example.com/verify' })
        .role,
    ).toBe('identity');
    expect(loadConfig({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_ROLE: 'all' }).bridge.apiKey).toBeUndefined();
  });
});

describe('loadConfig: trusted realms', () => {
  it('splits on commas and whitespace, skipping empties', () => {
    const config = loadConfig({
      IDBRIDGE_SECRET: SECRET,
      IDBRIDGE_TRUSTED_REALMS: ' https://a.example.com/, https://*.b.example.com/\nhttp://c.example.com:8080/app/ ,, ',
    });
    expect(config.bridge.trustedRealms).toEqual([
      'https://a.example.com/',
      'https://*.b.example.com/',
      'http://c.example.com:8080/app/',
    ]);
  });

  it('is empty when unset or blank', () => {
    expect(loadConfig({ IDBRIDGE_SECRET: SECRET }).bridge.trustedRealms).toEqual([]);
    expect(loadConfig({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_TRUSTED_REALMS: ' , ' }).bridge.trustedRealms).toEqual([]);
  });

  it('reports each invalid realm by value', () => {
    const found = problems({
      IDBRIDGE_SECRET: SECRET,
      IDBRIDGE_TRUSTED_REALMS: 'https://ok.example.com/ javascript:alert(1) ftp://files.example.com/ example.com',
    });
    expect(found).toEqual([
      'IDBRIDGE_TRUSTED_REALMS: "javascript:alert(1)" is not an http(s) realm URL',
      'IDBRIDGE_TRUSTED_REALMS: "ftp://files.example.com/" is not an http(s) realm URL',
      'IDBRIDGE_TRUSTED_REALMS: "example.com" is not an http(s) realm URL',
    ]);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['127.255.255.255', true],
    ['::1', true],
    ['[::1]', true],
    ['app.localhost', true],
    ['example.com', false],
    ['localhost.example.com', false],
    ['notlocalhost', false],
    ['127.0.0.1.nip.io', false],
    ['x127.0.0.1', false],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['0.0.0.0', false],
    ['[::]', false],
    ['', false],
  ])('%j → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('checkOutgoingUrl', () => {
  const HTTPS_ONLY = 'must use https (plain http is allowed only to localhost / 127.0.0.1 / ::1)';
  it.each([
    ['https://identity.example.com/ows_auth', undefined],
    ['https://127.0.0.1/', undefined],
    ['http://127.0.0.1:9000/x', undefined],
    ['http://localhost/x', undefined],
    ['http://LOCALHOST:3000/x', undefined],
    ['http://[::1]:8080/x', undefined],
    ['http://127.9.9.9/', undefined],
    ['http://api.localhost/', undefined],
    ['http://example.com/x', HTTPS_ONLY],
    ['http://192.168.1.10/x', HTTPS_ONLY],
    ['http://localhost.example.com/', HTTPS_ONLY],
    ['http://127.0.0.1.nip.io/', HTTPS_ONLY],
    ['http://[::ffff:8.8.8.8]/', HTTPS_ONLY],
    ['ftp://localhost/', HTTPS_ONLY],
    ['ws://localhost/', HTTPS_ONLY],
    ['javascript:alert(1)', HTTPS_ONLY],
    ['not a url', 'must be an absolute URL'],
    ['/ows_auth', 'must be an absolute URL'],
    ['', 'must be an absolute URL'],
  ])('%j → %j', (url, expected) => {
    expect(checkOutgoingUrl(url)).toBe(expected);
  });
});

describe('loadConfig: messages say the variable, the value, what is allowed and where it came from', () => {
  it.each([
    ['PORT', 'abc', 'PORT: must be a whole number from 0 to 65535 (got "abc")'],
    ['IDBRIDGE_REQUEST_TTL', '-5', 'IDBRIDGE_REQUEST_TTL: must be a whole number from 30 to 3600 (got "-5")'],
    ['IDBRIDGE_REQUEST_TTL', '1.5', 'IDBRIDGE_REQUEST_TTL: must be a whole number from 30 to 3600 (got "1.5")'],
    ['IDBRIDGE_REQUEST_TTL', '5', 'IDBRIDGE_REQUEST_TTL: must be a whole number from 30 to 3600 (got "5")'],
    ['IDBRIDGE_ROLE', 'admin', 'IDBRIDGE_ROLE: must be one of all, bridge, identity (got "admin")'],
    ['IDBRIDGE_TRUST_PROXY', 'maybe', 'IDBRIDGE_TRUST_PROXY: must be one of true, false, 1, 0, yes, no (got "maybe")'],
    ['IDBRIDGE_SHUTDOWN_GRACE_SECONDS', '-1', 'IDBRIDGE_SHUTDOWN_GRACE_SECONDS: must be a whole number from 0 to 3600 (got "-1")'],
  ])('%s=%j', (name, value, message) => {
    expect(problems({ IDBRIDGE_SECRET: SECRET, [name]: value })).toEqual([message]);
  });

  it('never repeats a secret value, but says it was set in the env file', () => {
    const fromFile = { path: '.env', keys: new Set(['IDBRIDGE_API_KEY', 'PORT']) };
    const found = problems({ IDBRIDGE_SECRET: 'tiny-secret', IDBRIDGE_API_KEY: 'tiny-key', IDBRIDGE_ADMIN_TOKEN: 'tiny-token', PORT: 'x' }, { fromFile });
    expect(found).toEqual([
      'PORT: must be a whole number from 0 to 65535 (got "x" from .env)',
      'IDBRIDGE_SECRET: must be at least 32 characters',
      'IDBRIDGE_ADMIN_TOKEN: must be 32 to 512 characters',
      'IDBRIDGE_API_KEY: must be 32 to 256 characters (set in .env)',
    ]);
    expect(found.join('\n')).not.toMatch(/tiny/);
  });

  it('refuses IDBRIDGE_SECRET_PREVIOUS equal to IDBRIDGE_SECRET, without showing either', () => {
    const found = problems({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_SECRET_PREVIOUS: SECRET });
    expect(found).toEqual(['IDBRIDGE_SECRET_PREVIOUS: must differ from IDBRIDGE_SECRET (it is the secret being rotated away from)']);
  });

  it('reads the shutdown grace period and the previous secret', () => {
    const config = loadConfig({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_SECRET_PREVIOUS: 'p'.repeat(40), IDBRIDGE_SHUTDOWN_GRACE_SECONDS: '3' });
    expect(config.shutdownGraceSeconds).toBe(3);
    expect(config.previousSecret).toBe('p'.repeat(40));
    expect(loadConfig({ IDBRIDGE_SECRET: SECRET })).toMatchObject({ shutdownGraceSeconds: 10, previousSecret: undefined });
  });
});

describe('loadConfig: the OWASP scrypt floor', () => {
  const scrypt = (ln: string, r: string, p: string) => ({ IDBRIDGE_SCRYPT_LN: ln, IDBRIDGE_SCRYPT_R: r, IDBRIDGE_SCRYPT_P: p });

  it.each([
    ['17', '8', '1'],
    ['16', '8', '2'],
    ['15', '8', '3'],
    ['14', '8', '5'], // the Workers default (wrangler.toml)
    ['13', '8', '10'],
    ['16', '16', '1'], // the same memory as 2^17 at r=8
    ['20', '8', '1'],
  ])('accepts N=2^%s r=%s p=%s in production', (ln, r, p) => {
    const config = loadConfig(prod(scrypt(ln, r, p)));
    expect(config.passwordHash).toEqual({ ln: Number(ln), r: Number(r), p: Number(p) });
    expect(config.warnings).toEqual([]);
  });

  it.each([
    ['3', '8', '1'],
    ['16', '8', '1'],
    ['14', '8', '4'],
    ['13', '8', '9'],
    ['12', '8', '16'],
    ['17', '4', '1'],
  ])('refuses N=2^%s r=%s p=%s in production, naming the setting and the floor', (ln, r, p) => {
    const found = problems(prod(scrypt(ln, r, p)));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^IDBRIDGE_SCRYPT_LN: scrypt N=2\\^${ln} r=${r} p=${p} .*below the OWASP minimum N=2\\^17 r=8 p=1.*production refuses it$`));
  });

  it.each(['development', 'test'])('accepts a cheap hash in %s, with a warning', (environment) => {
    const config = loadConfig({ IDBRIDGE_SECRET: SECRET, IDBRIDGE_ENV: environment, IDBRIDGE_SCRYPT_LN: '3' });
    expect(config.passwordHash.ln).toBe(3);
    expect(config.warnings).toEqual([expect.stringMatching(new RegExp(`^IDBRIDGE_SCRYPT_LN: scrypt N=2\\^3 .*accepted only because IDBRIDGE_ENV=${environment}$`))]);
  });
});

describe('role-specific defaults (split deployment on one machine)', () => {
  const identity = { IDBRIDGE_SECRET: SECRET, IDBRIDGE_ROLE: 'identity', IDBRIDGE_VERIFY_URL: 'http://localhost:3001/verify' };
  const bridge = {
    IDBRIDGE_SECRET: SECRET,
    IDBRIDGE_ROLE: 'bridge',
    IDBRIDGE_POSTBACK_URL: 'http://localhost:3000/ows_auth',
    IDBRIDGE_RETURN_URL: 'http://localhost:3000/ows_return',
    IDBRIDGE_API_KEY: API_KEY,
  };

  it('gives the identity service and the bridge different ports, public URLs and database files', () => {
    const a = loadConfig(identity);
    const b = loadConfig(bridge);
    expect([a.port, a.publicUrl, a.databasePath]).toEqual([3000, 'http://localhost:3000', './data/identity.sqlite']);
    expect([b.port, b.publicUrl, b.databasePath]).toEqual([3001, 'http://localhost:3001', './data/bridge.sqlite']);
    const all = loadConfig({ IDBRIDGE_SECRET: SECRET });
    expect([all.port, all.databasePath]).toEqual([3000, './data/idbridge.sqlite']);
  });

  it('lets PORT and IDBRIDGE_DATABASE override the role defaults', () => {
    const b = loadConfig({ ...bridge, PORT: '4001', IDBRIDGE_DATABASE: '/var/lib/idbridge/b.sqlite' });
    expect([b.port, b.publicUrl, b.databasePath]).toEqual([4001, 'http://localhost:4001', '/var/lib/idbridge/b.sqlite']);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import type { OidcClient } from '../../../src/protocol/oidc/client.js';
import {
  authenticateClient,
  generateClientSecret,
  hashClientSecret,
  parseClientCredentials,
  verifyClientSecret,
} from '../../../src/protocol/oidc/client-auth.js';
import { CONFIDENTIAL, PUBLIC, rejection, thrown } from './helpers.js';

/** RFC 6749 §2.3.1: form-urlencode each part, then base64 "id:secret". */
function basic(id: string, secret: string): string {
  const enc = (s: string) => new URLSearchParams([['', s]]).toString().slice(1);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`, 'utf8').toString('base64')}`;
}

function expectError(error: unknown, code: string, status: number): void {
  expect(error).toBeInstanceOf(IdbridgeError);
  expect((error as IdbridgeError).code).toBe(code);
  expect((error as IdbridgeError).status).toBe(status);
}

describe('parseClientCredentials', () => {
  it('parses client_secret_basic', () => {
    expect(parseClientCredentials({ authorization: basic('shop', 's3cret') }, {})).toEqual({
      method: 'client_secret_basic',
      clientId: 'shop',
      clientSecret: 's3cret',
    });
  });

  it('decodes url-encoded special characters in Basic credentials', () => {
    const id = 'my client:1/ü';
    const secret = 'p@ss:w/ord+%&= ~é€';
    const header = basic(id, secret);
    // the encoded form really contains the escapes
    expect(Buffer.from(header.slice(6), 'base64').toString()).toContain('%3A');
    expect(parseClientCredentials({ authorization: header }, {})).toEqual({ method: 'client_secret_basic', clientId: id, clientSecret: secret });
  });

  it('treats + as a space and %2B as a plus', () => {
    const header = `Basic ${btoa('a+b:c%2Bd')}`;
    expect(parseClientCredentials({ authorization: header }, {})).toMatchObject({ clientId: 'a b', clientSecret: 'c+d' });
  });

  it('accepts a lower-case scheme and extra spaces', () => {
    expect(parseClientCredentials({ authorization: `basic   ${btoa('shop:x')}` }, {}).clientId).toBe('shop');
  });

  it('parses client_secret_post', () => {
    expect(parseClientCredentials({}, { client_id: ['shop'], client_secret: ['s3cret'] })).toEqual({
      method: 'client_secret_post',
      clientId: 'shop',
      clientSecret: 's3cret',
    });
  });

  it('parses none', () => {
    expect(parseClientCredentials({}, { client_id: ['spa'] })).toEqual({ method: 'none', clientId: 'spa' });
    expect(parseClientCredentials({ authorization: '' }, { client_id: ['spa'], client_secret: [''] })).toEqual({ method: 'none', clientId: 'spa' });
  });

  it('allows a body client_id that matches Basic', () => {
    expect(parseClientCredentials({ authorization: basic('shop', 'x') }, { client_id: ['shop'] }).method).toBe('client_secret_basic');
  });

  it('refuses two methods at once (invalid_request)', () => {
    expectError(thrown(() => parseClientCredentials({ authorization: basic('shop', 'x') }, { client_id: ['shop'], client_secret: ['x'] })), 'invalid_request', 400);
    expectError(thrown(() => parseClientCredentials({ authorization: basic('shop', 'x') }, { client_secret: ['x'] })), 'invalid_request', 400);
  });

  it('refuses a body client_id that contradicts Basic', () => {
    expectError(thrown(() => parseClientCredentials({ authorization: basic('shop', 'x') }, { client_id: ['other'] })), 'invalid_request', 400);
  });

  it('refuses repeated client_id / client_secret', () => {
    expectError(thrown(() => parseClientCredentials({}, { client_id: ['a', 'b'] })), 'invalid_request', 400);
    expectError(thrown(() => parseClientCredentials({}, { client_id: ['a'], client_secret: ['x', 'x'] })), 'invalid_request', 400);
  });

  const malformed: Array<[string, string]> = [
    ['no credentials after the scheme', 'Basic'],
    ['no colon', `Basic ${btoa('shopsecret')}`],
    ['not base64', 'Basic !!!!'],
    ['two tokens', `Basic ${btoa('a:b')} ${btoa('c:d')}`],
    ['empty client id', `Basic ${btoa(':secret')}`],
    ['empty secret', `Basic ${btoa('shop:')}`],
    ['bad percent-encoding', `Basic ${btoa('sh%zzop:secret')}`],
    ['invalid UTF-8', `Basic ${Buffer.from([0x73, 0xff, 0x3a, 0x61]).toString('base64')}`],
    ['Bearer scheme', 'Bearer abc'],
    ['Digest scheme', 'Digest username="x"'],
    ['over-long secret', basic('shop', 'x'.repeat(2000))],
  ];
  for (const [what, header] of malformed) {
    it(`refuses Basic with ${what} (invalid_client, 401)`, () => {
      expectError(thrown(() => parseClientCredentials({ authorization: header }, {})), 'invalid_client', 401);
    });
  }

  it('refuses requests without any client identification', () => {
    expectError(thrown(() => parseClientCredentials({}, {})), 'invalid_client', 401);
    expectError(thrown(() => parseClientCredentials({}, { client_secret: ['x'] })), 'invalid_client', 401);
  });

  it('ignores inherited properties of the form', () => {
    const form = Object.create({ client_id: ['shop'] }) as Record<string, string[]>;
    expectError(thrown(() => parseClientCredentials({}, form)), 'invalid_client', 401);
  });
});

describe('client secret hashing', () => {
  it('hashes in the sha256$salt$hash format and verifies', async () => {
    const secret = generateClientSecret();
    expect(secret.length).toBeGreaterThanOrEqual(43);
    const hash = await hashClientSecret(secret);
    expect(hash).toMatch(/^sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyClientSecret(secret, hash)).toBe(true);
  });

  it('salts: equal secrets hash differently', async () => {
    const secret = generateClientSecret();
    expect(await hashClientSecret(secret)).not.toBe(await hashClientSecret(secret));
  });

  it('rejects a wrong secret', async () => {
    const secret = generateClientSecret();
    const hash = await hashClientSecret(secret);
    expect(await verifyClientSecret(`${secret}x`, hash)).toBe(false);
    expect(await verifyClientSecret(secret.slice(1), hash)).toBe(false);
    expect(await verifyClientSecret('', hash)).toBe(false);
  });

  it('rejects malformed hashes', async () => {
    const secret = generateClientSecret();
    const hash = await hashClientSecret(secret);
    const [, salt, digest] = hash.split('$');
    for (const bad of ['', 'plain', `sha1$${salt}$${digest}`, `sha256$${salt}`, `sha256$$${digest}`, `sha256$${salt}$${digest}$x`, `sha256$${salt}$AAAA`, `sha256$!!$${digest}`]) {
      expect(await verifyClientSecret(secret, bad)).toBe(false);
    }
  });

  it('refuses to hash low-entropy secrets', async () => {
    await expect(hashClientSecret('password')).rejects.toBeInstanceOf(RangeError);
  });
});

describe('authenticateClient', () => {
  const secret = 'Jx2n8QdP0cVb7yHq3LsT5wZk9mR1aGeU4fNoYiB6tCz';

  async function confidential(): Promise<OidcClient> {
    return { ...CONFIDENTIAL, secretHash: await hashClientSecret(secret) };
  }
  let CONFIDENTIAL_WITH_HASH: OidcClient;
  beforeAll(async () => {
    CONFIDENTIAL_WITH_HASH = await confidential();
  });

  it('accepts the right secret by Basic and by post', async () => {
    const client = await confidential();
    await expect(authenticateClient({ method: 'client_secret_basic', clientId: 'shop', clientSecret: secret }, client)).resolves.toBeUndefined();
    await expect(authenticateClient({ method: 'client_secret_post', clientId: 'shop', clientSecret: secret }, client)).resolves.toBeUndefined();
  });

  it('end to end: a Basic header with special characters authenticates', async () => {
    const special = 'a:b/c+d%e&f=g ' + 'x'.repeat(40);
    const client = { ...CONFIDENTIAL, clientId: 'id with:colon', secretHash: await hashClientSecret(special) };
    await expect(authenticateClient(parseClientCredentials({ authorization: basic('id with:colon', special) }, {}), client)).resolves.toBeUndefined();
  });

  it('refuses a wrong secret', async () => {
    const error = await rejection(() => authenticateClient({ method: 'client_secret_post', clientId: 'shop', clientSecret: `${secret}0` }, CONFIDENTIAL_WITH_HASH));
    expectError(error, 'invalid_client', 401);
  });

  it('refuses a confidential client authenticating with none', async () => {
    expectError(await rejection(async () => authenticateClient({ method: 'none', clientId: 'shop' }, await confidential())), 'invalid_client', 401);
  });

  it('refuses a confidential client without a stored hash', async () => {
    expectError(await rejection(() => authenticateClient({ method: 'client_secret_post', clientId: 'shop', clientSecret: secret }, CONFIDENTIAL)), 'invalid_client', 401);
  });

  it('refuses credentials for another client', async () => {
    expectError(await rejection(async () => authenticateClient({ method: 'client_secret_post', clientId: 'spa', clientSecret: secret }, await confidential())), 'invalid_client', 401);
  });

  it('accepts a public client with none and refuses a secret from it', async () => {
    await expect(authenticateClient({ method: 'none', clientId: 'spa' }, PUBLIC)).resolves.toBeUndefined();
    expectError(await rejection(() => authenticateClient({ method: 'client_secret_post', clientId: 'spa', clientSecret: secret }, PUBLIC)), 'invalid_client', 401);
    expectError(await rejection(() => authenticateClient({ method: 'client_secret_basic', clientId: 'spa', clientSecret: secret }, PUBLIC)), 'invalid_client', 401);
  });
});

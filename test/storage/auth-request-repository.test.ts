import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type NodeDatabase } from '../../src/entry/node/database.js';
import { IdbridgeError } from '../../src/errors.js';
import { parseCheckIdRequest } from '../../src/protocol/openid2/checkid.js';
import { AuthRequestRepository } from '../../src/storage/auth-request-repository.js';
import { authRequests } from '../../src/storage/schema.js';
import { rejection } from '../helpers/errors.js';
import { msg } from '../protocol/openid2/helpers.js';

const IDS = 'http://specs.openid.net/auth/2.0/identifier_select';
const checkId = parseCheckIdRequest(msg({ mode: 'checkid_setup', claimed_id: IDS, identity: IDS, return_to: 'https://rp.example/r' }));

let database: NodeDatabase | undefined;
afterEach(() => database?.close());

async function stored(protocol: 'openid2' | 'oidc', payload: string) {
  database = openDatabase(':memory:');
  const repo = new AuthRequestRepository(database.db, 't');
  const now = Date.now();
  await repo.create({ requestId: 'good', protocol: 'openid2', payload: checkId, browserHash: 'b', realm: 'https://rp.example/', requestedAttributes: [], immediate: false, createdAt: now, expiresAt: now + 60_000 });
  await database.db.insert(authRequests).values({
    tenant: 't',
    requestId: 'r',
    protocol,
    browserHash: 'b',
    state: 'created',
    realm: 'https://rp.example/',
    requestedAttributes: '',
    immediate: false,
    payload,
    createdAt: now,
    expiresAt: now + 60_000,
  });
  return repo;
}

describe('AuthRequestRepository payloads', () => {
  it('reads back what it stored, narrowed by protocol', async () => {
    const repo = await stored('openid2', JSON.stringify(checkId));
    const request = await repo.get('good');
    expect(request?.protocol).toBe('openid2');
    if (request?.protocol === 'openid2') expect(request.payload).toEqual(checkId);
  });

  // Regression: a payload that cannot answer its relying party used to be handed to the responder
  // as is (and fail there, as a 500); it now reads as an unknown request ("start again").
  for (const [name, protocol, payload] of [
    ['not JSON', 'openid2', '{'],
    ['an empty object', 'oidc', '{}'],
    ['a JSON array', 'openid2', '[]'],
    ["another protocol's request", 'oidc', JSON.stringify(checkId)],
    ['an OpenID 2.0 request without return_to', 'openid2', JSON.stringify({ ...checkId, returnTo: undefined })],
  ] as const) {
    it(`refuses a stored payload that is ${name}`, async () => {
      const repo = await stored(protocol, payload);
      const error = await rejection(() => repo.get('r'));
      expect(error).toBeInstanceOf(IdbridgeError);
      expect((error as IdbridgeError).code).toBe('unknown_request');
      expect(await repo.get('good')).not.toBeNull(); // other requests are unaffected
    });
  }
});

import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type NodeDatabase } from '../../src/entry/node/database.js';
import { parseAuthorizationRequest } from '../../src/protocol/oidc/authorize.js';
import { parseCheckIdRequest } from '../../src/protocol/openid2/checkid.js';
import { requestedFields } from '../../src/protocol/openid2/extensions.js';
import { SignInStarter } from '../../src/provider/start-sign-in.js';
import { AuthRequestRepository } from '../../src/storage/auth-request-repository.js';
import { TestClock } from '../helpers/clock.js';
import { CONFIDENTIAL } from '../protocol/oidc/helpers.js';
import { msg } from '../protocol/openid2/helpers.js';

const VERIFY = 'https://site.example/idbridge/verify';
const IDS = 'http://specs.openid.net/auth/2.0/identifier_select';

let database: NodeDatabase | undefined;
afterEach(() => database?.close());

function starter() {
  database = openDatabase(':memory:');
  const clock = new TestClock();
  const requests = new AuthRequestRepository(database.db, 't');
  return { clock, requests, signIns: new SignInStarter({ identity: { verifyUrl: VERIFY, requestTtlSeconds: 600 }, requests, clock }) };
}

const verifyParams = (location: string) => {
  const url = new URL(location);
  expect(`${url.origin}${url.pathname}`).toBe(VERIFY);
  return Object.fromEntries(url.searchParams);
};

describe('SignInStarter', () => {
  it('stores an OpenID 2.0 request, bound to the browser, and sends the browser to the Verify URL', async () => {
    const { clock, requests, signIns } = starter();
    const request = parseCheckIdRequest(
      msg({
        mode: 'checkid_immediate',
        claimed_id: IDS,
        identity: IDS,
        return_to: 'https://rp.example/return',
        realm: 'https://rp.example/',
        'ns.sreg': 'http://openid.net/extensions/sreg/1.1',
        'sreg.required': 'email',
        'sreg.optional': 'nickname',
      }),
    );
    const { requestId, answer } = await signIns.start({
      protocol: 'openid2',
      payload: request,
      browserHash: 'browser-1',
      realm: request.realm,
      requestedAttributes: requestedFields(request.attributes).all,
      immediate: request.immediate,
    });
    expect(answer.kind).toBe('redirect');
    expect(verifyParams(answer.kind === 'redirect' ? answer.location : '')).toEqual({
      request_id: requestId,
      realm: 'https://rp.example/',
      requested_attributes: 'sreg_nickname,sreg_email', // SREG order
      immediate: 'true',
    });
    const stored = await requests.get(requestId);
    expect(stored).toMatchObject({ protocol: 'openid2', browserHash: 'browser-1', state: 'created', immediate: true, requestedAttributes: ['nickname', 'email'] });
    expect(stored!.expiresAt - stored!.createdAt).toBe(600_000);
    expect(stored!.createdAt).toBeLessThanOrEqual(clock.now());
    // Narrowing on the protocol types the payload: no cast.
    if (stored?.protocol !== 'openid2') throw new Error('expected an OpenID 2.0 request');
    expect(stored.payload).toEqual(request);
  });

  it('stores an OIDC request and passes max_age, login_hint and the x_ attribute names to the bridge', async () => {
    const { requests, signIns } = starter();
    const request = await parseAuthorizationRequest(
      {
        client_id: [CONFIDENTIAL.clientId],
        redirect_uri: [CONFIDENTIAL.redirectUris[0]!],
        response_type: ['code'],
        scope: ['openid email phone'],
        state: ['s'],
        login_hint: ['alice@example.com'],
        max_age: ['300'],
      },
      async (id) => (id === CONFIDENTIAL.clientId ? CONFIDENTIAL : null),
      { supportedScopes: ['openid', 'email', 'phone'] },
    );
    const { requestId, answer } = await signIns.start({
      protocol: 'oidc',
      payload: request,
      browserHash: 'browser-2',
      realm: 'https://app.example/',
      requestedAttributes: ['email', 'email_verified', 'phone'],
      immediate: false,
      maxAge: request.maxAge,
      loginHint: request.loginHint,
    });
    expect(verifyParams(answer.kind === 'redirect' ? answer.location : '')).toEqual({
      request_id: requestId,
      realm: 'https://app.example/',
      requested_attributes: 'sreg_email,x_email_verified,x_phone',
      max_age: '300',
      login_hint: 'alice@example.com',
    });
    const stored = await requests.get(requestId);
    if (stored?.protocol !== 'oidc') throw new Error('expected an OIDC request');
    expect(stored.payload).toEqual(request);
  });

  it('gives every sign-in its own unguessable request id', async () => {
    const { signIns } = starter();
    const request = parseCheckIdRequest(msg({ mode: 'checkid_setup', claimed_id: IDS, identity: IDS, return_to: 'https://rp.example/r' }));
    const start = { protocol: 'openid2', payload: request, browserHash: 'b', realm: request.realm, requestedAttributes: [], immediate: false } as const;
    const [a, b] = await Promise.all([signIns.start(start), signIns.start(start)]);
    expect(a.requestId).not.toBe(b.requestId);
    expect(a.requestId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { associate } from '../../../src/protocol/openid2/association.js';
import {
  assertedIdentifiers,
  buildCancel,
  buildPositiveAssertion,
  buildRedirectUrl,
  buildSetupNeeded,
} from '../../../src/protocol/openid2/assertion.js';
import { checkAuthentication } from '../../../src/protocol/openid2/check-authentication.js';
import { parseCheckIdRequest } from '../../../src/protocol/openid2/checkid.js';
import { buildExtensionResponse } from '../../../src/protocol/openid2/extensions.js';
import { MemoryAssociationStore } from '../../../src/protocol/openid2/memory-store.js';
import { parseOpenIdMessage } from '../../../src/protocol/openid2/message.js';
import { parseNonce } from '../../../src/protocol/openid2/nonce.js';
import { NS, msg, rejection } from './helpers.js';

const IDS = 'http://specs.openid.net/auth/2.0/identifier_select';
const OP = 'https://op.example/openid';
const ME = 'https://op.example/id/u-123';
const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);

function checkid(extra: Record<string, string> = {}) {
  return parseCheckIdRequest(
    msg({
      mode: 'checkid_setup',
      claimed_id: IDS,
      identity: IDS,
      return_to: 'https://rp.example/back?state=a%20b&x=1',
      realm: 'https://rp.example/',
      'ns.sreg': 'http://openid.net/extensions/sreg/1.1',
      'sreg.required': 'email',
      ...extra,
    }),
  );
}

/** What a stateless RP posts back: the assertion with mode replaced (plus its own query params). */
function verificationRequest(params: Record<string, string>, extra: Record<string, string> = {}) {
  return parseOpenIdMessage({ ...params, 'openid.mode': 'check_authentication', state: 'a b', ...extra });
}

describe('positive assertions', () => {
  it('signs every required and extension field with a private association when the RP has none', async () => {
    const store = new MemoryAssociationStore();
    const request = checkid();
    const extensionFields = buildExtensionResponse(request.attributes, { email: 'u@example.com' });
    const params = await buildPositiveAssertion({ request, opEndpoint: OP, localIdentity: ME, extensionFields }, store, { now: NOW });

    expect(Object.keys(params)).toEqual([
      'openid.ns', 'openid.mode', 'openid.op_endpoint', 'openid.claimed_id', 'openid.identity', 'openid.return_to',
      'openid.response_nonce', 'openid.assoc_handle', 'openid.ns.sreg', 'openid.sreg.email', 'openid.signed', 'openid.sig',
    ]);
    expect(params).toMatchObject({
      'openid.ns': NS,
      'openid.mode': 'id_res',
      'openid.op_endpoint': OP,
      'openid.claimed_id': ME,
      'openid.identity': ME,
      'openid.return_to': 'https://rp.example/back?state=a%20b&x=1',
      'openid.sreg.email': 'u@example.com',
      'openid.signed': 'op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle,ns.sreg,sreg.email',
    });
    expect(parseNonce(params['openid.response_nonce']!)?.timestamp).toBe(NOW);

    const association = await store.find(params['openid.assoc_handle']!);
    expect(association).toMatchObject({ private: true, type: 'HMAC-SHA256', expiresAt: NOW + 300_000 });
    // Independent check of the signature with node:crypto.
    const message = params['openid.signed']!
      .split(',')
      .map((k) => `${k}:${params[`openid.${k}`]}\n`)
      .join('');
    const expected = createHmac('sha256', Buffer.from(association!.secret)).update(message, 'utf8').digest('base64');
    expect(params['openid.sig']).toBe(expected);
  });

  it('uses the RP association when its handle is live and shared', async () => {
    const store = new MemoryAssociationStore();
    const assoc = await associate(msg({ mode: 'associate', assoc_type: 'HMAC-SHA1', session_type: 'no-encryption' }), store, {
      secureTransport: true,
      now: NOW,
    });
    const handle = assoc['assoc_handle']!;
    const params = await buildPositiveAssertion(
      { request: checkid({ assoc_handle: handle }), opEndpoint: OP, localIdentity: ME },
      store,
      { now: NOW + 1000 },
    );
    expect(params['openid.assoc_handle']).toBe(handle);
    expect(params['openid.invalidate_handle']).toBeUndefined();
    expect(store.size).toBe(1);
    const message = params['openid.signed']!.split(',').map((k) => `${k}:${params[`openid.${k}`]}\n`).join('');
    expect(params['openid.sig']).toBe(
      createHmac('sha1', Buffer.from(assoc['mac_key']!, 'base64')).update(message, 'utf8').digest('base64'),
    );
    // A shared association cannot be checked directly (§11.4.2.1).
    expect((await checkAuthentication(verificationRequest(params), store, { now: NOW + 2000 }))['is_valid']).toBe('false');
  });

  it('signs privately and asks the RP to drop an unknown, expired or private handle', async () => {
    const store = new MemoryAssociationStore();
    const shared = await associate(msg({ mode: 'associate', assoc_type: 'HMAC-SHA256', session_type: 'no-encryption' }), store, {
      secureTransport: true,
      now: NOW,
      lifetimeSeconds: 60,
    });
    const first = await buildPositiveAssertion({ request: checkid(), opEndpoint: OP, localIdentity: ME }, store, { now: NOW });
    const privateHandle = first['openid.assoc_handle']!;
    for (const [handle, now] of [
      ['unknown-handle', NOW],
      [shared['assoc_handle']!, NOW + 61_000],
      [privateHandle, NOW],
    ] as const) {
      const params = await buildPositiveAssertion(
        { request: checkid({ assoc_handle: handle }), opEndpoint: OP, localIdentity: ME },
        store,
        { now },
      );
      expect(params['openid.invalidate_handle']).toBe(handle);
      expect(params['openid.assoc_handle']).not.toBe(handle);
      expect((await store.find(params['openid.assoc_handle']!))?.private).toBe(true);
    }
  });

  it('asserts only the identity the RP asked about', async () => {
    const store = new MemoryAssociationStore();
    const delegated = checkid({ claimed_id: 'https://alice.example/', identity: ME });
    expect(assertedIdentifiers(delegated, ME)).toEqual({ claimedId: 'https://alice.example/', identity: ME });
    const params = await buildPositiveAssertion({ request: delegated, opEndpoint: OP, localIdentity: ME }, store, { now: NOW });
    expect(params['openid.claimed_id']).toBe('https://alice.example/');
    expect(params['openid.identity']).toBe(ME);

    const other = checkid({ claimed_id: 'https://op.example/id/someone-else', identity: 'https://op.example/id/someone-else' });
    expect(assertedIdentifiers(other, ME)).toBeNull();
    const error = await rejection(() => buildPositiveAssertion({ request: other, opEndpoint: OP, localIdentity: ME }, store));
    expect((error as IdbridgeError).code).toBe('forbidden');
  });

  it('refuses extension fields that would overwrite core fields', async () => {
    const store = new MemoryAssociationStore();
    await expect(
      buildPositiveAssertion(
        { request: checkid(), opEndpoint: OP, localIdentity: ME, extensionFields: [['return_to', 'https://evil/']] },
        store,
      ),
    ).rejects.toThrow(/collides/);
  });
});

describe('check_authentication', () => {
  it('confirms a stateless assertion once, then never again', async () => {
    const store = new MemoryAssociationStore();
    const request = checkid();
    const extensionFields = buildExtensionResponse(request.attributes, { email: 'u@example.com' });
    const params = await buildPositiveAssertion({ request, opEndpoint: OP, localIdentity: ME, extensionFields }, store, { now: NOW });

    expect(await checkAuthentication(verificationRequest(params), store, { now: NOW + 1000 })).toEqual({ ns: NS, is_valid: 'true' });
    expect(await checkAuthentication(verificationRequest(params), store, { now: NOW + 2000 })).toEqual({ ns: NS, is_valid: 'false' });
    expect(store.size).toBe(0);
  });

  it('confirms at most once under concurrent requests', async () => {
    const store = new MemoryAssociationStore();
    const params = await buildPositiveAssertion({ request: checkid(), opEndpoint: OP, localIdentity: ME }, store, { now: NOW });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => checkAuthentication(verificationRequest(params), store, { now: NOW })),
    );
    expect(answers.filter((a) => a['is_valid'] === 'true')).toHaveLength(1);
  });

  it('rejects tampering without burning the genuine assertion', async () => {
    const store = new MemoryAssociationStore();
    const params = await buildPositiveAssertion(
      { request: checkid(), opEndpoint: OP, localIdentity: ME, extensionFields: [['ns.sreg', 'http://openid.net/extensions/sreg/1.1'], ['sreg.email', 'u@example.com']] },
      store,
      { now: NOW },
    );
    const tampered: Array<Record<string, string>> = [
      { 'openid.claimed_id': 'https://op.example/id/admin', 'openid.identity': 'https://op.example/id/admin' },
      { 'openid.sreg.email': 'admin@example.com' },
      { 'openid.return_to': 'https://evil.example/' },
      { 'openid.sig': 'AAAA' },
      { 'openid.sig': 'not base64' },
      { 'openid.signed': 'op_endpoint,return_to,response_nonce,assoc_handle' }, // drops claimed_id/identity
      { 'openid.signed': 'op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle,assoc_handle' },
      { 'openid.signed': '' },
    ];
    for (const extra of tampered) {
      const answer = await checkAuthentication(verificationRequest(params, extra), store, { now: NOW });
      expect(answer['is_valid'], JSON.stringify(extra)).toBe('false');
    }
    const { 'openid.sig': _sig, ...withoutSig } = params;
    expect((await checkAuthentication(verificationRequest(withoutSig), store, { now: NOW }))['is_valid']).toBe('false');
    expect((await checkAuthentication(verificationRequest(params), store, { now: NOW }))['is_valid']).toBe('true');
  });

  it('recomputes the signature with mode=id_res when mode is among the signed fields', async () => {
    const store = new MemoryAssociationStore();
    const params = await buildPositiveAssertion({ request: checkid(), opEndpoint: OP, localIdentity: ME }, store, { now: NOW });
    const association = (await store.find(params['openid.assoc_handle']!))!;
    const signed = `mode,${params['openid.signed']}`;
    const message = signed.split(',').map((k) => `${k}:${params[`openid.${k}`]}\n`).join('');
    const sig = createHmac('sha256', Buffer.from(association.secret)).update(message, 'utf8').digest('base64');
    const answer = await checkAuthentication(verificationRequest(params, { 'openid.signed': signed, 'openid.sig': sig }), store, { now: NOW });
    expect(answer['is_valid']).toBe('true');
  });

  it('refuses an expired private association', async () => {
    const store = new MemoryAssociationStore();
    const params = await buildPositiveAssertion({ request: checkid(), opEndpoint: OP, localIdentity: ME }, store, {
      now: NOW,
      privateLifetimeSeconds: 60,
    });
    expect((await checkAuthentication(verificationRequest(params), store, { now: NOW + 60_000 }))['is_valid']).toBe('false');
  });

  it('answers invalidate_handle when the RP asks about a handle that no longer exists', async () => {
    const store = new MemoryAssociationStore();
    const params = await buildPositiveAssertion(
      { request: checkid({ assoc_handle: 'gone-handle' }), opEndpoint: OP, localIdentity: ME },
      store,
      { now: NOW },
    );
    expect(params['openid.invalidate_handle']).toBe('gone-handle');
    expect(await checkAuthentication(verificationRequest(params), store, { now: NOW })).toEqual({
      ns: NS,
      is_valid: 'true',
      invalidate_handle: 'gone-handle',
    });
    // An unknown assoc_handle alone is simply not valid.
    expect(
      await checkAuthentication(verificationRequest(params, { 'openid.assoc_handle': 'nope', 'openid.invalidate_handle': 'nope2' }), store, { now: NOW }),
    ).toEqual({ ns: NS, is_valid: 'false', invalidate_handle: 'nope2' });
  });

  it('keeps quiet about a live shared handle', async () => {
    const store = new MemoryAssociationStore();
    const shared = await associate(msg({ mode: 'associate', assoc_type: 'HMAC-SHA256', session_type: 'no-encryption' }), store, {
      secureTransport: true,
      now: NOW,
    });
    const params = await buildPositiveAssertion({ request: checkid(), opEndpoint: OP, localIdentity: ME }, store, { now: NOW });
    const answer = await checkAuthentication(
      verificationRequest(params, { 'openid.invalidate_handle': shared['assoc_handle']! }),
      store,
      { now: NOW },
    );
    expect(answer).toEqual({ ns: NS, is_valid: 'true' });
  });

  it('refuses another mode', async () => {
    const error = await rejection(() => checkAuthentication(msg({ mode: 'id_res' }), new MemoryAssociationStore()));
    expect((error as IdbridgeError).code).toBe('invalid_request');
  });
});

describe('negative assertions and redirects', () => {
  it('builds setup_needed and cancel', () => {
    const rt = 'https://rp.example/cb?x=1';
    expect(buildSetupNeeded(rt)).toEqual({ 'openid.ns': NS, 'openid.mode': 'setup_needed', 'openid.return_to': rt });
    expect(buildCancel(rt)).toEqual({ 'openid.ns': NS, 'openid.mode': 'cancel', 'openid.return_to': rt });
    expect(buildCancel()).toEqual({ 'openid.ns': NS, 'openid.mode': 'cancel' });
  });

  it('appends parameters to return_to, keeping its query byte for byte and the fragment last', () => {
    const p = { 'openid.mode': 'cancel', 'openid.x': 'a b&c=d/é' };
    const tail = 'openid.mode=cancel&openid.x=a%20b%26c%3Dd%2F%C3%A9';
    expect(buildRedirectUrl('https://rp.example/cb', p)).toBe(`https://rp.example/cb?${tail}`);
    expect(buildRedirectUrl('https://rp.example/cb?state=a+b%2F&x', p)).toBe(`https://rp.example/cb?state=a+b%2F&x&${tail}`);
    expect(buildRedirectUrl('https://rp.example/cb?', p)).toBe(`https://rp.example/cb?${tail}`);
    expect(buildRedirectUrl('https://rp.example/cb?a=1&', p)).toBe(`https://rp.example/cb?a=1&${tail}`);
    expect(buildRedirectUrl('https://rp.example/cb?a=1#frag', p)).toBe(`https://rp.example/cb?a=1&${tail}#frag`);
    expect(buildRedirectUrl('https://rp.example/cb#f?g', p)).toBe(`https://rp.example/cb?${tail}#f?g`);
    const url = new URL(buildRedirectUrl('https://rp.example/cb?state=1', p));
    expect(url.searchParams.get('openid.x')).toBe('a b&c=d/é');
    expect(url.searchParams.get('state')).toBe('1');
  });
});

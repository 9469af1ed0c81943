import { createDiffieHellman, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../../src/errors.js';
import { associate, type AssociateOptions } from '../../../src/protocol/openid2/association.js';
import { DEFAULT_DH_GROUP, btwoc } from '../../../src/protocol/openid2/dh.js';
import { kvEncode } from '../../../src/protocol/openid2/kv.js';
import { MemoryAssociationStore } from '../../../src/protocol/openid2/memory-store.js';
import { directErrorFields } from '../../../src/protocol/openid2/message.js';
import { NS, msg, rejection } from './helpers.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const NOW = 1_700_000_000_000;
const http: AssociateOptions = { secureTransport: false, now: NOW };
const https: AssociateOptions = { secureTransport: true, now: NOW };

/** An RP's DH half, computed with node:crypto only. */
function consumer() {
  const dh = createDiffieHellman(Buffer.from(btwoc(DEFAULT_DH_GROUP.modulus)), Buffer.from([2]));
  dh.generateKeys();
  return {
    params: {
      dh_modulus: b64(btwoc(DEFAULT_DH_GROUP.modulus)),
      dh_gen: b64(btwoc(2n)),
      dh_consumer_public: b64(dh.getPublicKey()),
    },
    decrypt(sessionType: string, serverPublic: string, encMacKey: string): Buffer {
      let shared = dh.computeSecret(Buffer.from(serverPublic, 'base64'));
      // Node pads the secret to the modulus length; btwoc wants it minimal (plus a 0 for the sign).
      let i = 0;
      while (i < shared.length - 1 && shared[i] === 0) i++;
      shared = shared.subarray(i);
      if (shared[0]! & 0x80) shared = Buffer.concat([Buffer.from([0]), shared]);
      const mask = createHash(sessionType === 'DH-SHA1' ? 'sha1' : 'sha256').update(shared).digest();
      const enc = Buffer.from(encMacKey, 'base64');
      return Buffer.from(enc.map((byte, j) => byte ^ mask[j]!));
    },
  };
}

describe('associate', () => {
  for (const [sessionType, assocType, length] of [
    ['DH-SHA1', 'HMAC-SHA1', 20],
    ['DH-SHA256', 'HMAC-SHA256', 32],
  ] as const) {
    it(`${sessionType}: the RP decrypts the stored MAC key independently`, async () => {
      const store = new MemoryAssociationStore();
      const rp = consumer();
      const res = await associate(
        msg({ mode: 'associate', assoc_type: assocType, session_type: sessionType, ...rp.params }),
        store,
        http,
      );
      expect(Object.keys(res)).toEqual([
        'ns', 'assoc_handle', 'session_type', 'assoc_type', 'expires_in', 'dh_server_public', 'enc_mac_key',
      ]);
      expect(res['ns']).toBe(NS);
      expect(res['session_type']).toBe(sessionType);
      expect(res['assoc_type']).toBe(assocType);
      expect(res['expires_in']).toBe('86400');
      expect(res['assoc_handle']).toMatch(/^[\x21-\x7e]{32}$/);
      expect(() => kvEncode(res)).not.toThrow();

      const stored = await store.find(res['assoc_handle']!);
      expect(stored).not.toBeNull();
      expect(stored!.private).toBe(false);
      expect(stored!.type).toBe(assocType);
      expect(stored!.secret.length).toBe(length);
      expect(stored!.expiresAt).toBe(NOW + 86_400_000);
      const macKey = rp.decrypt(sessionType, res['dh_server_public']!, res['enc_mac_key']!);
      expect(macKey).toEqual(Buffer.from(stored!.secret));
    });
  }

  it('uses the default group when the RP sends only its public key', async () => {
    const store = new MemoryAssociationStore();
    const rp = consumer();
    const res = await associate(
      msg({ mode: 'associate', assoc_type: 'HMAC-SHA256', session_type: 'DH-SHA256', dh_consumer_public: rp.params.dh_consumer_public }),
      store,
      http,
    );
    const stored = await store.find(res['assoc_handle']!);
    expect(rp.decrypt('DH-SHA256', res['dh_server_public']!, res['enc_mac_key']!)).toEqual(Buffer.from(stored!.secret));
  });

  it('no-encryption sends the key in the clear over HTTPS only', async () => {
    const store = new MemoryAssociationStore();
    const res = await associate(msg({ mode: 'associate', assoc_type: 'HMAC-SHA1', session_type: 'no-encryption' }), store, {
      ...https,
      lifetimeSeconds: 3600,
    });
    expect(res['expires_in']).toBe('3600');
    const stored = await store.find(res['assoc_handle']!);
    expect(Buffer.from(res['mac_key']!, 'base64')).toEqual(Buffer.from(stored!.secret));
    expect(res['enc_mac_key']).toBeUndefined();

    const error = await rejection(() =>
      associate(msg({ mode: 'associate', assoc_type: 'HMAC-SHA256', session_type: 'no-encryption' }), store, http),
    );
    expect(error).toBeInstanceOf(IdbridgeError);
    expect((error as IdbridgeError).code).toBe('unsupported-type');
    expect(store.size).toBe(1);
  });

  it('answers unsupported-type naming HMAC-SHA256 / DH-SHA256 (§8.2.4)', async () => {
    const store = new MemoryAssociationStore();
    const rp = consumer();
    const cases: Array<Record<string, string>> = [
      { assoc_type: 'HMAC-MD5', session_type: 'DH-SHA256' },
      { assoc_type: 'HMAC-SHA256', session_type: 'DH-SHA512' },
      { assoc_type: 'HMAC-SHA256' },
      { session_type: 'DH-SHA256' },
      { assoc_type: 'HMAC-SHA256', session_type: 'DH-SHA1' },
      { assoc_type: 'HMAC-SHA1', session_type: 'DH-SHA256' },
    ];
    for (const fields of cases) {
      const error = await rejection(() => associate(msg({ mode: 'associate', ...fields, ...rp.params }), store, http));
      expect(error, JSON.stringify(fields)).toBeInstanceOf(IdbridgeError);
      const e = error as IdbridgeError;
      expect(e.code).toBe('unsupported-type');
      expect(e.status).toBe(400);
      expect(directErrorFields(e)).toEqual({
        ns: NS,
        error: e.description,
        error_code: 'unsupported-type',
        assoc_type: 'HMAC-SHA256',
        session_type: 'DH-SHA256',
      });
    }
    expect(store.size).toBe(0);
  });

  it('refuses malformed or unsafe Diffie-Hellman parameters', async () => {
    const store = new MemoryAssociationStore();
    const p = DEFAULT_DH_GROUP.modulus;
    const base = { mode: 'associate', assoc_type: 'HMAC-SHA256', session_type: 'DH-SHA256' };
    const cases: Array<Record<string, string>> = [
      {},
      { dh_consumer_public: 'not base64!' },
      { dh_consumer_public: 'AQ' },
      { dh_consumer_public: '' },
      { dh_consumer_public: b64(btwoc(0n)) },
      { dh_consumer_public: b64(btwoc(1n)) },
      { dh_consumer_public: b64(btwoc(p - 1n)) },
      { dh_consumer_public: b64(btwoc(p + 5n)) },
      { dh_consumer_public: b64(btwoc(5n)), dh_modulus: b64(btwoc(2n ** 511n - 1n)) },
      { dh_consumer_public: b64(btwoc(5n)), dh_modulus: b64(btwoc(2n ** 4096n - 1n)) },
      { dh_consumer_public: b64(btwoc(5n)), dh_modulus: b64(btwoc(p + 1n)) },
      { dh_consumer_public: b64(btwoc(5n)), dh_gen: b64(btwoc(1n)) },
    ];
    for (const extra of cases) {
      const error = await rejection(() => associate(msg({ ...base, ...extra }), store, http));
      expect((error as IdbridgeError).code, JSON.stringify(extra)).toBe('invalid_request');
    }
    expect(store.size).toBe(0);
  });

  it('refuses a mode other than associate and a lifetime out of bounds', async () => {
    const store = new MemoryAssociationStore();
    const error = await rejection(() => associate(msg({ mode: 'check_authentication' }), store, https));
    expect((error as IdbridgeError).code).toBe('invalid_request');
    const m = msg({ mode: 'associate', assoc_type: 'HMAC-SHA1', session_type: 'no-encryption' });
    await expect(associate(m, store, { ...https, lifetimeSeconds: 30 * 86400 })).rejects.toThrow(RangeError);
  });

  it('gives every association a fresh handle and key', async () => {
    const store = new MemoryAssociationStore();
    const m = msg({ mode: 'associate', assoc_type: 'HMAC-SHA256', session_type: 'no-encryption' });
    const a = await associate(m, store, https);
    const b = await associate(m, store, https);
    expect(a['assoc_handle']).not.toBe(b['assoc_handle']);
    expect(a['mac_key']).not.toBe(b['mac_key']);
  });
});

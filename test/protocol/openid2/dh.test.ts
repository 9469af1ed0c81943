import { createDiffieHellman, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DH_GROUP,
  bigintFromBytes,
  btwoc,
  dhServerExchange,
  modPow,
  randomPrivateKey,
  xorBytes,
} from '../../../src/protocol/openid2/dh.js';
import { randomBytes } from '../../../src/util/bytes.js';

const toBig = (buf: Uint8Array): bigint => bigintFromBytes(buf);
const hex = (n: bigint): string => Buffer.from(btwoc(n)).toString('hex');

/** The Appendix B modulus in decimal, as printed in the spec. */
const APPENDIX_B =
  '155172898181473697471232257763715539915724801966915404479707795314057629378541917580651227423698188993727816152646631438561595825688188889951272158842675419950341258706556549803580104870537681476726513255747040765857479291291572334510643245094715007229621094194349783925984760375594985848253359305585439638443';

describe('Diffie-Hellman primitives', () => {
  it('uses the Appendix B group', () => {
    expect(DEFAULT_DH_GROUP.modulus.toString()).toBe(APPENDIX_B);
    expect(DEFAULT_DH_GROUP.generator).toBe(2n);
  });

  it('btwoc is the shortest two\'s-complement big-endian form', () => {
    expect(hex(0n)).toBe('00');
    expect(hex(127n)).toBe('7f');
    expect(hex(128n)).toBe('0080');
    expect(hex(255n)).toBe('00ff');
    expect(hex(256n)).toBe('0100');
    expect(hex(0x7fffn)).toBe('7fff');
    expect(hex(0x8000n)).toBe('008000');
    expect(() => btwoc(-1n)).toThrow();
    expect(bigintFromBytes(btwoc(DEFAULT_DH_GROUP.modulus))).toBe(DEFAULT_DH_GROUP.modulus);
    expect(bigintFromBytes(new Uint8Array([0xff]))).toBe(255n); // tolerated as unsigned
  });

  it('modPow agrees with small cases and with Fermat', () => {
    expect(modPow(4n, 13n, 497n)).toBe(445n);
    expect(modPow(2n, 0n, 7n)).toBe(1n);
    expect(modPow(5n, 3n, 1n)).toBe(0n);
    const p = DEFAULT_DH_GROUP.modulus;
    expect(modPow(3n, p - 1n, p)).toBe(1n);
  });

  it('private keys are in [2, p-2]', () => {
    for (let i = 0; i < 50; i++) {
      const x = randomPrivateKey(23n);
      expect(x >= 2n && x <= 21n).toBe(true);
    }
  });

  it('agrees with node:crypto createDiffieHellman both ways', async () => {
    const p = DEFAULT_DH_GROUP.modulus;
    const node = createDiffieHellman(Buffer.from(btwoc(p)), Buffer.from([2]));
    node.generateKeys();
    const consumerPublic = toBig(node.getPublicKey());

    for (const [sessionType, hash, length] of [
      ['DH-SHA1', 'sha1', 20],
      ['DH-SHA256', 'sha256', 32],
    ] as const) {
      const macKey = randomBytes(length);
      let y = 0n;
      const result = await dhServerExchange({
        sessionType,
        group: DEFAULT_DH_GROUP,
        consumerPublic,
        macKey,
        privateKey: (m) => (y = randomPrivateKey(m)),
      });
      // Our public key is g^y; node derives the same secret from it as we did from its key.
      expect(result.serverPublic).toBe(modPow(2n, y, p));
      const nodeShared = toBig(node.computeSecret(Buffer.from(btwoc(result.serverPublic))));
      expect(nodeShared).toBe(modPow(consumerPublic, y, p));
      const mask = createHash(hash).update(btwoc(nodeShared)).digest();
      expect(Buffer.from(xorBytes(result.encMacKey, mask))).toEqual(Buffer.from(macKey));
    }
  });

  it('avoids shared secrets shorter than the modulus (zero-padding RPs hash those differently)', async () => {
    const p = DEFAULT_DH_GROUP.modulus;
    // With the RP's public key = g, the shared secret is g^y; y = 1000 makes it 2^1000, whose
    // minimal encoding is shorter than the modulus.
    const node = createDiffieHellman(Buffer.from(btwoc(p)), Buffer.from([2]));
    node.setPrivateKey(Buffer.from([1]));
    const offered: bigint[] = [];
    const result = await dhServerExchange({
      sessionType: 'DH-SHA256',
      group: DEFAULT_DH_GROUP,
      consumerPublic: 2n,
      macKey: randomBytes(32),
      privateKey: (m) => {
        const y = offered.length === 0 ? 1000n : randomPrivateKey(m);
        offered.push(y);
        return y;
      },
    });
    expect(offered.length).toBeGreaterThan(1);
    expect(result.serverPublic).toBe(modPow(2n, offered.at(-1)!, p));
    // Node's zero-padded secret now equals the minimal encoding (as node `openid` would hash it).
    const padded = node.computeSecret(Buffer.from(btwoc(result.serverPublic)));
    expect(toBig(padded)).toBe(result.serverPublic);
    expect(padded.length).toBe(128);
    expect(padded[0]).not.toBe(0);
  });
});

/**
 * ASP.NET Identity's PasswordHasher (Microsoft.AspNetCore.Identity), a bare base64 string:
 * - v2 (`IdentityV2`, also ASP.NET Identity 2 on .NET Framework): `0x00 | salt[16] | subkey[32]`,
 *   PBKDF2-HMAC-SHA1, 1 000 iterations;
 * - v3: `0x01 | prf (uint32 BE: 0 SHA-1, 1 SHA-256, 2 SHA-512) | iterations (uint32 BE) |
 *   salt length (uint32 BE) | salt | subkey`; .NET 7+ writes SHA-512 / 100 000, older SHA-256 /
 *   10 000. Salt and subkey are at least 128 bits, as ASP.NET requires.
 */
import { decodeBase64 } from './encoding.js';
import { malformed, type HashFormat } from './format.js';
import { checkIterations, verifyPbkdf2, type ParsedPbkdf2 } from './pbkdf2.js';
import type { Pbkdf2Digest } from './primitives.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** v2 is 49 bytes = 68 base64 characters beginning with `A` (a 0x00 byte). */
export const aspnetIdentityV2: HashFormat<ParsedPbkdf2> = {
  id: 'aspnet-identity-v2',
  weak: true, // PBKDF2-SHA1 at a fixed 1 000 iterations
  matches: (hash) => hash.length === 68 && hash.startsWith('A') && BASE64.test(hash),
  parse(hash) {
    const bytes = decodeBase64(hash, { padding: 'required' });
    if (!bytes || bytes.length !== 49 || bytes[0] !== 0) return malformed('expected 0x00, a 16-byte salt and a 32-byte subkey');
    return { digest: 'sha1', iterations: 1000, salt: bytes.subarray(1, 17), hash: bytes.subarray(17) };
  },
  verify: (password, parsed, primitives) => verifyPbkdf2(password, parsed, primitives),
  cost: (parsed) => ({ kind: 'pbkdf2', iterations: parsed.iterations }),
};

const PRF: Record<number, Pbkdf2Digest> = { 0: 'sha1', 1: 'sha256', 2: 'sha512' };

/** v3 begins with 0x01 0x00 0x00 0x00 (the PRF's high bytes): `AQAAAA` in base64. */
export const aspnetIdentityV3: HashFormat<ParsedPbkdf2> = {
  id: 'aspnet-identity-v3',
  weak: false,
  matches: (hash) => hash.startsWith('AQAAAA') && hash.length % 4 === 0 && BASE64.test(hash),
  parse(hash, settings) {
    const bytes = decodeBase64(hash, { padding: 'required' });
    if (!bytes || bytes.length < 13 || bytes[0] !== 1) return malformed('expected a version 3 header');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const digest = PRF[view.getUint32(1)];
    const iterations = view.getUint32(5);
    const saltLength = view.getUint32(9);
    if (!digest) return malformed('unknown PRF');
    const refusal = checkIterations(iterations, settings);
    if (refusal) return refusal;
    if (saltLength < 16 || 13 + saltLength + 16 > bytes.length) return malformed('salt or subkey shorter than 128 bits');
    return { digest, iterations, salt: bytes.subarray(13, 13 + saltLength), hash: bytes.subarray(13 + saltLength) };
  },
  verify: (password, parsed, primitives) => verifyPbkdf2(password, parsed, primitives),
  cost: (parsed) => ({ kind: 'pbkdf2', iterations: parsed.iterations }),
};


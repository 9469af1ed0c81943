/**
 * argon2id and argon2i in the PHC string format of the reference implementation (argon2-cffi,
 * libsodium, PHP's password_hash, @node-rs/argon2): `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`,
 * salt and hash in base64 without padding. Hashes from before version 1.3 have no `v=` (0x10).
 * Django stores the same string after `argon2` (see django.ts).
 */
import { timingSafeEqualBytes } from '../../util/bytes.js';
import { decodeBase64, parseDecimal } from './encoding.js';
import { malformed, overLimit, type FormatSettings, type HashFormat, type Refusal } from './format.js';
import type { Argon2Params } from './primitives.js';

export interface ParsedArgon2 {
  params: Argon2Params;
  salt: Uint8Array;
  hash: Uint8Array;
}

const PHC = /^\$(argon2id|argon2i)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export function parseArgon2(text: string, { limits }: FormatSettings): ParsedArgon2 | Refusal {
  const m = PHC.exec(text);
  if (!m) return malformed('not an argon2 PHC string');
  const version = m[2] === undefined ? 16 : Number(m[2]);
  if (version !== 16 && version !== 19) return malformed('argon2 version must be 16 or 19');
  const memoryKiB = parseDecimal(m[3]);
  const passes = parseDecimal(m[4]);
  const parallelism = parseDecimal(m[5], 3);
  if (!memoryKiB || !passes || !parallelism || parallelism > 255 || memoryKiB < 8 * parallelism) return malformed('argon2 parameters out of range');
  if (memoryKiB > limits.argon2MemoryKiB) return overLimit(`argon2 m=${memoryKiB} > ${limits.argon2MemoryKiB}`);
  if (passes > limits.argon2Passes) return overLimit(`argon2 t=${passes} > ${limits.argon2Passes}`);
  if (parallelism > limits.argon2Parallelism) return overLimit(`argon2 p=${parallelism} > ${limits.argon2Parallelism}`);
  const salt = decodeBase64(m[6]!, { padding: 'none' });
  const hash = decodeBase64(m[7]!, { padding: 'none' });
  if (!salt || salt.length < 8 || !hash || hash.length < 4 || hash.length > 1024) return malformed('argon2 salt or hash not valid base64 of a valid length');
  return { params: { variant: m[1] as Argon2Params['variant'], version, memoryKiB, passes, parallelism }, salt, hash };
}

export async function verifyArgon2(password: Uint8Array, parsed: ParsedArgon2, primitives: { argon2: (p: Uint8Array, s: Uint8Array, a: Argon2Params, l: number) => Promise<Uint8Array> }): Promise<boolean> {
  const key = await primitives.argon2(password, parsed.salt, parsed.params, parsed.hash.length);
  return timingSafeEqualBytes(key, parsed.hash);
}

function argon2Format(variant: Argon2Params['variant']): HashFormat<ParsedArgon2> {
  return {
    id: variant,
    weak: false,
    matches: (hash) => hash.startsWith(`$${variant}$`),
    parse: (hash, settings) => parseArgon2(hash, settings),
    verify: (password, parsed, primitives) => verifyArgon2(password, parsed, primitives),
  };
}

export const argon2id = argon2Format('argon2id');
export const argon2i = argon2Format('argon2i');

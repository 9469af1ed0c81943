import type { ScryptParams } from '../config.js';
import { fromBase64, randomBytes, timingSafeEqualBytes, toBase64, utf8 } from '../util/bytes.js';

/**
 * The scrypt primitive, supplied by the entry point: Node's native `crypto.scrypt` (runs on the
 * libuv thread pool, off the event loop) or a portable implementation on Workers.
 */
export type ScryptFunction = (
  password: Uint8Array,
  salt: Uint8Array,
  params: ScryptParams,
  keyLength: number,
) => Promise<Uint8Array>;

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Longer inputs are refused before hashing, so nobody can make us hash megabytes. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Memory-hard password hashing with scrypt, stored in PHC string format:
 * `$scrypt$ln=17,r=8,p=1$<salt b64>$<hash b64>`. The same format is verifiable on Node and Workers.
 *
 * Why scrypt: it is memory-hard (OWASP-listed with argon2id), native in Node, and has a portable
 * implementation for Workers, so one hash format serves both runtimes.
 */
export class PasswordHasher {
  #dummy: Promise<string> | undefined;

  constructor(
    private readonly scrypt: ScryptFunction,
    readonly params: ScryptParams,
  ) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await this.scrypt(normalize(password), salt, this.params, KEY_LENGTH);
    const { ln, r, p } = this.params;
    return `$scrypt$ln=${ln},r=${r},p=${p}$${unpad(toBase64(salt))}$${unpad(toBase64(key))}`;
  }

  /** Verify in constant time. Malformed stored hashes verify as false (and still cost a hash). */
  async verify(password: string, encoded: string): Promise<boolean> {
    const parsed = parsePhc(encoded);
    if (!parsed || password.length > MAX_PASSWORD_LENGTH) {
      await this.burn(password);
      return false;
    }
    const key = await this.scrypt(normalize(password), parsed.salt, parsed.params, parsed.hash.length);
    return timingSafeEqualBytes(key, parsed.hash);
  }

  /**
   * Spend the same time as a real verification without any user: called for unknown accounts so
   * that "no such user" and "wrong password" cannot be told apart by timing.
   */
  async burn(password: string): Promise<void> {
    this.#dummy ??= this.hash('idbridge-dummy-password');
    const dummy = parsePhc(await this.#dummy)!;
    await this.scrypt(normalize(password.slice(0, MAX_PASSWORD_LENGTH)), dummy.salt, dummy.params, KEY_LENGTH);
  }

  /** True when a stored hash was made with other parameters than the current ones. */
  needsRehash(encoded: string): boolean {
    const parsed = parsePhc(encoded);
    if (!parsed) return true;
    const { ln, r, p } = parsed.params;
    return ln !== this.params.ln || r !== this.params.r || p !== this.params.p;
  }
}

/** NFKC so that the same password typed on different keyboards/OSes hashes the same (NIST 800-63B). */
function normalize(password: string): Uint8Array {
  return utf8(password.normalize('NFKC'));
}

function unpad(b64: string): string {
  return b64.replace(/=+$/, '');
}

interface ParsedHash {
  params: ScryptParams;
  salt: Uint8Array;
  hash: Uint8Array;
}

export function parsePhc(encoded: string): ParsedHash | undefined {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(encoded);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 1 || params.ln > 22 || params.r < 1 || params.p < 1) return undefined;
  try {
    const pad = (s: string) => s + '='.repeat((4 - (s.length % 4)) % 4);
    return { params, salt: fromBase64(pad(m[4]!)), hash: fromBase64(pad(m[5]!)) };
  } catch {
    return undefined;
  }
}

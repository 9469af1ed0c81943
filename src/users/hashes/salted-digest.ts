/**
 * Salted (or unsalted) MD5 / SHA-1 / SHA-256 as an in-house application wrote them: one digest of
 * the salt and password joined by an operator-declared template (`{salt}{password}`,
 * `{password}{salt}`, `{password}` …), stored in hex or base64, the salt in its own column
 * (passed as `context.salt`). Nothing in such a hash says what it is, so these formats only exist
 * when the operator declares them (`directory.saltedHash`), and they are always weak: one fast
 * digest, billions of guesses per second.
 */
import { timingSafeEqualBytes, utf8 } from '../../util/bytes.js';
import { decodeBase64, decodeHex } from './encoding.js';
import { malformed, type HashFormat, type SaltedHashSetting } from './format.js';

interface ParsedSalted {
  setting: SaltedHashSetting;
  salt: Uint8Array;
  digest: Uint8Array;
}

const SIZE = { md5: 16, sha1: 20, sha256: 32 } as const;

/** The bytes the site digested: the template with `{salt}` and `{password}` replaced, on bytes. */
function message(template: string, salt: Uint8Array, password: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const piece of template.split(/(\{salt\}|\{password\})/)) {
    if (piece === '{salt}') parts.push(salt);
    else if (piece === '{password}') parts.push(password);
    else if (piece) parts.push(utf8(piece));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function decode(hash: string, setting: SaltedHashSetting): Uint8Array | undefined {
  const bytes = setting.encoding === 'hex' ? decodeHex(hash) : decodeBase64(hash, { padding: 'required' });
  return bytes && bytes.length === SIZE[setting.algorithm] ? bytes : undefined;
}

function saltedFormat(algorithm: SaltedHashSetting['algorithm']): HashFormat<ParsedSalted> {
  return {
    id: `salted-${algorithm}`,
    weak: true,
    matches: (hash, settings) => settings.saltedHash?.algorithm === algorithm && decode(hash, settings.saltedHash) !== undefined,
    parse(hash, settings, context) {
      const setting = settings.saltedHash!;
      const digest = decode(hash, setting);
      if (!digest) return malformed(`expected ${setting.encoding} of a ${algorithm} digest`);
      const needsSalt = setting.template.includes('{salt}');
      if (needsSalt && (context.salt === undefined || context.salt === '')) return malformed('the row has no salt');
      return { setting, salt: utf8(context.salt ?? ''), digest };
    },
    async verify(password, parsed, primitives) {
      const computed = primitives.digest(parsed.setting.algorithm, message(parsed.setting.template, parsed.salt, password));
      return timingSafeEqualBytes(computed, parsed.digest);
    },
  };
}

export const saltedMd5 = saltedFormat('md5');
export const saltedSha1 = saltedFormat('sha1');
export const saltedSha256 = saltedFormat('sha256');

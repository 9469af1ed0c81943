/**
 * bcrypt, and the formats that wrap it: plain `$2a$`/`$2b$`/`$2y$` (PHP/Laravel, Devise with an
 * optional pepper, Node, Go), WordPress 6.8+ `$wp$2y$…` and Django's `bcrypt$`/`bcrypt_sha256$`.
 *
 * bcrypt only reads the first 72 bytes of its input (the "72-byte rule"): two passwords that share
 * those bytes verify alike. That is the site's behaviour, so it is ours too; WordPress and Django
 * pre-hash the password to avoid it.
 *
 * `$2a$`, `$2b$` and `$2y$` name the same algorithm in correct implementations (they differ only in
 * which historical bug a library had); `$2x$` (crypt_blowfish's buggy mode) is not accepted.
 */
import { utf8 } from '../../util/bytes.js';
import { toBase64 } from '../../util/bytes.js';
import { malformed, overLimit, type FormatSettings, type HashCost, type HashFormat, type Refusal } from './format.js';
import { toHex } from './encoding.js';
import type { HashPrimitives } from './primitives.js';

export interface ParsedBcrypt {
  /** The wrapper prefix before the bcrypt string (`''`, `$wp`, `bcrypt$`, `bcrypt_sha256$`). */
  wrapper: string;
  /** `2a`, `2b` or `2y`, kept so a rehash is written in the variant the site wrote. */
  variant: string;
  cost: number;
  /** The bcrypt string as `$2b$…` for the primitive. */
  normalized: string;
}

const BCRYPT = /^\$(2[aby])\$(\d{2})\$([./A-Za-z0-9]{53})$/;

/** Parse the bcrypt part of a hash (after its wrapper). */
export function parseBcrypt(wrapper: string, text: string, settings: FormatSettings): ParsedBcrypt | Refusal {
  const m = BCRYPT.exec(text);
  if (!m) return malformed('not a bcrypt string');
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31) return malformed('bcrypt cost out of range');
  if (cost > settings.limits.bcryptCost) return overLimit(`bcrypt cost ${cost} > ${settings.limits.bcryptCost}`);
  return { wrapper, variant: m[1]!, cost, normalized: `$2b$${m[2]}$${m[3]}` };
}

interface BcryptFamilyOptions {
  id: string;
  /** The text before the `$2…$` part. */
  wrapper: string;
  /** What the site feeds to bcrypt instead of the password itself. */
  prehash(password: Uint8Array, primitives: HashPrimitives, settings: FormatSettings): Uint8Array;
}

function bcryptFamily({ id, wrapper, prehash }: BcryptFamilyOptions): HashFormat<ParsedBcrypt> {
  return {
    id,
    weak: false,
    matches: (hash) => hash.startsWith(wrapper + '$2'),
    parse: (hash, settings) => parseBcrypt(wrapper, hash.slice(wrapper.length), settings),
    verify: (password, parsed, primitives, settings) => primitives.bcryptVerify(prehash(password, primitives, settings), parsed.normalized),
    cost: (parsed): HashCost => ({ kind: 'bcrypt', cost: parsed.cost }),
    async rehash(password, parsed, primitives, target, settings) {
      const cost = target.kind === 'bcrypt' ? Math.max(target.cost, parsed.cost) : parsed.cost;
      const fresh = await primitives.bcryptHash(prehash(password, primitives, settings), cost);
      return wrapper + `$${parsed.variant}$` + fresh.slice(4);
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Plain bcrypt. With a pepper (Devise's `config.pepper`), Devise hashes `"#{password}#{pepper}"`,
 * so the pepper is appended to the password bytes.
 */
export const bcrypt = bcryptFamily({
  id: 'bcrypt',
  wrapper: '',
  prehash: (password, _primitives, settings) => (settings.pepper ? concat(password, utf8(settings.pepper)) : password),
});

/**
 * WordPress 6.8+: `'$wp' . password_hash(base64_encode(hash_hmac('sha384', $password, 'wp-sha384',
 * true)), PASSWORD_BCRYPT)`; wp_check_password() strips the `$wp` and calls password_verify on the
 * same pre-hash. The pre-hash (64 base64 characters) sidesteps the 72-byte rule.
 */
export const wordpressBcrypt = bcryptFamily({
  id: 'wordpress-bcrypt',
  wrapper: '$wp',
  prehash: (password, primitives) => utf8(toBase64(primitives.hmac('sha384', utf8('wp-sha384'), password))),
});

/** Django's BCryptPasswordHasher: `bcrypt$` + the bcrypt string of the raw password. */
export const djangoBcrypt = bcryptFamily({
  id: 'django-bcrypt',
  wrapper: 'bcrypt$',
  prehash: (password) => password,
});

/** Django's BCryptSHA256PasswordHasher: bcrypt over the hex SHA-256 of the password. */
export const djangoBcryptSha256 = bcryptFamily({
  id: 'django-bcrypt-sha256',
  wrapper: 'bcrypt_sha256$',
  prehash: (password, primitives) => utf8(toHex(primitives.digest('sha256', password))),
});

import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sealData, unsealData } from 'iron-session';
import type { Clock } from '../clock.js';
import { fromBase64Url, hmacSha256, timingSafeEqualBytes, toBase64Url, utf8, type Bytes } from '../util/bytes.js';
import { TtlCache } from '../util/ttl-cache.js';

/**
 * idbridge's cookies, in three forms chosen by what they hold:
 *
 * - **Sealed** (iron-session: AES-256-CBC + HMAC-SHA-256, with a TTL inside the seal) for content
 *   the browser must neither read nor forge (the logout target).
 * - **Signed** (`s1.<payload>.<expiry>.<MAC>`, the payload base64url JSON) for content that is
 *   opaque by construction, only HMACs and random nonces, so reading it tells nothing (the device
 *   cookie, see bridge/login-throttle.ts): MACed and expiring like a token cookie, without the
 *   seal's cost. Nothing readable may go in one: use a sealed cookie for that.
 * - **Token cookies** for a cookie whose whole content is one random identifier (the browser id,
 *   a session id): `t1.<field>.<token>.<expiry>.<MAC>`, the MAC (HMAC-SHA-256, under a key derived
 *   from the same cookie secret) over the cookie's name, the field, the token and the expiry. Such
 *   a value is a bearer secret the browser already holds: encrypting it hides nothing from anyone
 *   who could not simply replay the cookie. What the seal gave it stays — unforgeable (the MAC,
 *   compared in constant time under every rotation secret), expiring (the expiry is MACed, and a
 *   value claiming to outlive its TTL is refused), dropped by a secret rotation, bound to its
 *   cookie name. What goes is the cost: a seal is two PBKDF2 derivations plus AES through
 *   asynchronous WebCrypto (~0.4 ms of CPU), the MAC a few microseconds. {@link read} reads both
 *   forms, so cookies sealed by an earlier version stay valid and every caller reads alike.
 *
 * Flags, and why: HttpOnly (no script access), SameSite=Lax (sent on the top-level GET that brings
 * the user from the relying party, never on cross-site POSTs), Secure and the `__Host-` prefix
 * whenever the public URL is https (no plain-http leak, no subdomain overwrite), Path=/.
 */
const UNSEAL_CACHE_SIZE = 10_000;
const UNSEAL_CACHE_MS = 60_000;
/** Token cookies' field names and tokens (what {@link randomToken} makes: base64url). */
const TOKEN_FIELD = /^[a-z]{1,16}$/;
const TOKEN_VALUE = /^[A-Za-z0-9_-]{16,512}$/;
/** A signed cookie's payload: base64url JSON, within a cookie's size. */
const SIGNED_PAYLOAD = /^[A-Za-z0-9_-]{2,3800}$/;

export class SealedCookies {
  /**
   * Unsealed values by their exact sealed string. A browser sends the same cookie on every request,
   * and unsealing (two PBKDF2 derivations, AES, HMAC) was a large share of a sign-in's CPU. Only
   * strings that unsealed successfully are cached, each for at most a minute and never past the
   * seal's own TTL window, so a forged or expired cookie is never served from here.
   */
  readonly #unsealed: TtlCache<string, object>;

  readonly #passwords: readonly string[];
  /** Token-cookie MAC keys, one per password, same order (derived once: purpose-specific). */
  readonly #tokenKeys: Promise<Bytes[]>;
  /** Signed-cookie MAC keys, likewise (a separate purpose: no value verifies as the other form). */
  readonly #signedKeys: Promise<Bytes[]>;

  /**
   * @param passwords the current password first (seals); during a secret rotation also the
   *   previous one, which still unseals cookies issued before the restart.
   */
  constructor(
    passwords: string | readonly string[],
    private readonly secure: boolean,
    private readonly clock: Clock,
  ) {
    this.#unsealed = new TtlCache(clock, { ttlMs: UNSEAL_CACHE_MS, maxEntries: UNSEAL_CACHE_SIZE });
    this.#passwords = typeof passwords === 'string' ? [passwords] : passwords;
    this.#tokenKeys = Promise.all(this.#passwords.map((p) => hmacSha256(utf8(p), utf8('idbridge/token-cookie/v1'))));
    this.#signedKeys = Promise.all(this.#passwords.map((p) => hmacSha256(utf8(p), utf8('idbridge/signed-cookie/v1'))));
  }

  name(base: string): string {
    return this.secure ? `__Host-${base}` : base;
  }

  /** The cookie's content, in any form (token, signed or sealed); undefined when absent, forged, expired or malformed. */
  async read<T extends object>(c: Context, base: string, ttlSeconds: number): Promise<Partial<T> | undefined> {
    const raw = getCookie(c, this.name(base));
    if (!raw || raw.length > 4096) return undefined;
    if (raw.startsWith('t1.')) return (await this.#readToken(base, raw, ttlSeconds)) as Partial<T> | undefined;
    if (raw.startsWith('s1.')) return (await this.#readSigned(base, raw, ttlSeconds)) as Partial<T> | undefined;
    const hit = this.#unsealed.get(raw);
    if (hit) return hit as Partial<T>;
    let data: T | undefined;
    for (const password of this.#passwords) {
      // A seal made under another password unseals to {} (iron-session swallows the bad MAC).
      const candidate = await unsealData<T>(raw, { password, ttl: ttlSeconds });
      if (Object.keys(candidate).length > 0) {
        data = candidate;
        break;
      }
    }
    if (!data) return undefined;
    this.#unsealed.set(raw, data, Math.min(UNSEAL_CACHE_MS, ttlSeconds * 1000));
    return data as Partial<T>;
  }

  /** A sealed cookie (iron-session): for content the browser must not read. */
  async write(c: Context, base: string, data: object, ttlSeconds: number): Promise<void> {
    const sealed = await sealData(data, { password: this.#passwords[0]!, ttl: ttlSeconds });
    // What we just sealed need not be unsealed when the browser sends it back.
    this.#unsealed.set(sealed, data, Math.min(UNSEAL_CACHE_MS, ttlSeconds * 1000));
    this.#set(c, base, sealed, ttlSeconds);
  }

  /**
   * A token cookie: `{ [field]: token }` where the token is a random identifier (base64url, as
   * `randomToken` makes it). {@link read} returns the same object.
   */
  async writeToken(c: Context, base: string, field: string, token: string, ttlSeconds: number): Promise<void> {
    if (!TOKEN_FIELD.test(field) || !TOKEN_VALUE.test(token)) throw new TypeError('A token cookie holds one random base64url token under a lower-case field name.');
    const expiry = Math.floor(this.clock.now() / 1000) + ttlSeconds;
    const [key] = await this.#tokenKeys;
    const mac = toBase64Url(await cookieMac(key!, [this.name(base), field, token, String(expiry)]));
    this.#set(c, base, `t1.${field}.${token}.${expiry}.${mac}`, ttlSeconds);
  }

  /**
   * A signed cookie: `data` MACed, not encrypted, so the browser can read it. Only for content
   * that is opaque by construction (HMACs, random nonces); {@link read} returns the same object.
   */
  async writeSigned(c: Context, base: string, data: object, ttlSeconds: number): Promise<void> {
    const payload = toBase64Url(utf8(JSON.stringify(data)));
    if (!SIGNED_PAYLOAD.test(payload)) throw new TypeError('A signed cookie holds a small JSON object.');
    const expiry = Math.floor(this.clock.now() / 1000) + ttlSeconds;
    const [key] = await this.#signedKeys;
    const mac = toBase64Url(await cookieMac(key!, [this.name(base), 's1', payload, String(expiry)]));
    this.#set(c, base, `s1.${payload}.${expiry}.${mac}`, ttlSeconds);
  }

  clear(c: Context, base: string): void {
    deleteCookie(c, this.name(base), { path: '/', secure: this.secure });
  }

  async #readToken(base: string, raw: string, ttlSeconds: number): Promise<Record<string, string> | undefined> {
    const parts = raw.split('.');
    if (parts.length !== 5) return undefined;
    const [, field, token, expiryText, macText] = parts as [string, string, string, string, string];
    // Expired, or claiming to live longer than this cookie ever does: refused.
    if (!TOKEN_FIELD.test(field) || !TOKEN_VALUE.test(token) || !this.#liveExpiry(expiryText, ttlSeconds)) return undefined;
    const valid = await macMatches(await this.#tokenKeys, [this.name(base), field, token, String(Number(expiryText))], macText);
    return valid ? { [field]: token } : undefined;
  }

  async #readSigned(base: string, raw: string, ttlSeconds: number): Promise<object | undefined> {
    const parts = raw.split('.');
    if (parts.length !== 4) return undefined;
    const [, payload, expiryText, macText] = parts as [string, string, string, string];
    if (!SIGNED_PAYLOAD.test(payload) || !this.#liveExpiry(expiryText, ttlSeconds)) return undefined;
    if (!(await macMatches(await this.#signedKeys, [this.name(base), 's1', payload, String(Number(expiryText))], macText))) return undefined;
    // We wrote it (the MAC says so); still, only an object comes out.
    try {
      const data: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(payload)));
      return typeof data === 'object' && data !== null && !Array.isArray(data) ? data : undefined;
    } catch {
      return undefined;
    }
  }

  /** An expiry (seconds) still ahead, and not beyond what this cookie's TTL allows (plus a minute of clock skew). */
  #liveExpiry(expiryText: string, ttlSeconds: number): boolean {
    if (!/^\d{1,12}$/.test(expiryText)) return false;
    const expiry = Number(expiryText) * 1000;
    const now = this.clock.now();
    return expiry > now && expiry <= now + (ttlSeconds + 60) * 1000;
  }

  #set(c: Context, base: string, value: string, ttlSeconds: number): void {
    setCookie(c, this.name(base), value, {
      path: '/',
      httpOnly: true,
      secure: this.secure,
      sameSite: 'Lax',
      maxAge: ttlSeconds,
    });
  }
}

/** The MAC of a token or signed cookie: over length-prefixed parts, so no two part lists serialise alike. */
function cookieMac(key: Bytes, parts: readonly string[]): Promise<Bytes> {
  return hmacSha256(key, utf8(parts.map((p) => `${p.length}:${p}`).join('|')));
}

/**
 * Whether `macText` is the MAC of `parts` under one of `keys`. Every key is checked (no early
 * exit), so timing does not tell which one matched. Compared as text against the canonical
 * encoding: a MAC spelled differently (base64url's unused trailing bits) is refused rather than
 * decoded to the same bytes.
 */
async function macMatches(keys: readonly Bytes[], parts: readonly string[], macText: string): Promise<boolean> {
  const presented = utf8(macText);
  let valid = false;
  for (const key of keys) valid = timingSafeEqualBytes(presented, utf8(toBase64Url(await cookieMac(key, parts)))) || valid;
  return valid;
}

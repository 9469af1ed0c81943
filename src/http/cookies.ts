import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sealData, unsealData } from 'iron-session';
import type { Clock } from '../clock.js';
import { TtlCache } from '../util/ttl-cache.js';

/**
 * Sealed cookies (iron-session: AES-256-CBC + HMAC-SHA-256, with a TTL inside the seal), so their
 * content is neither readable nor forgeable by the browser.
 *
 * Flags, and why: HttpOnly (no script access), SameSite=Lax (sent on the top-level GET that brings
 * the user from the relying party, never on cross-site POSTs), Secure and the `__Host-` prefix
 * whenever the public URL is https (no plain-http leak, no subdomain overwrite), Path=/.
 */
const UNSEAL_CACHE_SIZE = 10_000;
const UNSEAL_CACHE_MS = 60_000;

export class SealedCookies {
  /**
   * Unsealed values by their exact sealed string. A browser sends the same cookie on every request,
   * and unsealing (two PBKDF2 derivations, AES, HMAC) was a large share of a sign-in's CPU. Only
   * strings that unsealed successfully are cached, each for at most a minute and never past the
   * seal's own TTL window, so a forged or expired cookie is never served from here.
   */
  readonly #unsealed: TtlCache<string, object>;

  readonly #passwords: readonly string[];

  /**
   * @param passwords the current password first (seals); during a secret rotation also the
   *   previous one, which still unseals cookies issued before the restart.
   */
  constructor(
    passwords: string | readonly string[],
    private readonly secure: boolean,
    clock: Clock,
  ) {
    this.#unsealed = new TtlCache(clock, { ttlMs: UNSEAL_CACHE_MS, maxEntries: UNSEAL_CACHE_SIZE });
    this.#passwords = typeof passwords === 'string' ? [passwords] : passwords;
  }

  name(base: string): string {
    return this.secure ? `__Host-${base}` : base;
  }

  async read<T extends object>(c: Context, base: string, ttlSeconds: number): Promise<Partial<T> | undefined> {
    const raw = getCookie(c, this.name(base));
    if (!raw || raw.length > 4096) return undefined;
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

  async write(c: Context, base: string, data: object, ttlSeconds: number): Promise<void> {
    const sealed = await sealData(data, { password: this.#passwords[0]!, ttl: ttlSeconds });
    // What we just sealed need not be unsealed when the browser sends it back.
    this.#unsealed.set(sealed, data, Math.min(UNSEAL_CACHE_MS, ttlSeconds * 1000));
    setCookie(c, this.name(base), sealed, {
      path: '/',
      httpOnly: true,
      secure: this.secure,
      sameSite: 'Lax',
      maxAge: ttlSeconds,
    });
  }

  clear(c: Context, base: string): void {
    deleteCookie(c, this.name(base), { path: '/', secure: this.secure });
  }
}

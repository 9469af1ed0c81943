import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sealData, unsealData } from 'iron-session';

/**
 * Sealed cookies (iron-session: AES-256-CBC + HMAC-SHA-256, with a TTL inside the seal), so their
 * content is neither readable nor forgeable by the browser.
 *
 * Flags, and why: HttpOnly (no script access), SameSite=Lax (sent on the top-level GET that brings
 * the user from the relying party, never on cross-site POSTs), Secure and the `__Host-` prefix
 * whenever the public URL is https (no plain-http leak, no subdomain overwrite), Path=/.
 */
export class SealedCookies {
  constructor(
    private readonly password: string,
    private readonly secure: boolean,
  ) {}

  name(base: string): string {
    return this.secure ? `__Host-${base}` : base;
  }

  async read<T extends object>(c: Context, base: string, ttlSeconds: number): Promise<Partial<T> | undefined> {
    const raw = getCookie(c, this.name(base));
    if (!raw || raw.length > 4096) return undefined;
    const data = await unsealData<T>(raw, { password: this.password, ttl: ttlSeconds });
    return Object.keys(data).length === 0 ? undefined : (data as Partial<T>);
  }

  async write(c: Context, base: string, data: object, ttlSeconds: number): Promise<void> {
    const sealed = await sealData(data, { password: this.password, ttl: ttlSeconds });
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

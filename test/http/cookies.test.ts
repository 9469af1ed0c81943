/**
 * SealedCookies: token cookies (one random id, MACed) keep what the seal gave them — unforgeable,
 * expiring, bound to their name, dropped by a rotation — and sealed cookies of earlier versions
 * still read.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { SealedCookies } from '../../src/http/cookies.js';
import { randomToken } from '../../src/util/bytes.js';
import { TestClock } from '../helpers/clock.js';

const TTL = 600;
const A = 'cookie-secret-a-0123456789abcdef0123456789';
const B = 'cookie-secret-b-0123456789abcdef0123456789';

function cookieApp(cookies: SealedCookies) {
  const app = new Hono();
  app.get('/token/:name', async (c) => {
    await cookies.writeToken(c, c.req.param('name'), 'sid', c.req.query('t')!, TTL);
    return c.text('ok');
  });
  app.get('/sealed', async (c) => {
    await cookies.write(c, 'idb_test', { sid: c.req.query('t')! }, TTL);
    return c.text('ok');
  });
  app.get('/read/:name', async (c) => c.json((await cookies.read<{ sid: string }>(c, c.req.param('name'), TTL)) ?? null));
  return app;
}

async function issue(app: Hono, path: string): Promise<string> {
  const header = (await app.request(path)).headers.get('set-cookie')!;
  return header.split(';')[0]!.split('=').slice(1).join('=');
}

async function read(app: Hono, name: string, value: string): Promise<unknown> {
  return (await app.request(`/read/${name}`, { headers: { cookie: `${name}=${value}` } })).json();
}

describe('token cookies', () => {
  const clock = new TestClock();
  const cookies = new SealedCookies(A, false, clock);
  const app = cookieApp(cookies);
  const token = randomToken(256);

  it('read back as the field and token written, with the TTL as Max-Age; the token is not sealed', async () => {
    const header = (await app.request(`/token/idb_test?t=${token}`)).headers.get('set-cookie')!;
    expect(header).toMatch(/Max-Age=600/);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Lax/);
    const value = header.split(';')[0]!.split('=')[1]!;
    expect(value.startsWith(`t1.sid.${token}.`)).toBe(true);
    expect(await read(app, 'idb_test', value)).toEqual({ sid: token });
  });

  it('refuse a changed token, field, expiry or MAC, and a malformed value', async () => {
    const value = await issue(app, `/token/idb_test?t=${token}`);
    const [v, field, t, expiry, mac] = value.split('.') as [string, string, string, string, string];
    const other = randomToken(256);
    // The first character carries six bits of the MAC; the last one also unused padding bits.
    const flip = (s: string) => (s.startsWith('A') ? 'B' : 'A') + s.slice(1);
    const lastBits = (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : s.endsWith('B') ? 'A' : s.endsWith('C') ? 'D' : 'C');
    for (const forged of [
      [v, field, other, expiry, mac],
      [v, 'bid', t, expiry, mac],
      [v, field, t, String(Number(expiry) + 60), mac],
      [v, field, t, expiry, flip(mac)],
      // Differs at most in the unused low bits of the last character: same bytes, other spelling.
      [v, field, t, expiry, lastBits(mac)],
      [v, field, t, expiry, ''],
      [v, field, t, expiry],
      ['t2', field, t, expiry, mac],
    ]) {
      expect(await read(app, 'idb_test', forged.join('.')), forged.join('.')).toBeNull();
    }
    expect(await read(app, 'idb_test', `${value}.x`)).toBeNull();
    expect(await read(app, 'idb_test', 't1.sid.short.1.AAAA')).toBeNull();
  });

  it('are bound to their cookie name: the same value under another name is refused', async () => {
    const value = await issue(app, `/token/idb_test?t=${token}`);
    expect(await read(app, 'idb_other', value)).toBeNull();
  });

  it('expire with their TTL, and refuse an expiry beyond the TTL (a value minted for longer)', async () => {
    const value = await issue(app, `/token/idb_test?t=${token}`);
    clock.advance(TTL * 1000 + 1000);
    expect(await read(app, 'idb_test', value)).toBeNull();
    clock.offset = 0;
    const longLived = cookieApp(new SealedCookies(A, false, clock));
    const app2 = new Hono();
    app2.get('/w', async (c) => {
      await new SealedCookies(A, false, clock).writeToken(c, 'idb_test', 'sid', token, TTL * 10);
      return c.text('ok');
    });
    expect(await read(longLived, 'idb_test', await issue(app2, '/w'))).toBeNull();
  });

  it('made under another secret are refused; during a rotation the previous secret still reads', async () => {
    const value = await issue(app, `/token/idb_test?t=${token}`);
    expect(await read(cookieApp(new SealedCookies(B, false, clock)), 'idb_test', value)).toBeNull();
    expect(await read(cookieApp(new SealedCookies([B, A], false, clock)), 'idb_test', value)).toEqual({ sid: token });
  });

  it('take only a random base64url token under a lower-case field', async () => {
    const bad = new Hono();
    bad.get('/', async (c) => {
      await cookies.writeToken(c, 'idb_test', 'sid', 'not a token; path=/', TTL);
      return c.text('ok');
    });
    bad.onError((error, c) => c.text(error.message, 500));
    const res = await bad.request('/');
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/one random base64url token/);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('sealed cookies (iron-session) written before still read, through the same read', async () => {
    const sealed = await issue(app, `/sealed?t=${token}`);
    expect(sealed.startsWith('Fe26.2*')).toBe(true);
    expect(await read(cookieApp(new SealedCookies(A, false, clock)), 'idb_test', sealed)).toEqual({ sid: token });
  });
});

describe('signed cookies', () => {
  const clock = new TestClock();
  const cookies = new SealedCookies(A, false, clock);
  const data = { d: [{ u: 'mac-of-user', n: randomToken(128), k: ['mac-of-identifier'] }] };
  const signedApp = (jar: SealedCookies, ttl = TTL) => {
    const app = new Hono();
    app.get('/write/:name', async (c) => {
      await jar.writeSigned(c, c.req.param('name'), data, ttl);
      return c.text('ok');
    });
    app.get('/read/:name', async (c) => c.json((await jar.read(c, c.req.param('name'), TTL)) ?? null));
    return app;
  };
  const app = signedApp(cookies);

  it('read back as the object written, MACed but readable (no seal), with the TTL as Max-Age', async () => {
    const header = (await app.request('/write/idb_device')).headers.get('set-cookie')!;
    expect(header).toMatch(/Max-Age=600/);
    expect(header).toMatch(/HttpOnly/);
    const value = header.split(';')[0]!.split('=')[1]!;
    const [form, payload] = value.split('.') as [string, string];
    expect(form).toBe('s1');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).toEqual(data);
    expect(await read(app, 'idb_device', value)).toEqual(data);
  });

  it('refuse a changed payload, expiry or MAC, a token cookie MAC reused, and malformed values', async () => {
    const value = await issue(app, '/write/idb_device');
    const [v, payload, expiry, mac] = value.split('.') as [string, string, string, string];
    const other = Buffer.from(JSON.stringify({ d: [{ u: 'someone-else', n: 'x', k: ['y'] }] })).toString('base64url');
    const flip = (s: string) => (s.startsWith('A') ? 'B' : 'A') + s.slice(1);
    for (const forged of [
      [v, other, expiry, mac],
      [v, payload, String(Number(expiry) + 60), mac],
      [v, payload, expiry, flip(mac)],
      [v, payload, expiry, ''],
      [v, payload, expiry],
      ['t1', payload, expiry, mac],
      [v, '!!', expiry, mac],
    ]) {
      expect(await read(app, 'idb_device', forged.join('.')), forged.join('.')).toBeNull();
    }
    // A token cookie's value under the same secret does not verify as a signed one (separate keys).
    const tokenValue = await issue(cookieApp(cookies), `/token/idb_device?t=${randomToken(256)}`);
    const [, , t, tokenExpiry, tokenMac] = tokenValue.split('.') as [string, string, string, string, string];
    expect(await read(app, 'idb_device', ['s1', t, tokenExpiry, tokenMac].join('.'))).toBeNull();
  });

  it('are bound to their name, expire with their TTL and refuse one minted for longer', async () => {
    const value = await issue(app, '/write/idb_device');
    expect(await read(app, 'idb_other', value)).toBeNull();
    clock.advance(TTL * 1000 + 1000);
    expect(await read(app, 'idb_device', value)).toBeNull();
    clock.offset = 0;
    expect(await read(app, 'idb_device', await issue(signedApp(cookies, TTL * 10), '/write/idb_device'))).toBeNull();
  });

  it('made under another secret are refused; during a rotation the previous secret still reads', async () => {
    const value = await issue(app, '/write/idb_device');
    expect(await read(signedApp(new SealedCookies(B, false, clock)), 'idb_device', value)).toBeNull();
    expect(await read(signedApp(new SealedCookies([B, A], false, clock)), 'idb_device', value)).toEqual(data);
  });

  it('refuse to write more than a cookie holds, setting no cookie', async () => {
    const big = new Hono();
    big.get('/', async (c) => {
      await cookies.writeSigned(c, 'idb_device', { d: 'x'.repeat(4000) }, TTL);
      return c.text('ok');
    });
    big.onError((error, c) => c.text(error.message, 500));
    const res = await big.request('/');
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/small JSON object/);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('hold only an object: a validly MACed array or scalar reads as nothing', async () => {
    for (const content of [[1, 2], 'text', null]) {
      const writer = new Hono();
      writer.get('/', async (c) => {
        await cookies.writeSigned(c, 'idb_device', content as unknown as object, TTL);
        return c.text('ok');
      });
      expect(await read(app, 'idb_device', await issue(writer, '/'))).toBeNull();
    }
  });
});

/**
 * Issue 9.3: one body-limit rule and one error. A body over {@link MAX_BODY_BYTES} is refused
 * with `payload_too_large` (413) on every route, declared or streamed, in the route's own format
 * (page, text, JSON, OpenID Key-Value form); a body at the limit is read.
 */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyLimit, MAX_BODY_BYTES } from '../../src/http/body-limit.js';
import { onError } from '../../src/http/error-handler.js';
import { kvDecode } from '../../src/protocol/openid2/kv.js';
import { page } from '../helpers/browser.js';
import { testApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';

const ADMIN_TOKEN = 'admin-token-admin-token-admin-token-0123456789';
const FORM = 'application/x-www-form-urlencoded';

/** A body of `size` bytes, either as one string or as a stream without a length. */
function body(size: number, streamed: boolean): BodyInit {
  const text = `a=${'b'.repeat(size - 2)}`;
  if (!streamed) return text;
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 8192));
      offset += 8192;
    },
  });
}

/** The error code of an error answer, whatever its format. */
async function errorCode(res: Response): Promise<string | undefined> {
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (type.includes('json')) return (JSON.parse(text) as { error?: string }).error;
  if (type.includes('html')) return page(text)('h1').text() === 'Too much data' ? 'payload_too_large' : page(text)('h1').text();
  if (text.startsWith('ns:')) return kvDecode(text)['error_code'];
  return /^([a-z_-]+):/.exec(text)?.[1];
}

describe('one body limit on every route', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({ config: testConfig({ IDBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN }) });
  });
  afterAll(() => t.close());

  const routes: Array<[path: string, format: RegExp, status: number, headers?: Record<string, string>]> = [
    ['/login', /text\/html/, 413],
    ['/verify/retry', /text\/html/, 413],
    ['/ows_auth', /text\/plain/, 413],
    ['/ows_consent', /text\/html/, 413],
    ['/ows_return', /text\/html/, 413],
    ['/account/apps/revoke', /text\/html/, 413],
    ['/authorize', /text\/html/, 413],
    ['/token', /application\/json/, 413],
    ['/revoke', /application\/json/, 413],
    ['/introspect', /application\/json/, 413],
    ['/userinfo', /application\/json/, 413],
    ['/logout', /text\/html/, 413],
    ['/logout/confirm', /text\/html/, 413],
    // OpenID 2.0 direct request: §5.1.2.2 answers every refusal with 400; error_code says why.
    ['/openid', /text\/plain/, 400],
    ['/admin/clients', /application\/json/, 413, { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }],
  ];
  for (const [path, format, status, headers] of routes) {
    for (const streamed of [false, true]) {
      it(`POST ${path}, ${streamed ? 'streamed without a length' : 'Content-Length declared'}: payload_too_large, ${status}, ${format.source}`, async () => {
        const size = MAX_BODY_BYTES + 1;
        const res = await t.app.request(path, {
          method: 'POST',
          headers: { 'content-type': FORM, origin: 'http://127.0.0.1:3000', ...(streamed ? {} : { 'content-length': String(size) }), ...headers },
          body: body(size, streamed),
          ...(streamed ? { duplex: 'half' } : {}),
        } as RequestInit);
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toMatch(format);
        expect(await errorCode(res)).toBe('payload_too_large');
      });
    }
  }
});

describe('bodyLimit middleware', () => {
  function app(max: number) {
    const a = new Hono();
    a.use('*', bodyLimit(max));
    a.post('/', async (c) => c.text(String((await c.req.text()).length)));
    a.post('/unread', (c) => c.text('not read'));
    a.onError(onError as never);
    return a;
  }

  it('reads a body of exactly the limit, declared or streamed; refuses one byte more', async () => {
    for (const streamed of [false, true]) {
      const init = (size: number) =>
        ({ method: 'POST', body: body(size, streamed), ...(streamed ? { duplex: 'half' } : { headers: { 'content-length': String(size) } }) }) as RequestInit;
      const ok = await app(1000).request('/', init(1000));
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('1000');
      expect((await app(1000).request('/', init(1001))).status).toBe(413);
    }
  });

  it('a declared length over the limit fails before a byte is read', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(10));
      },
    });
    const res = await app(1000).request('/', { method: 'POST', headers: { 'content-length': '5000' }, body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(1); // at most the stream's own initial pull, nothing consumed
  });

  it('a declared length within the limit is trusted (HTTP framing ends the body there), so GETs and normal forms pay nothing', async () => {
    // A Content-Length shorter than the bytes sent cannot reach a handler through Node's HTTP
    // parser or workerd: the extra bytes are the next request on the connection (and Node refuses
    // Content-Length with Transfer-Encoding). So no counting stream is built for such requests.
    const ok = await app(1000).request('/', { method: 'POST', headers: { 'content-length': '500' }, body: body(500, false) });
    expect(ok.status).toBe(200);
    const chunked = await app(1000).request('/', { method: 'POST', body: body(2000, true), duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('a route that does not read the body is not affected', async () => {
    const res = await app(10).request('/unread', { method: 'POST', body: body(100, false) });
    expect(res.status).toBe(200);
  });
});

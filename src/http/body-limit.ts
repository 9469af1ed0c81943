import type { MiddlewareHandler } from 'hono';
import { IdbridgeError } from '../errors.js';

/**
 * The one limit on request bodies (forms, the postback, JSON of the admin API, OpenID 2.0 direct
 * requests). No endpoint takes more: the largest legitimate body, an OpenID 2.0 message, is far
 * below it.
 */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * One body-limit rule for every route: a body over `maxBytes` is refused with one error,
 * `payload_too_large` (413), when a handler reads it.
 *
 * Why at read time and not up front: the error is rendered in the format of the route that reads
 * the body (its router has set `errorFormat` by then: a page, text, JSON or OpenID key-value
 * form). A declared `Content-Length` over the limit fails the first read without reading a byte;
 * an undeclared (chunked) body fails as soon as the bytes read pass the limit. The rest of such a
 * body stays unread; the runtime decides what happens to the connection (Node: `Connection: close`,
 * see `src/entry/node/unread-body.ts`).
 */
export function bodyLimit(maxBytes: number = MAX_BODY_BYTES): MiddlewareHandler {
  return async function bodyLimit(c, next) {
    // Cheap checks first, without touching `c.req.raw`: on Node that materialises a full Request
    // per request, which doubled the CPU of GET endpoints (/jwks) and taxed every sign-in step.
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const declared = c.req.header('content-length');
    // A declared length within the limit needs no counting: HTTP framing stops the body there.
    if (declared !== undefined && /^\d{1,9}$/.test(declared) && Number(declared) <= maxBytes) return next();
    const source = c.req.raw.body;
    if (!source) return next();
    const tooLarge = () => new IdbridgeError('payload_too_large', 'The request is too large.');
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let received = 0;
    const limited = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (declared !== undefined && !(Number(declared) <= maxBytes)) return controller.error(tooLarge());
        reader ??= source.getReader();
        const { done, value } = await reader.read();
        if (done) return controller.close();
        received += value.byteLength;
        // The source is not cancelled: that would abort the request and its connection before the
        // answer could be sent.
        if (received > maxBytes) return controller.error(tooLarge());
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader?.cancel(reason);
      },
    });
    c.req.raw = new Request(c.req.raw, { body: limited, duplex: 'half' } as RequestInit);
    await next();
  };
}

/**
 * The one params helper: every parser of attacker-chosen names (query, form body, JSON body) is
 * immune to prototype keys, and percent-encoding is decoded strictly.
 */
import { Hono, type Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { IdbridgeError } from '../../src/errors.js';
import { formParams, jsonBody, parseUrlEncoded, queryParams, single } from '../../src/http/params.js';
import { thrown } from '../helpers/errors.js';

const PROTO_KEYS = '__proto__=a&constructor=b&toString=c&hasOwnProperty=d&__proto__=e';

/** A tiny app that runs a parser and reports what it built (or the error's code and status). */
function parserApp(parse: (c: Context) => unknown) {
  const app = new Hono();
  app.all('/p', async (c) => {
    try {
      const out = (await parse(c)) as Record<string, unknown>;
      return c.json({
        proto: Object.getPrototypeOf(out) === null ? 'null' : 'object',
        keys: Object.keys(out),
        entries: Object.entries(out),
      });
    } catch (error) {
      if (error instanceof IdbridgeError) return c.json({ code: error.code, status: error.status, description: error.description }, 400);
      return c.json({ crashed: String(error) }, 500);
    }
  });
  return app;
}

const form = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

describe('formParams', () => {
  const app = parserApp((c) => formParams(c));

  it('keeps __proto__, constructor, toString as ordinary fields (no throw, no prototype)', async () => {
    const res = await app.request('/p', form(PROTO_KEYS));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      proto: 'null',
      keys: ['__proto__', 'constructor', 'toString', 'hasOwnProperty'],
      entries: [['__proto__', ['a', 'e']], ['constructor', ['b']], ['toString', ['c']], ['hasOwnProperty', ['d']]],
    });
    expect(({} as Record<string, unknown>)['a']).toBeUndefined();
  });

  it('refuses broken percent-encoding and bytes that are not UTF-8 (400), decodes + and valid escapes', async () => {
    for (const bad of ['a=%zz', 'a=%4', 'a%=1', 'a=%C3%28', 'a=%FF']) {
      const res = await app.request('/p', form(bad));
      expect(await res.json(), bad).toMatchObject({ code: 'invalid_request', status: 400, description: expect.stringMatching(/percent-encoded/) });
    }
    const res = await app.request('/p', form('a=x+y%20z%C3%A9&b&=v&&c=%3D%26'));
    expect((await res.json()).entries).toEqual([['a', ['x y zé']], ['b', ['']], ['', ['v']], ['c', ['=&']]]);
  });

  it('refuses other content types with 415', async () => {
    const res = await app.request('/p', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'a=1' });
    expect(await res.json()).toMatchObject({ code: 'invalid_request', status: 415 });
  });
});

describe('queryParams', () => {
  const app = parserApp((c) => queryParams(c));

  it('keeps prototype names as ordinary parameters', async () => {
    const res = await app.request(`/p?${PROTO_KEYS}`);
    expect(await res.json()).toMatchObject({ proto: 'null', keys: ['__proto__', 'constructor', 'toString', 'hasOwnProperty'] });
  });

  it('refuses broken percent-encoding like the form parser', async () => {
    const res = await app.request('/p?a=%zz');
    expect(await res.json()).toMatchObject({ code: 'invalid_request', status: 400 });
  });
});

describe('jsonBody', () => {
  const app = parserApp((c) => jsonBody(c));
  const json = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('gives every object a null prototype, so "__proto__" members stay data', async () => {
    const nested = new Hono();
    nested.post('/p', async (c) => {
      const body = await jsonBody(c);
      const inner = body['__proto__'] as Record<string, unknown>;
      return c.json({
        top: Object.getPrototypeOf(body) === null,
        inner: Object.getPrototypeOf(inner) === null,
        innerValue: inner['polluted'],
        list: Object.getPrototypeOf((body['list'] as Array<Record<string, unknown>>)[0]) === null,
        ownKeys: Object.keys(body),
      });
    });
    const res = await nested.request('/p', json('{"__proto__":{"polluted":true},"constructor":1,"list":[{"__proto__":{}}]}'));
    expect(await res.json()).toEqual({ top: true, inner: true, innerValue: true, list: true, ownKeys: ['__proto__', 'constructor', 'list'] });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses what is not a JSON object', async () => {
    for (const bad of ['[1]', '"x"', 'null', '{', '']) {
      expect(await (await app.request('/p', json(bad))).json(), bad).toMatchObject({ code: 'invalid_request', status: 400 });
    }
    const res = await app.request('/p', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(await res.json()).toMatchObject({ status: 415 });
  });
});

describe('parseUrlEncoded and single', () => {
  it('single reads own keys only', () => {
    const params = parseUrlEncoded('a=1');
    expect(single(params, 'a')).toBe('1');
    expect(single(params, 'toString')).toBeUndefined();
    expect(single({ a: ['1'] }, 'constructor')).toBeUndefined();
    expect(single(parseUrlEncoded('constructor=x'), 'constructor')).toBe('x');
    expect(thrown(() => single(parseUrlEncoded('__proto__=1&__proto__=2'), '__proto__'))).toMatchObject({ code: 'invalid_request' });
  });
});

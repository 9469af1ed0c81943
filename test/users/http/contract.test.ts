import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { answerSchema, OPERATIONS, toSiteUserRecord } from '../../../src/users/http/contract.js';

const openapi = parse(readFileSync(new URL('../../../docs/directory-http.openapi.yaml', import.meta.url), 'utf8')) as {
  openapi: string;
  paths: Record<string, { post?: unknown }>;
  components: { schemas: { User: { properties: Record<string, unknown> } } };
};

describe('the HTTP directory contract', () => {
  it('is described by the OpenAPI document: the same operations and user fields', () => {
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths).sort()).toEqual(Object.values(OPERATIONS).sort());
    for (const path of Object.values(OPERATIONS)) expect(openapi.paths[path]!.post).toBeDefined();
    expect(Object.keys(openapi.components.schemas.User.properties).sort()).toEqual(['attributes', 'blocked', 'email', 'emailVerified', 'id', 'username']);
  });

  it('fills defaults, keeps known attributes and drops unknown ones', () => {
    const parsed = answerSchema.parse(JSON.parse('{"user":{"id":"7","attributes":{"fullname":"A","shoe_size":"44","__proto__":"x"}}}'));
    expect(toSiteUserRecord(parsed.user!)).toEqual({ key: '7', email: null, username: null, blocked: false, emailVerified: false, attributes: { fullname: 'A' } });
  });

  it.each([
    ['no user key', '{}'],
    ['an empty id', '{"user":{"id":""}}'],
    ['a numeric id', '{"user":{"id":7}}'],
    ['blocked as a string', '{"user":{"id":"7","blocked":"false"}}'],
    ['a non-string attribute', '{"user":{"id":"7","attributes":{"fullname":1}}}'],
    ['a list', '[]'],
  ])('refuses an answer with %s', (_what, text) => {
    expect(answerSchema.safeParse(JSON.parse(text)).success).toBe(false);
  });
});

/**
 * The import's hand-checked fast path (`fastRowValues`) against the row schema it short-cuts:
 * over a table of valid, borderline and invalid values for every field, alone and in random
 * combinations, the fast path may only ever answer for a row the schema accepts, with exactly the
 * schema's output; and it must answer for the common rows (or it would not be a fast path).
 */
import { describe, expect, it } from 'vitest';
import { fastRowValues, mapRecord, rowSchema, csvRecordObject } from '../../src/import/row.js';

const long = (n: number, c = 'a') => c.repeat(n);
const HASH = '$2b$10$ud8BKHi0zjwQ5mCtGQtZMO95GIVVqkip1tYa15TesU5K/I7prTYzm';

/** Candidate values per schema key: valid ones first, then borderline and invalid ones. */
const VALUES: Record<string, unknown[]> = {
  email: ['a@example.org', 'Mixed.Case+tag@Example.ORG', "o'neil@ex-ample.co.uk", `${long(240)}@example.org`, `${long(250)}@example.org`, ' a@example.org', 'a@example', 'a..b@example.org', '.a@example.org', 'a@-example.org', 'a@example.o', 'ä@example.org', '', 7, null, true],
  username: ['alice', 'Alice.B_c-1', '  bob  ', long(64), long(65), '', ' ', 'a@b', 'a b', 'ünï', 12, false],
  nickname: ['Al', '  padded  ', long(64), long(65), ` ${long(64)} `, '', '   ', 5],
  fullname: ['User 1, Jr.', long(256), long(257), '\t x \n', '', 1],
  postcode: ['10115', long(32), long(33), ' ', 0],
  customerId: ['c-1', long(128), long(129), '  ', {}],
  externalId: ['ext-1', ` ${long(128)} `, long(129), '', []],
  gender: ['M', 'F', 'm', 'X', '', 1],
  country: ['DE', 'de', 'dE', 'DEU', 'D1', '', 49],
  language: ['de', 'deu', 'de-DE', 'zh-Hant-TW', 'd', 'de_DE', 'de-', 'german', ''],
  phone: ['+49 30 1234567', '(030) 123-45', '+4930123', '123', '+'.concat('1'.repeat(32)), '1'.repeat(33), '+49a', '', 4930],
  emailVerified: [true, false, 'true', 1, 0],
  blocked: [false, true, 'no', null],
  id: ['u_abc', 'A-z_09', long(128), long(129), 'u abc', '', 'ü', 3],
  password: ['12345678', long(1024), long(8), '1234567', '', 12345678],
  passwordHash: [HASH, 'x', long(1024), long(1025), '', 1],
  createTime: ['2020-01-02T03:04:05Z', '2020-01-02T03:04:05+02:00', '2020-01-02', 'yesterday'],
  dob: ['1990-02-28', '1990-02-30', '1990-2-3'],
  timezone: ['Europe/Berlin', 'Mars/Olympus'],
  attributes: [{ plan: 'pro' }, {}, { a_1: long(1024) }, { a: long(1025) }, { _x: 'y' }, { '1a': 'y' }, { plan: 3 }, Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v'])), Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])), JSON.parse('{"__proto__":"x"}'), ['a'], 'plan=pro', null],
};

const SCHEMA_ONLY = new Set(['createTime', 'dob', 'timezone']);

/** Both paths on one input: the fast one may answer only with the schema's own verdict. */
function agree(input: Record<string, unknown>): 'fast' | 'schema' {
  const fast = fastRowValues(input);
  const parsed = rowSchema.safeParse(input);
  if (fast === undefined) return 'schema';
  expect(parsed.success, `fast path accepted ${JSON.stringify(input)}, the schema rejects it: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`).toBe(true);
  expect(fast, JSON.stringify(input)).toStrictEqual(parsed.data);
  return 'fast';
}

/** A small seeded PRNG (mulberry32): the same combinations on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fastRowValues', () => {
  it('answers only with the schema’s output, for every value of every field', () => {
    for (const [key, values] of Object.entries(VALUES)) {
      for (const value of values) {
        agree({ email: 'a@example.org', [key]: value });
        if (key !== 'email') agree({ [key]: value }); // no email: the schema rejects, so must the fast path
      }
    }
  });

  it('answers only with the schema’s output for random combinations of fields', () => {
    const next = random(12);
    const keys = Object.keys(VALUES);
    let fast = 0;
    for (let i = 0; i < 2000; i++) {
      const input: Record<string, unknown> = {};
      for (const key of keys) {
        // The fields only the schema checks rarely, so that the fast path gets its share.
        if (next() < (SCHEMA_ONLY.has(key) ? 0.95 : 0.4)) continue;
        const values = VALUES[key]!;
        // Mostly valid values (the first few), so that many combinations are valid rows.
        const pick = next() < 0.7 ? Math.floor(next() * Math.min(2, values.length)) : Math.floor(next() * values.length);
        if (values[pick] !== null) input[key] = values[pick];
      }
      if (agree(input) === 'fast') fast++;
    }
    expect(fast).toBeGreaterThan(100);
  });

  it('takes the common CSV and JSONL rows', () => {
    const columns = ['email', 'username', 'password_hash', 'fullname', 'country', 'phone', 'external_id', 'email_verified', 'attributes.plan'];
    const record = csvRecordObject(columns, ['User1@Example.org', 'user1', HASH, 'User 1, Jr.', 'de', '+4930 100', 'ext-1', 'true', 'pro']) as Record<string, unknown>;
    const input = { email: record['email'], username: record['username'], passwordHash: record['password_hash'], fullname: record['fullname'], country: record['country'], phone: record['phone'], externalId: record['external_id'], emailVerified: record['email_verified'], attributes: record['attributes'] };
    expect(agree(input)).toBe('fast');
    expect(agree({ email: 'a@example.org', blocked: true, customerId: 'c', language: 'de-DE', gender: 'F', postcode: '1', nickname: 'n', id: 'u_1', password: 'secret-pw' })).toBe('fast');
  });
});

describe('mapRecord with the fast path', () => {
  const context = { identifyHash: (h: string) => ({ format: h.startsWith('$2b$') ? 'bcrypt' : null }), requireExternalId: false };

  it('maps a common row as the schema would', () => {
    const user = mapRecord({ email: 'A@Example.org', username: ' Bob ', password_hash: HASH, phone: '+49 (30) 1-2', country: 'se', email_verified: true, attributes: { plan: 'pro' } }, 3, context);
    expect(user).toStrictEqual({
      line: 3,
      id: null,
      email: 'a@example.org',
      username: 'bob',
      passwordHash: HASH,
      profile: { nickname: undefined, fullname: undefined, dob: undefined, gender: undefined, postcode: undefined, country: 'SE', language: undefined, timezone: undefined },
      phone: '+493012',
      customerId: null,
      externalId: null,
      attributes: { plan: 'pro' },
      emailVerified: true,
      blocked: false,
      createTime: null,
    });
  });

  it('reports a bad row with the schema’s messages, one per field, and unknown fields with them', () => {
    expect(mapRecord({ email: 'nope', country: 'Germany', colour: 'red' }, 9, context)).toStrictEqual([
      { line: 9, field: 'colour', reason: 'unknown field' },
      { line: 9, field: 'email', reason: expect.any(String) },
      { line: 9, field: 'country', reason: 'must be an ISO 3166-1 alpha-2 code' },
    ]);
    expect(mapRecord({ email: 'a@example.org', dob: '1990-02-30' }, 2, context)).toStrictEqual([{ line: 2, field: 'dob', reason: 'must be a date YYYY-MM-DD' }]);
    expect(mapRecord({ email: 'a@example.org', create_time: '2020-01-02T03:04:05Z' }, 2, context)).toMatchObject({ createTime: Date.parse('2020-01-02T03:04:05Z') });
  });
});

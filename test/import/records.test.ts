import { describe, expect, it } from 'vitest';
import { parseCsvRecord } from '../../src/import/csv.js';
import { RecordSplitter, MAX_RECORD_BYTES } from '../../src/import/records.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feed `text` in chunks of `size` bytes; return [text, line, end, lastLine] per record. */
function split(text: string | Uint8Array, quoted: boolean, size: number) {
  const bytes = typeof text === 'string' ? enc.encode(text) : text;
  const splitter = new RecordSplitter(quoted);
  const out: [string, number, number, number][] = [];
  for (let i = 0; i < bytes.length; i += size) for (const r of splitter.push(bytes.slice(i, i + size))) out.push([dec.decode(r.bytes), r.line, r.end, r.lastLine]);
  for (const r of splitter.finish()) out.push([dec.decode(r.bytes), r.line, r.end, r.lastLine]);
  return out;
}

describe('RecordSplitter', () => {
  const csv = 'email,fullname\r\na@x.org,"Ann\r\nSmith"\r\nb@x.org,"say ""hi""\n, twice"\nc@x.org,Émile\n';

  it('splits CSV records at line breaks outside quotes, whatever the chunk boundaries', () => {
    const expected = [
      ['email,fullname', 1, 16, 1],
      ['a@x.org,"Ann\r\nSmith"', 2, 38, 3],
      ['b@x.org,"say ""hi""\n, twice"', 4, 67, 5],
      ['c@x.org,Émile', 6, enc.encode(csv).length, 6],
    ];
    for (const size of [1, 2, 3, 7, 64, 100_000]) expect(split(csv, true, size)).toEqual(expected);
  });

  it('skips a UTF-8 byte order mark but counts its bytes in the offsets', () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('email\na@x.org\n')]);
    expect(split(withBom, true, 100)).toEqual([
      ['email', 1, 9, 1],
      ['a@x.org', 2, 17, 2],
    ]);
  });

  it('takes a last record without a line break, and refuses an unclosed quote at the end', () => {
    expect(split('a\nb', false, 1)).toEqual([
      ['a', 1, 2, 1],
      ['b', 2, 3, 2],
    ]);
    expect(() => split('email\n"a@x.org\n', true, 4)).toThrow(/line 2: a quoted field is not closed/);
  });

  it('resumes from an offset and line: the records are the same as in one pass', () => {
    const all = split(csv, true, 5);
    const resumeAt = all[1]!;
    const splitter = new RecordSplitter(true, resumeAt[2], resumeAt[3] + 1);
    const rest = [...splitter.push(enc.encode(csv).slice(resumeAt[2])), ...splitter.finish()].map((r) => [dec.decode(r.bytes), r.line, r.end, r.lastLine]);
    expect(rest).toEqual(all.slice(2));
  });

  it('JSONL: quotes do not join lines', () => {
    expect(split('{"a":"\\""}\n{"b":1}\n', false, 3).map((r) => r[0])).toEqual(['{"a":"\\""}', '{"b":1}']);
  });

  it('bounds a record: an unbalanced quote cannot pull the rest of the file into memory', () => {
    const splitter = new RecordSplitter(true);
    splitter.push(enc.encode('email\n"never closed\n'));
    const filler = enc.encode('x,y\n'.repeat(64 * 1024));
    expect(() => {
      for (let i = 0; i < (MAX_RECORD_BYTES / filler.length) * 2 + 2; i++) splitter.push(filler);
    }).toThrow(/line 2: a record longer than/);
  });
});

describe('parseCsvRecord', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c,', ['a', '', 'c', '']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['"multi\nline",x', ['multi\nline', 'x']],
    ['  "padded"  ,x', ['padded', 'x']],
    [' keep spaces ,x', [' keep spaces ', 'x']],
    ['""', ['']],
    ['x,""', ['x', '']],
  ])('%j', (text, fields) => {
    expect(parseCsvRecord(text)).toEqual({ ok: true, fields });
  });

  it.each([
    ['"open,x', /not closed/],
    ['"a"b,x', /after a closing quote \(column 1\)/],
    ['x,a"b', /quote inside an unquoted field \(column 2\)/],
  ])('rejects %j', (text, reason) => {
    const r = parseCsvRecord(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

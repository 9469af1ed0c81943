/**
 * Splitting an input byte stream into records without ever holding more than one chunk and one
 * record: lines for JSONL, RFC 4180 records for CSV (a line break inside a quoted field belongs to
 * the field). Works on bytes, not text: `"`, CR and LF never occur inside a multi-byte UTF-8
 * sequence, so scanning bytes is exact, and the byte offset after each record is what a checkpoint
 * needs to resume with a plain seek.
 */
import { IdbridgeError } from '../errors.js';

/** One record as it came from the file. */
export interface RawRecord {
  /** The record's bytes without its line break (CR LF or LF). */
  bytes: Uint8Array;
  /** The physical line (1-based) the record starts on. */
  line: number;
  /** The byte offset just after the record and its line break: where a resume would start. */
  end: number;
  /** The physical line the record ends on (a quoted CSV field may span lines). */
  lastLine: number;
}

/**
 * The longest record accepted. Bounded so that memory stays flat: a CSV file with an unbalanced
 * quote would otherwise read the rest of the file into one field.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Push chunks in, get complete records out. `quoted`: CSV (line breaks inside `"…"` do not end a
 * record). `offset`/`line`: where the stream starts (0/1, or a checkpoint's values on resume).
 */
export class RecordSplitter {
  #pending: Uint8Array = new Uint8Array(0);
  /** Absolute offset of `#pending[0]`. */
  #base: number;
  #line: number;

  constructor(
    private readonly quoted: boolean,
    offset = 0,
    line = 1,
  ) {
    this.#base = offset;
    this.#line = line;
  }

  /** Records completed by this chunk (the incomplete tail waits for the next one). */
  push(chunk: Uint8Array): RawRecord[] {
    let buf = chunk;
    if (this.#pending.length > 0) {
      buf = new Uint8Array(this.#pending.length + chunk.length);
      buf.set(this.#pending, 0);
      buf.set(chunk, this.#pending.length);
    }
    if (this.#base === 0 && buf.length >= 3 && buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2]) {
      // A UTF-8 byte order mark (Excel writes one) is not part of the first field name.
      buf = buf.subarray(3);
      this.#base = 3;
    }
    const out: RawRecord[] = [];
    let start = 0;
    for (;;) {
      const end = this.quoted ? this.#csvRecordEnd(buf, start) : buf.indexOf(LF, start);
      if (end === -1) break;
      const stop = end > start && buf[end - 1] === CR ? end - 1 : end;
      const line = this.#line;
      this.#line += this.quoted ? countLf(buf, start, end) + 1 : 1;
      out.push({ bytes: buf.subarray(start, stop), line, end: this.#base + end + 1, lastLine: this.#line - 1 });
      start = end + 1;
    }
    this.#pending = buf.subarray(start);
    this.#base += start;
    if (this.#pending.length > MAX_RECORD_BYTES) {
      throw new IdbridgeError(
        'invalid_request',
        `line ${this.#line}: a record longer than ${MAX_RECORD_BYTES} bytes${this.quoted ? ' (an unbalanced quote?)' : ''}`,
      );
    }
    // Keep the tail as its own copy: the chunk it points into can then be freed.
    if (start > 0 && this.#pending.length > 0) this.#pending = this.#pending.slice();
    return out;
  }

  /** The last record when the input does not end with a line break. */
  finish(): RawRecord[] {
    if (this.#pending.length === 0) return [];
    if (this.quoted && countQuotes(this.#pending, 0, this.#pending.length) % 2 === 1) {
      throw new IdbridgeError('invalid_request', `line ${this.#line}: a quoted field is not closed before the end of the file`);
    }
    const bytes = this.#pending;
    const stop = bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    const lastLine = this.#line + (this.quoted ? countLf(bytes, 0, bytes.length) : 0);
    const record = { bytes: bytes.subarray(0, stop), line: this.#line, end: this.#base + bytes.length, lastLine };
    this.#line = lastLine + 1;
    this.#pending = new Uint8Array(0);
    this.#base = record.end;
    return [record];
  }

  /** The index of the LF that ends the CSV record starting at `start`, or -1 (need more input). */
  #csvRecordEnd(buf: Uint8Array, start: number): number {
    let quotes = 0;
    let from = start;
    for (;;) {
      const lf = buf.indexOf(LF, from);
      if (lf === -1) return -1;
      quotes += countQuotes(buf, from, lf);
      // An even number of quotes so far: outside any quoted field ("" inside one counts twice).
      if (quotes % 2 === 0) return lf;
      from = lf + 1;
    }
  }
}

/** Occurrences of `byte` in `buf[from, to)`; the search never runs past `to`. */
function countByte(buf: Uint8Array, byte: number, from: number, to: number): number {
  const view = buf.subarray(from, to);
  let n = 0;
  for (let i = view.indexOf(byte); i !== -1; i = view.indexOf(byte, i + 1)) n++;
  return n;
}

function countQuotes(buf: Uint8Array, from: number, to: number): number {
  return countByte(buf, QUOTE, from, to);
}

function countLf(buf: Uint8Array, from: number, to: number): number {
  return countByte(buf, LF, from, to);
}

/**
 * RFC 4180 fields of one record (see `records.ts` for where records end): comma-separated,
 * fields optionally in double quotes, `""` for a quote inside a quoted field, line breaks allowed
 * inside quotes. Lenient only where it costs nothing: spaces around a quoted field are ignored.
 */

/** The fields, or the reason the record is not valid CSV. */
export type CsvFields = { ok: true; fields: string[] } | { ok: false; reason: string };

export function parseCsvRecord(text: string): CsvFields {
  // Most records have no quotes at all: one split.
  if (!text.includes('"')) return { ok: true, fields: text.split(',') };
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    let j = i;
    while (j < n && text[j] === ' ') j++;
    if (text[j] === '"') {
      i = j;
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) return { ok: false, reason: 'a quoted field is not closed' };
        value += text.slice(from, q);
        if (text[q + 1] === '"') {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      while (i < n && text[i] === ' ') i++;
      if (i < n && text[i] !== ',') return { ok: false, reason: `unexpected character after a closing quote (column ${fields.length + 1})` };
      fields.push(value);
    } else {
      const comma = text.indexOf(',', i);
      const raw = text.slice(i, comma === -1 ? n : comma);
      if (raw.includes('"')) return { ok: false, reason: `a quote inside an unquoted field (column ${fields.length + 1})` };
      fields.push(raw);
      i = comma === -1 ? n : comma;
    }
    if (i >= n) return { ok: true, fields };
    i++; // the comma
    if (i === n) {
      fields.push('');
      return { ok: true, fields };
    }
  }
}

/** One field for a CSV file we write (the error report). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

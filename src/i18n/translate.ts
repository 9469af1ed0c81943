import { de } from './de.js';
import { en, type MessageKey } from './en.js';

export type { MessageKey };

/** A key with plural forms (`bridge.locked.message.one` / `.other`) is asked for without its suffix. */
type PluralKey = MessageKey extends infer K ? (K extends `${infer Base}.other` ? Base : never) : never;

/** What a caller may ask for: a message key, or the base of a plural message (then pass `count`). */
export type MessageId = MessageKey | PluralKey;

/** Values filled into `{name}` placeholders. `count` also picks the plural form. */
export type MessageValues = Record<string, string | number>;

/**
 * A message to be shown, not yet translated: what domain code returns (a form problem, a refusal)
 * so that it stays free of any language; the handler translates it with the page's locale.
 */
export interface Message {
  id: MessageId;
  values?: MessageValues;
}

/**
 * Translate a message into one locale. Values are inserted as given: the caller escapes for its
 * output (JSX escapes on its own; mail HTML escapes the finished sentence).
 */
export type Translate = (id: MessageId, values?: MessageValues) => string;

/** A flat catalogue: key → message. */
export type Catalogue = Readonly<Record<string, string>>;

/** The languages idbridge ships. English is the reference and the fallback for every missing key. */
export const BUILTIN_CATALOGUES: Readonly<Record<string, Catalogue>> = { en, de };

/** `{name}` → the value; an unknown placeholder stays as written (a visible mistake, never a crash). */
function fill(message: string, values: MessageValues | undefined): string {
  if (!values) return message;
  return message.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}

/**
 * The translate function of one locale over a catalogue, falling back to English per key. Plural
 * forms follow the locale's CLDR rules (`Intl.PluralRules`, available on Workers too).
 */
export function translator(locale: string, catalogue: Catalogue): Translate {
  const plural = new Intl.PluralRules(locale);
  const lookup = (key: string): string | undefined => (Object.hasOwn(catalogue, key) ? catalogue[key] : (en as Catalogue)[key]);
  return (id, values) => {
    const count = values?.['count'];
    if (typeof count === 'number') {
      const form = lookup(`${id}.${plural.select(count)}`) ?? lookup(`${id}.other`);
      if (form !== undefined) return fill(form, values);
    }
    return fill(lookup(id) ?? id, values);
  };
}

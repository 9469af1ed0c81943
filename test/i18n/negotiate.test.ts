import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { de } from '../../src/i18n/de.js';
import { en } from '../../src/i18n/en.js';
import { Languages } from '../../src/i18n/languages.js';
import { acceptLanguageTags, negotiateLocale } from '../../src/i18n/negotiate.js';

const available = ['en', 'de', 'pt-BR'];
const pick = (uiLocales?: string, acceptLanguage?: string) => negotiateLocale({ uiLocales, acceptLanguage }, available, 'en');

describe('locale negotiation', () => {
  it('prefers ui_locales over Accept-Language, in its order', () => {
    expect(pick('de en', 'en')).toBe('de');
    expect(pick('fr de', 'en')).toBe('de');
  });
  it('follows Accept-Language q-values, ties in header order, q=0 excluded', () => {
    expect(pick(undefined, 'en;q=0.5, de;q=0.9')).toBe('de');
    expect(pick(undefined, 'de;q=0, en;q=0.1')).toBe('en');
    expect(pick(undefined, 'de, en')).toBe('de');
    expect(acceptLanguageTags('fr;q=0.8, de, *;q=0.1')).toEqual(['de', 'fr']);
  });
  it('matches by language subtag and regional variants, case-insensitively', () => {
    expect(pick('DE-at')).toBe('de');
    expect(pick(undefined, 'pt')).toBe('pt-BR');
  });
  it('falls back to the default for unknown languages and malformed input', () => {
    expect(pick('tlh', 'xx-YY')).toBe('en');
    expect(pick('<script>', 'de;q=abc, ;;;, en-')).toBe('en');
    expect(pick(undefined, 'x'.repeat(100_000))).toBe('en');
    expect(pick(undefined, `${'zz,'.repeat(5000)}de`)).toBe('en'); // bounded: the 5001st entry is never read
  });
});

describe('catalogues', () => {
  it('German has every English key and the same placeholders', () => {
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(de[key], key).toBeTypeOf('string');
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(de[key]), key).toEqual(names(en[key]));
    }
  });

  it('an operator file adds a language; missing keys fall back to English and are reported once', () => {
    const languages = new Languages({ defaultLocale: 'fr', files: [{ name: 'fr.json', content: JSON.stringify({ 'consent.allow': 'Autoriser', 'nope.key': 'x' }) }] });
    expect(languages.locales).toContain('fr');
    expect(languages.translator('fr')('consent.allow')).toBe('Autoriser');
    expect(languages.translator('fr')('consent.deny')).toBe('Deny');
    expect(languages.warnings).toEqual([expect.stringContaining('fr.json: unknown keys ignored: nope.key'), expect.stringMatching(/fr\.json: \d+ keys missing, shown in English/)]);
    expect(languages.negotiate({ acceptLanguage: 'fr-CA' })).toBe('fr');
  });

  it('bad language files and an unavailable default are configuration errors naming them', () => {
    const attempt = () =>
      new Languages({
        defaultLocale: 'es',
        files: [
          { name: 'it.json', content: '{ not json' },
          { name: 'nl.json', content: '{"consent.allow": 5}' },
          { name: 'français.json', content: '{}' },
        ],
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        expect.stringMatching(/^languages\.directory: it\.json: not valid JSON/),
        'languages.directory: nl.json: "consent.allow" must be a string',
        expect.stringMatching(/^languages\.directory: français\.json: the file name must be a language tag/),
        expect.stringMatching(/^languages\.default: "es": must be one of the available languages/),
      ]);
    }
  });

  it('plural forms follow the locale', () => {
    const t = new Languages({ defaultLocale: 'en' }).translator('de');
    expect(t('bridge.locked.message', { count: 1 })).toBe('Zu viele Versuche. Versuchen Sie es in 1 Minute erneut.');
    expect(t('bridge.locked.message', { count: 5 })).toBe('Zu viele Versuche. Versuchen Sie es in 5 Minuten erneut.');
  });
});

/**
 * The one locale negotiation: the relying party's OIDC `ui_locales` (space-separated BCP 47 tags in
 * order of preference) first, then the browser's `Accept-Language` (RFC 9110 §12.5.4, q-values),
 * then the configured default. Input is untrusted and bounded; malformed parts are skipped, never
 * an error (a bad header must not break a sign-in page).
 */
export interface LocaleRequest {
  uiLocales?: string | undefined;
  acceptLanguage?: string | undefined;
}

const MAX_HEADER = 1024;
const MAX_ENTRIES = 32;
const TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * Pick one of `available` (as written there) for `request`; `fallback` when nothing matches.
 * A tag matches an available locale exactly (case-insensitive), else by its language subtag
 * (`de-AT` → `de`), else a regional variant of what was asked (`pt` → `pt-BR`).
 */
export function negotiateLocale(request: LocaleRequest, available: readonly string[], fallback: string): string {
  for (const tag of uiLocaleTags(request.uiLocales)) {
    const match = matchTag(tag, available);
    if (match) return match;
  }
  for (const tag of acceptLanguageTags(request.acceptLanguage)) {
    const match = matchTag(tag, available);
    if (match) return match;
  }
  return fallback;
}

/** `ui_locales`: tags in preference order. */
export function uiLocaleTags(value: string | undefined): string[] {
  if (!value) return [];
  return value.slice(0, MAX_HEADER).split(/\s+/).filter((t) => TAG.test(t)).slice(0, MAX_ENTRIES);
}

/** `Accept-Language`: tags by descending q (ties keep header order); q=0 and `*` dropped. */
export function acceptLanguageTags(value: string | undefined): string[] {
  if (!value) return [];
  const entries: Array<{ tag: string; q: number; index: number }> = [];
  value
    .slice(0, MAX_HEADER)
    .split(',')
    .slice(0, MAX_ENTRIES)
    .forEach((part, index) => {
      const [rawTag, ...params] = part.split(';').map((s) => s.trim());
      if (!rawTag || !TAG.test(rawTag)) return;
      let q = 1;
      for (const param of params) {
        const m = /^q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)$/i.exec(param);
        if (m) q = Number(m[1]);
        else if (/^q\s*=/i.test(param)) q = -1; // a malformed weight: ignore the entry
      }
      if (q > 0) entries.push({ tag: rawTag, q, index });
    });
  return entries.sort((a, b) => b.q - a.q || a.index - b.index).map((e) => e.tag);
}

function matchTag(tag: string, available: readonly string[]): string | undefined {
  const lower = tag.toLowerCase();
  const exact = available.find((l) => l.toLowerCase() === lower);
  if (exact) return exact;
  const language = lower.split('-')[0]!;
  return available.find((l) => l.toLowerCase() === language) ?? available.find((l) => l.toLowerCase().split('-')[0] === language);
}

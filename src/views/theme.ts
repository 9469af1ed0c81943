import { THEME_COLOURS, type ThemeConfig } from '../config/document.js';
import { contrastRatio } from '../util/contrast.js';

export type ThemeColour = (typeof THEME_COLOURS)[number];

/**
 * The default palette. Contrast (WCAG 2.2 AA, checked by test/views/theme.test.ts): text 15.8:1
 * and muted 6.3:1 on white, white on brand 8.3:1, danger on its background 8.1:1; the focus ring
 * (5.0:1) and control borders (3.7:1) meet the 3:1 of non-text contrast.
 */
export const DEFAULT_COLOURS: Readonly<Record<ThemeColour, string>> = {
  brand: '#1f4e8c',
  brandDark: '#163a69',
  onBrand: '#ffffff',
  background: '#f4f6fa',
  surface: '#ffffff',
  text: '#1b2330',
  muted: '#566173',
  border: '#7a8599',
  focus: '#b45309',
  danger: '#8a1c1c',
  dangerBackground: '#fdecec',
};

/** Theme colour → the CSS custom property public/styles.css uses. */
const PROPERTY: Record<ThemeColour, string> = {
  brand: '--brand',
  brandDark: '--brand-dark',
  onBrand: '--on-brand',
  background: '--bg',
  surface: '--card',
  text: '--text',
  muted: '--muted',
  border: '--border',
  focus: '--focus',
  danger: '--danger',
  dangerBackground: '--danger-bg',
};

/** The theme as pages use it. */
export interface Theme {
  productName: string;
  logoUrl: string;
  logoAlt: string | undefined;
  faviconUrl: string;
  colours: Readonly<Record<ThemeColour, string>>;
  /** A stylesheet linked after ours (customCss as URL or path). */
  customCssUrl: string | undefined;
  /** The body of /theme.css: the colours as custom properties, then the operator's CSS file. */
  css: string;
  /** Origins the CSP must allow beyond 'self' (a logo or stylesheet on a CDN). */
  cspSources: { img: string[]; style: string[] };
}

/**
 * Resolve `theme:` into what pages need. `customCssText` is the operator's CSS file as the entry
 * point read it (theme.customCss.file). Colours are hex-validated by the config schema, so the
 * generated stylesheet contains nothing but colours.
 */
export function resolveTheme(config: ThemeConfig, siteName: string, customCssText?: string): Theme {
  const colours = { ...DEFAULT_COLOURS, ...config.colors };
  const custom = typeof config.customCss === 'string' ? config.customCss : undefined;
  const root = THEME_COLOURS.map((c) => `  ${PROPERTY[c]}: ${colours[c]};`).join('\n');
  return {
    productName: config.productName ?? siteName,
    logoUrl: config.logo ?? '/static/logo.svg',
    logoAlt: config.logoAlt,
    faviconUrl: config.favicon ?? config.logo ?? '/static/logo.svg',
    colours,
    customCssUrl: custom,
    css: `/* Generated from theme: in the configuration (docs/theme.md). */\n:root {\n${root}\n}\n${customCssText ? `\n/* theme.customCss.file */\n${customCssText}\n` : ''}`,
    cspSources: {
      img: [...new Set([config.logo, config.favicon].filter((v): v is string => !!v && !v.startsWith('/')).map((v) => new URL(v).origin))],
      style: custom && !custom.startsWith('/') ? [new URL(custom).origin] : [],
    },
  };
}

/** Contrast problems of a configured palette (reported at start; the operator's call to fix). */
export function themeContrastWarnings(colours: Readonly<Record<ThemeColour, string>>): string[] {
  const checks: Array<[ThemeColour, ThemeColour, number, string]> = [
    ['text', 'surface', 4.5, 'text on surface'],
    ['muted', 'surface', 4.5, 'muted text on surface'],
    ['muted', 'background', 4.5, 'muted text on background'],
    ['onBrand', 'brand', 4.5, 'button text on brand'],
    ['onBrand', 'brandDark', 4.5, 'button text on brandDark'],
    ['brand', 'surface', 4.5, 'links (brand) on surface'],
    ['danger', 'dangerBackground', 4.5, 'error text on dangerBackground'],
    ['focus', 'surface', 3, 'focus ring on surface'],
    ['border', 'surface', 3, 'control borders on surface'],
  ];
  return checks
    .map(([fg, bg, min, what]) => ({ ratio: contrastRatio(colours[fg], colours[bg]), min, what, fg, bg }))
    .filter((c) => c.ratio < c.min)
    .map((c) => `theme.colors: ${c.what} is ${c.ratio.toFixed(2)}:1 (${colours[c.fg]} on ${colours[c.bg]}); WCAG 2.2 AA needs ${c.min}:1`);
}

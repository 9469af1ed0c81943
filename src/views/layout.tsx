import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Ui } from './ui.js';

export interface LayoutProps {
  title: string;
  /** Locale, translations and theme (`c.get('ui')`). */
  ui?: Ui;
  /**
   * The name in the header when no `ui` is given (pages not yet moved to the catalogue, which are
   * English and show the default logo; the theme's colours and CSS still apply through /theme.css).
   */
  siteName?: string;
  children: Child;
  /** Seconds after which the page reloads itself (pages that wait for a background step). */
  refreshAfter?: number;
  refreshUrl?: string;
  /** Extra markup for <head> (already escaped). */
  head?: Child;
}

/**
 * The page frame: works without JavaScript, scales down to a 375 px phone, styled from /static and
 * the theme's /theme.css (colours as custom properties, then the operator's CSS).
 */
export function Layout(props: LayoutProps) {
  const { ui } = props;
  const productName = ui?.theme.productName ?? props.siteName ?? 'idbridge';
  const logoUrl = ui?.theme.logoUrl ?? '/static/logo.svg';
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={ui?.locale ?? 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        {props.refreshAfter !== undefined && props.refreshUrl ? (
          <meta http-equiv="refresh" content={`${props.refreshAfter}; url=${props.refreshUrl}`} />
        ) : null}
        <title>{`${props.title} · ${productName}`}</title>
        <link rel="stylesheet" href="/static/styles.css" />
        <link rel="stylesheet" href="/theme.css" />
        {ui?.theme.customCssUrl ? <link rel="stylesheet" href={ui.theme.customCssUrl} /> : null}
        <link rel="icon" href={ui?.theme.faviconUrl ?? '/static/logo.svg'} />
        {props.head}
      </head>
      <body>
        <header class="site-header">
          {/* The name is written next to the logo, so the image is decorative unless the operator names it. */}
          <img src={logoUrl} alt={ui?.theme.logoAlt ?? ''} height="32" class="logo" />
          <span class="site-name">{productName}</span>
        </header>
        <main class="card">{props.children}</main>
        <footer class="site-footer">{ui ? ui.t('layout.footer') : 'Secured by idbridge'}</footer>
      </body>
      </html>
    </>
  );
}

import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

export interface LayoutProps {
  title: string;
  siteName: string;
  children: Child;
  /** Seconds after which the page reloads itself (pages that wait for a background step). */
  refreshAfter?: number;
  refreshUrl?: string;
  /** Extra markup for <head> (already escaped). */
  head?: Child;
}

/** The page frame: works without JavaScript, scales down to a 375 px phone, styled from /static. */
export function Layout(props: LayoutProps) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        {props.refreshAfter !== undefined && props.refreshUrl ? (
          <meta http-equiv="refresh" content={`${props.refreshAfter}; url=${props.refreshUrl}`} />
        ) : null}
        <title>{`${props.title} · ${props.siteName}`}</title>
        <link rel="stylesheet" href="/static/styles.css" />
        <link rel="icon" href="/static/logo.svg" type="image/svg+xml" />
        {props.head}
      </head>
      <body>
        <header class="site-header">
          <img src="/static/logo.svg" alt="" width="32" height="32" />
          <span class="site-name">{props.siteName}</span>
        </header>
        <main class="card">{props.children}</main>
        <footer class="site-footer">Secured by idbridge</footer>
      </body>
      </html>
    </>
  );
}

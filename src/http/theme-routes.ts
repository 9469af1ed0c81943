import { Hono } from 'hono';
import type { Theme } from '../views/theme.js';
import type { AppEnv } from './context.js';

/**
 * `/theme.css`: the theme's colours as CSS custom properties, then the operator's CSS file. Served
 * from our own origin, so `style-src 'self'` covers it; CSS cannot run scripts, and the CSP keeps
 * foreign images and fonts out (a stylesheet cannot leak form values to another site).
 */
export function themeRoutes(theme: Theme) {
  const app = new Hono<AppEnv>();
  app.get('/theme.css', (c) => {
    c.header('content-type', 'text/css; charset=utf-8');
    c.header('cache-control', 'public, max-age=300');
    return c.body(theme.css);
  });
  return app;
}

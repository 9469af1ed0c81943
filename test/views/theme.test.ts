import { describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/document.js';
import { contrastRatio } from '../../src/util/contrast.js';
import { DEFAULT_COLOURS, resolveTheme, themeContrastWarnings } from '../../src/views/theme.js';
import { testApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';

const parse = (theme: unknown) => parseConfigDocument({ name: 'idbridge.config.yaml', data: { theme } }, {});

describe('theme', () => {
  it('the default palette meets WCAG 2.2 AA contrast', () => {
    expect(themeContrastWarnings(DEFAULT_COLOURS)).toEqual([]);
    expect(contrastRatio(DEFAULT_COLOURS.text, DEFAULT_COLOURS.surface)).toBeGreaterThanOrEqual(4.5);
  });

  it('reports low-contrast operator colours', () => {
    expect(themeContrastWarnings({ ...DEFAULT_COLOURS, brand: '#ffdd00' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^theme\.colors: button text on brand is 1\.\d+:1/)]),
    );
  });

  it('refuses bad theme settings, naming each', () => {
    const { problems } = parse({
      colors: { brand: 'red; } body { background: url(https://evil.example/x)', shiny: '#fff' },
      logo: 'javascript:alert(1)',
      favicon: 'http://cdn.example/f.ico',
      customCss: 'ftp://x/y.css',
      productName: '',
      extra: 1,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^theme\.colors\.brand: .*must be a hex colour/),
        expect.stringMatching(/^theme\.colors\.shiny: /),
        expect.stringMatching(/^theme\.logo: "javascript:alert\(1\)": must be an https URL or a path/),
        expect.stringMatching(/^theme\.favicon: .*must be an https URL/),
        expect.stringMatching(/^theme\.customCss: /),
        expect.stringMatching(/^theme\.productName: /),
        'theme.extra: unknown setting',
      ]),
    );
  });

  it('serves the colours in /theme.css and allows a CDN logo in the CSP, never scripts', async () => {
    const { document, problems } = parse({ productName: 'Acme', logo: 'https://cdn.acme.example/logo.svg', colors: { brand: '#123456' } });
    expect(problems).toEqual([]);
    const config = { ...testConfig(), theme: document.theme };
    const { app, close } = await testApp({ config });
    try {
      const css = await app.request('/theme.css');
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
      expect(await css.text()).toContain('--brand: #123456;');
      const page = await app.request('/openid', { headers: { 'accept-language': 'de' } });
      const html = await page.text();
      expect(html).toContain('<html lang="de">');
      expect(html).toContain('src="https://cdn.acme.example/logo.svg"');
      expect(html).toContain('<span class="site-name">Acme</span>');
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("img-src 'self' data: https://cdn.acme.example");
      expect(csp).not.toContain('script-src');
    } finally {
      close();
    }
  });

  it('resolves defaults from the site name', () => {
    const theme = resolveTheme(parse(undefined).document.theme, 'Example Site');
    expect(theme.productName).toBe('Example Site');
    expect(theme.cspSources).toEqual({ img: [], style: [] });
  });
});

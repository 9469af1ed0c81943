import * as cheerio from 'cheerio';

type Requester = (url: string, init: RequestInit) => Promise<Response>;

/**
 * A minimal browser for tests: keeps cookies per origin-less jar, never follows redirects on its
 * own (tests look at each hop), and parses HTML with cheerio.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  /** `base` is a server URL (real HTTP) or a function like `app.request`. */
  constructor(
    private readonly base: string,
    private readonly requester: Requester = (url, init) => fetch(url, init),
  ) {}

  static forApp(app: { request: (url: string, init?: RequestInit) => Response | Promise<Response> }, base = 'http://127.0.0.1:3000') {
    return new TestBrowser(base, async (url, init) => app.request(url, init));
  }

  private url(path: string): string {
    return path.startsWith('http') ? path : `${this.base}${path}`;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await this.requester(this.url(path), {
      method: 'GET',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.remember(response);
    return response;
  }

  async post(path: string, form: Record<string, string> | URLSearchParams, headers: Record<string, string> = {}): Promise<Response> {
    const body = form instanceof URLSearchParams ? form : new URLSearchParams(form);
    const response = await this.requester(this.url(path), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: body.toString(),
    });
    this.remember(response);
    return response;
  }

  /** Submit the first form on the page with its hidden fields plus `fields`. */
  async submit(html: string, fields: Record<string, string> = {}, selector = 'form'): Promise<Response> {
    const $ = cheerio.load(html);
    const form = $(selector).first();
    if (form.length === 0) throw new Error('no form on the page');
    const data = new URLSearchParams();
    form.find('input[type=hidden]').each((_, el) => {
      data.set($(el).attr('name')!, $(el).attr('value') ?? '');
    });
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    return this.post(form.attr('action')!, data);
  }
}

export function page(html: string) {
  return cheerio.load(html);
}

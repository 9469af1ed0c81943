import * as cheerio from 'cheerio';

type Requester = (url: string, init: RequestInit) => Promise<Response>;

export interface TestBrowserOptions {
  /**
   * Keep cookies per host name, as real browsers do (cookies ignore the port). Off by default: one
   * jar for everything. Turn it on when one browser talks to several servers (split mode), whose
   * cookies of the same name would otherwise overwrite each other. {@link TestBrowser.cookies} is
   * then the jar of the base URL's host.
   */
  cookiesPerHost?: boolean;
}

/**
 * A minimal browser for tests: keeps cookies (in one jar, or per host name with
 * `cookiesPerHost`), never follows redirects on its own (tests look at each hop), and parses HTML
 * with cheerio.
 */
export class TestBrowser {
  /** The cookie jar (with `cookiesPerHost`: the jar of the base URL's host). */
  readonly cookies = new Map<string, string>();
  private readonly otherJars = new Map<string, Map<string, string>>();

  /** `base` is a server URL (real HTTP) or a function like `app.request`. */
  constructor(
    private readonly base: string,
    private readonly requester: Requester = (url, init) => fetch(url, init),
    private readonly options: TestBrowserOptions = {},
  ) {}

  static forApp(app: { request: (url: string, init?: RequestInit) => Response | Promise<Response> }, base = 'http://127.0.0.1:3000') {
    return new TestBrowser(base, async (url, init) => app.request(url, init));
  }

  private url(path: string): string {
    return path.startsWith('http') ? path : `${this.base}${path}`;
  }

  /** The jar that holds the cookies for `url` (absolute, or a path under the base URL). */
  cookiesFor(url: string): Map<string, string> {
    if (!this.options.cookiesPerHost) return this.cookies;
    const host = new URL(this.url(url)).hostname;
    if (host === new URL(this.base).hostname) return this.cookies;
    let jar = this.otherJars.get(host);
    if (!jar) {
      jar = new Map();
      this.otherJars.set(host, jar);
    }
    return jar;
  }

  private cookieHeader(url: string): string {
    return [...this.cookiesFor(url)].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(url: string, response: Response): void {
    const jar = this.cookiesFor(url);
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = this.url(path);
    const response = await this.requester(url, {
      method: 'GET',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(url), ...headers },
    });
    this.remember(url, response);
    return response;
  }

  async post(path: string, form: Record<string, string> | URLSearchParams, headers: Record<string, string> = {}): Promise<Response> {
    const url = this.url(path);
    const body = form instanceof URLSearchParams ? form : new URLSearchParams(form);
    const response = await this.requester(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(url), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: body.toString(),
    });
    this.remember(url, response);
    return response;
  }

  /**
   * Submit the first form on the page with its hidden fields and ticked checkboxes (as a browser
   * would) plus `fields`; a `null` field is left out (an unticked checkbox). A relative `action`
   * is resolved against `pageUrl` when given (the URL the page came from), else against the base.
   */
  async submit(html: string, fields: Record<string, string | null> = {}, selector = 'form', pageUrl?: string): Promise<Response> {
    const $ = cheerio.load(html);
    const form = $(selector).first();
    if (form.length === 0) throw new Error('no form on the page');
    const data = new URLSearchParams();
    form.find('input[type=hidden], input[type=checkbox][checked]').each((_, el) => {
      data.set($(el).attr('name')!, $(el).attr('value') ?? 'on');
    });
    for (const [k, v] of Object.entries(fields)) {
      if (v === null) data.delete(k);
      else data.set(k, v);
    }
    const action = form.attr('action')!;
    return this.post(pageUrl === undefined ? action : new URL(action, this.url(pageUrl)).toString(), data);
  }
}

export function page(html: string) {
  return cheerio.load(html);
}

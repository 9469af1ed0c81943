import { ConfigError } from '../config.js';
import type { Languages } from '../i18n/languages.js';
import type { Translate } from '../i18n/translate.js';
import type { MailTemplateId, MailValues } from './mailer.js';

/** Every template id, in one list (validation of override file names, the test matrix). */
export const MAIL_TEMPLATE_IDS: readonly MailTemplateId[] = ['verify-email', 'reset-password', 'reset-password-no-password', 'set-password', 'link-account'];

/** The placeholders an override file may use: `{{link}}`. Values are HTML-escaped in .html files. */
export const MAIL_PLACEHOLDERS = ['link', 'expiry', 'expiresInMinutes', 'name', 'greeting', 'productName', 'providers', 'provider'] as const;
type Placeholder = (typeof MAIL_PLACEHOLDERS)[number];

/** What a template must contain: the link always (it is the mail's purpose), plus its own facts. */
const REQUIRED: Record<MailTemplateId, readonly Placeholder[]> = {
  'verify-email': ['link'],
  'reset-password': ['link'],
  'reset-password-no-password': ['link', 'providers'],
  'set-password': ['link'],
  'link-account': ['link', 'provider'],
};

/** The brand a mail carries (from `theme:`). */
export interface MailBrand {
  productName: string;
  /** Absolute logo URL for the HTML part, when the theme has one. */
  logoUrl?: string;
  /** Button colour (a validated hex colour) and its text colour. */
  brandColour: string;
  onBrandColour: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** An operator's template file as the entry point read it (`reset-password.de.html`). */
export interface TemplateFile {
  name: string;
  content: string;
}

interface Override {
  subject?: string;
  text?: string;
  html?: string;
}

const FILE_NAME = /^([a-z-]+)\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.(html|txt)$/;
const MAX_TEMPLATE_BYTES = 64 * 1024;
const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/** Escape a value for HTML text and attribute context. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/**
 * The mail templates: built-in ones made from the message catalogue (so every language the
 * deployment has, including operator-added ones, gets its mails), replaced per template and
 * language by the operator's files. Override files are validated once, at construction: an
 * unknown template or language, a text file without a `Subject:` line, an unknown placeholder
 * or a missing required one is a {@link ConfigError} naming the file.
 */
export class MailTemplates {
  private readonly overrides = new Map<string, Override>();

  constructor(
    private readonly languages: Languages,
    files: readonly TemplateFile[] = [],
  ) {
    const problems: string[] = [];
    for (const file of files) this.addOverride(file, problems);
    if (problems.length > 0) throw new ConfigError(problems);
  }

  private addOverride(file: TemplateFile, problems: string[]): void {
    const where = `mail.templates: ${file.name}`;
    const m = FILE_NAME.exec(file.name);
    if (!m) return void problems.push(`${where}: the file name must be <template>.<language>.html or .txt (e.g. reset-password.de.html)`);
    const [, template, tag, kind] = m as unknown as [string, string, string, 'html' | 'txt'];
    if (!MAIL_TEMPLATE_IDS.includes(template as MailTemplateId)) {
      return void problems.push(`${where}: unknown template "${template}" (known: ${MAIL_TEMPLATE_IDS.join(', ')})`);
    }
    const locale = this.languages.locales.find((l) => l.toLowerCase() === tag.toLowerCase());
    if (!locale) return void problems.push(`${where}: unknown language "${tag}" (available: ${this.languages.locales.join(', ')})`);
    if (file.content.length > MAX_TEMPLATE_BYTES) return void problems.push(`${where}: larger than ${MAX_TEMPLATE_BYTES / 1024} KB`);
    let body = file.content.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
    const override = this.overrides.get(`${template}.${locale}`) ?? {};
    if (kind === 'txt') {
      const subject = /^Subject:[ \t]*(.+)\n\n?/.exec(body);
      if (!subject) return void problems.push(`${where}: must start with a "Subject: …" line, then a blank line, then the text`);
      override.subject = subject[1]!.trim();
      body = body.slice(subject[0].length);
      checkPlaceholders(where, override.subject, [], problems);
    }
    checkPlaceholders(where, body, REQUIRED[template as MailTemplateId], problems);
    override[kind === 'txt' ? 'text' : 'html'] = body;
    this.overrides.set(`${template}.${locale}`, override);
  }

  /** Render `template` in `locale` (an available locale) with `values`. */
  render(template: MailTemplateId, locale: string, values: MailValues, brand: MailBrand): RenderedMail {
    const t = this.languages.translator(locale);
    const facts = placeholderValues(template, t, values, brand);
    const override = this.overrides.get(`${template}.${locale}`) ?? {};
    const builtIn = builtInMail(template, locale, t, facts, brand);
    return {
      // A subject is one header line: line breaks in a value must not start new headers.
      subject: (override.subject !== undefined ? substitute(override.subject, facts, (v) => v) : builtIn.subject).replace(/[\r\n]+/g, ' '),
      text: override.text !== undefined ? substitute(override.text, facts, (v) => v) : builtIn.text,
      html: override.html !== undefined ? substitute(override.html, facts, escapeHtml) : builtIn.html,
    };
  }
}

function checkPlaceholders(where: string, body: string, required: readonly Placeholder[], problems: string[]): void {
  const used = new Set([...body.matchAll(PLACEHOLDER)].map((m) => m[1]!));
  for (const name of used) {
    if (!(MAIL_PLACEHOLDERS as readonly string[]).includes(name)) problems.push(`${where}: unknown placeholder {{${name}}} (allowed: ${MAIL_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})`);
  }
  for (const name of required) if (!used.has(name)) problems.push(`${where}: missing the placeholder {{${name}}}`);
}

function substitute(template: string, values: Record<Placeholder, string>, escape: (v: string) => string): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? escape(values[name as Placeholder]) : whole));
}

/** The raw (unescaped) placeholder values of one mail. */
function placeholderValues(template: MailTemplateId, t: Translate, values: MailValues, brand: MailBrand): Record<Placeholder, string> {
  const minutes = values.expiresInMinutes;
  const expiry =
    template === 'reset-password-no-password'
      ? ''
      : minutes >= 120 && minutes % 60 === 0
        ? t('mail.expiry.hours', { count: minutes / 60 })
        : t('mail.expiry.minutes', { count: minutes });
  const name = values.name?.trim() ?? '';
  return {
    link: values.link,
    expiry,
    expiresInMinutes: String(minutes),
    name,
    greeting: name ? t('mail.greeting.named', { name }) : t('mail.greeting.anonymous'),
    productName: brand.productName,
    providers: (values.providers ?? []).join(', '),
    provider: values.provider ?? '',
  };
}

/** The built-in mail: greeting, one sentence, the one button (and the link spelled out), expiry. */
function builtInMail(template: MailTemplateId, locale: string, t: Translate, facts: Record<Placeholder, string>, brand: MailBrand): RenderedMail {
  const v = { productName: facts.productName, providers: facts.providers, provider: facts.provider };
  const subject = t(`mail.${template}.subject`, v);
  const intro = t(`mail.${template}.intro`, v);
  const action = t(`mail.${template}.action`, v);
  const closing = [facts.expiry, template === 'link-account' || template === 'reset-password' || template === 'verify-email' ? t('mail.ignore') : '']
    .filter(Boolean);
  const signature = t('mail.signature', v);
  const text = [facts.greeting, '', intro, '', `${action}:`, facts.link, '', ...closing.flatMap((line) => [line, '']), signature, ''].join('\n');
  const e = escapeHtml;
  const html = `<!DOCTYPE html>
<html lang="${e(locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f6fa;color:#1b2330;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #cfd6e2;border-radius:12px;padding:24px">
${brand.logoUrl ? `<p><img src="${e(brand.logoUrl)}" alt="${e(facts.productName)}" height="40"></p>\n` : ''}<p>${e(facts.greeting)}</p>
<p>${e(intro)}</p>
<p><a href="${e(facts.link)}" style="display:inline-block;padding:12px 20px;border-radius:8px;background:${brand.brandColour};color:${brand.onBrandColour};font-weight:600;text-decoration:none">${e(action)}</a></p>
<p style="color:#566173;font-size:14px">${e(t('mail.linkFallback'))}<br><a href="${e(facts.link)}" style="color:#1f4e8c;word-break:break-all">${e(facts.link)}</a></p>
${closing.map((line) => `<p style="color:#566173;font-size:14px">${e(line)}</p>`).join('\n')}
<p>${e(signature)}</p>
</div></body></html>
`;
  return { subject, text, html };
}

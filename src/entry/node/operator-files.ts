import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OperatorFiles } from '../../app.js';
import { ConfigError, type Config } from '../../config.js';
import type { SmtpMailerOptions } from './smtp-mailer.js';

/**
 * Read the files the configuration names (paths relative to the working directory): mail template
 * overrides, language files, the theme's CSS file. A missing or unreadable path is a ConfigError
 * naming the setting; the contents are validated by the app (createServices).
 */
export function readOperatorFiles(config: Config): OperatorFiles {
  const problems: string[] = [];
  const files: OperatorFiles = {};
  const dir = (setting: string, path: string | undefined, ext: RegExp) => {
    if (!path) return undefined;
    try {
      const full = resolve(path);
      return readdirSync(full)
        .filter((name) => ext.test(name) && statSync(join(full, name)).isFile())
        .sort()
        .map((name) => ({ name, content: readFileSync(join(full, name), 'utf8') }));
    } catch (error) {
      problems.push(`${setting}: ${JSON.stringify(path)}: cannot read the directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return undefined;
    }
  };
  // Every file in the template directory counts, so a misnamed one is reported rather than ignored.
  files.mailTemplates = dir('mail.templates', config.mail.templatesDir, /^[^.]/);
  files.languages = dir('languages.directory', config.languages.directory, /^[^.]/);
  const css = config.theme.customCss;
  if (css && typeof css === 'object') {
    try {
      files.customCss = readFileSync(resolve(css.file), 'utf8');
    } catch (error) {
      problems.push(`theme.customCss.file: ${JSON.stringify(css.file)}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return files;
}

/** The SMTP options from the configuration, when SMTP is the transport. */
export function smtpOptions(config: Config): SmtpMailerOptions | undefined {
  const { mail } = config;
  if (mail.transport !== 'smtp' || !mail.smtpUrl) return undefined;
  return { url: mail.smtpUrl, from: mail.from, allowPlain: mail.smtpAllowPlain, settings: mail.smtp };
}

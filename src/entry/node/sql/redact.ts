/**
 * Log-safe text from driver errors and connection URLs: a password never reaches the log, neither
 * inside a URL (`postgres://site:***@db/site`) nor as bare text in a driver message.
 */

/** The URL with its password (and query string, which may carry certificate paths) masked. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/)([^/@:]*):([^/@]*)@/i, '$1$2:***@');
}

/** `text` with URL credentials and each of `secrets` masked, on one line, at most 300 characters. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text.replace(/([a-z0-9+.-]+:\/\/)([^/@:\s]*):([^/@\s]*)@/gi, '$1$2:***@');
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***');
  return out.replace(/\s+/g, ' ').slice(0, 300);
}

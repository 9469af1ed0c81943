/**
 * Why an outgoing request (the postback, the HTTP directory) never got an HTTP answer, in words an
 * operator needs:
 * the name did not resolve, nothing listens there, TLS failed (certificate, protocol), the
 * attempt timed out, or the connection broke. Read from the error's `code` along its `cause`
 * chain (undici on Node: `TypeError('fetch failed')` with `cause.code`); the message is a fallback
 * for runtimes without codes (Workers). Only the class and a short code are logged, never messages
 * (they can quote URLs and headers).
 */
export type NetworkCause = 'dns' | 'refused' | 'tls' | 'timeout' | 'reset' | 'unreachable' | 'other';

export interface NetworkFailure {
  cause: NetworkCause;
  /** The system or library error code (e.g. `ECONNREFUSED`), when there is one. */
  code?: string;
}

const BY_CODE: Array<[RegExp, NetworkCause]> = [
  [/^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NODATA|EAI_NONAME|ENODATA|ESERVFAIL|ECONNREFUSED_DNS)$/, 'dns'],
  [/^ECONNREFUSED$/, 'refused'],
  [/^(ETIMEDOUT|ESOCKETTIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|ABORT_ERR|TIMEOUT_ERR)$/, 'timeout'],
  [/^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|HOSTNAME_MISMATCH$|EPROTO$)/, 'tls'],
  [/^(ECONNRESET|EPIPE|ECONNABORTED|UND_ERR_SOCKET|UND_ERR_CLOSED)$/, 'reset'],
  [/^(ENETUNREACH|EHOSTUNREACH|EHOSTDOWN|ENETDOWN|EADDRNOTAVAIL)$/, 'unreachable'],
];

const BY_MESSAGE: Array<[RegExp, NetworkCause]> = [
  [/dns|resolve|getaddrinfo|name not known/i, 'dns'],
  [/refused/i, 'refused'],
  [/tls|ssl|certificate/i, 'tls'],
  [/timed? ?out/i, 'timeout'],
  [/reset|closed|lost|hang ?up/i, 'reset'],
  [/unreachable/i, 'unreachable'],
];

/** Classify a fetch rejection (anything thrown; never throws itself). */
export function classifyNetworkError(error: unknown): NetworkFailure {
  const chain: Array<{ code?: unknown; message?: unknown; name?: unknown; errors?: unknown }> = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as { cause?: unknown; errors?: unknown };
    chain.push(e as (typeof chain)[number]);
    // Happy Eyeballs (several addresses) reports an AggregateError: its first error stands for all.
    current = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  for (const link of [...chain].reverse()) {
    const code = typeof link.code === 'string' ? link.code : undefined;
    if (!code) continue;
    const match = BY_CODE.find(([re]) => re.test(code));
    if (match) return { cause: match[1], code: safeCode(code) };
  }
  for (const link of [...chain].reverse()) {
    if (link.name === 'TimeoutError') return { cause: 'timeout' };
    const message = typeof link.message === 'string' ? link.message : '';
    const match = BY_MESSAGE.find(([re]) => re.test(message));
    if (match) return { cause: match[1] };
  }
  const code = chain.map((l) => l.code).find((c): c is string => typeof c === 'string');
  return code ? { cause: 'other', code: safeCode(code) } : { cause: 'other' };
}

function safeCode(code: string): string {
  return code.replace(/[^A-Za-z0-9_]/g, '').slice(0, 48);
}

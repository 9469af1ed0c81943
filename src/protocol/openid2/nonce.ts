/**
 * `openid.response_nonce` (OpenID 2.0 §10.1): a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ` followed by
 * printable characters that make it unique, at most 255 characters. RPs use the timestamp to bound
 * how long they remember nonces and the whole string to refuse replays.
 */
import { randomBytes, toBase64Url } from '../../util/bytes.js';

export const MAX_NONCE_LENGTH = 255;

const NONCE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z([\x21-\x7e]*)$/;

/**
 * A fresh nonce for `now` (epoch ms): second-precision UTC time plus 128 random bits, so two
 * assertions issued in the same second never share a nonce, even across processes.
 */
export function generateNonce(now: number): string {
  const timestamp = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return `${timestamp}${toBase64Url(randomBytes(16))}`;
}

export interface ParsedNonce {
  /** The timestamp, epoch ms. */
  readonly timestamp: number;
  /** The uniqueness suffix (may be empty in nonces made by others). */
  readonly suffix: string;
}

/** Parse a nonce; `null` when it is malformed (bad shape, impossible date, too long). */
export function parseNonce(nonce: string): ParsedNonce | null {
  if (nonce.length > MAX_NONCE_LENGTH) return null;
  const match = NONCE.exec(nonce);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  const timestamp = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(timestamp);
  // Date.UTC rolls 2024-02-30 over into March; a round trip catches impossible dates.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return null;
  }
  return { timestamp, suffix: match[7] ?? '' };
}

export interface NonceWindow {
  /** Oldest acceptable age, ms. */
  maxAgeMs: number;
  /** How far in the future a timestamp may be (clock skew), ms. */
  maxFutureMs: number;
}

/** Is the nonce well-formed and its timestamp within the window around `now`? */
export function isNonceFresh(nonce: string, now: number, window: NonceWindow): boolean {
  const parsed = parseNonce(nonce);
  if (parsed === null) return false;
  const age = now - parsed.timestamp;
  return age <= window.maxAgeMs && -age <= window.maxFutureMs;
}

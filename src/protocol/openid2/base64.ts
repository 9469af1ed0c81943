/**
 * Strict base64 decoding for values received on the wire.
 *
 * `atob` is forgiving (it skips ASCII whitespace and tolerates missing padding); for MACs and
 * Diffie-Hellman numbers we want exactly one accepted spelling per value.
 */
import { fromBase64 } from '../../util/bytes.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decode standard padded base64, or return `null` when the text is not exactly that. */
export function parseBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text)) return null;
  return fromBase64(text);
}

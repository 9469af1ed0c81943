/**
 * Drupal 7 `$S$`: phpass's construction with SHA-512 (includes/password.inc), the output cut to
 * 55 characters (12 of setting, 43 of checksum). Drupal 7 also stores `U$S$…` for passwords
 * migrated from Drupal 6, which are the same over the hex MD5 of the password.
 */
import { utf8 } from '../../util/bytes.js';
import { asciiEqual, toHex } from './encoding.js';
import type { HashFormat } from './format.js';
import { parsePortable, portableChecksum, type ParsedPortable } from './phpass.js';

const CHECKSUM = 43;

export const drupal7: HashFormat<ParsedPortable> = {
  id: 'drupal7',
  weak: false,
  matches: (hash) => hash.startsWith('$S$'),
  parse: (hash, settings) => parsePortable(hash, CHECKSUM, settings),
  async verify(password, parsed, primitives) {
    const full = await portableChecksum('sha512', password, parsed, primitives);
    return asciiEqual(full.slice(0, CHECKSUM), parsed.checksum);
  },
};

export const drupal7FromDrupal6: HashFormat<ParsedPortable> = {
  id: 'drupal7-md5',
  // The inner MD5 adds nothing against guessing; the outer SHA-512 loop is what counts.
  weak: false,
  matches: (hash) => hash.startsWith('U$S$'),
  parse: (hash, settings) => parsePortable(hash.slice(1), CHECKSUM, settings),
  async verify(password, parsed, primitives) {
    const inner = utf8(toHex(primitives.digest('md5', password)));
    const full = await portableChecksum('sha512', inner, parsed, primitives);
    return asciiEqual(full.slice(0, CHECKSUM), parsed.checksum);
  },
};

import { rewrapSealedValues } from '../../secret-rotation.js';
import { openDatabase } from '../database.js';
import { loadNodeConfig } from '../environment.js';
import { print, type Command } from './command.js';

/** `secret rewrap`: the middle step of a secret rotation (docs/production.md#rotating-the-secret). */
export const secretRewrap: Command = {
  name: 'secret rewrap',
  synopsis: '',
  summary: 'Re-seal every stored secret under IDBRIDGE_SECRET, opening it with IDBRIDGE_SECRET_PREVIOUS (secret rotation)',
  details: `Run with the new secret as IDBRIDGE_SECRET and the old one as IDBRIDGE_SECRET_PREVIOUS; safe
while servers run and safe to repeat. Values that neither secret opens are listed and left
alone (exit 1). See docs/production.md#rotating-the-secret.`,
  options: {},
  async run(input) {
    // Not withServices: that checks the secret first, which is what a rotation is about to fix.
    const { config } = loadNodeConfig();
    const database = openDatabase(config.databasePath);
    try {
      const report = await rewrapSealedValues(config, database.db, Date.now());
      const unreadable = report.unreadable.length;
      print(
        input,
        { rewrapped: report.rewrapped, already_current: report.current, unreadable: report.unreadable },
        unreadable === 0
          ? `Re-sealed ${report.rewrapped} value(s) under IDBRIDGE_SECRET (${report.current} already were). ` +
              'IDBRIDGE_SECRET_PREVIOUS can be removed once sessions sealed under it have expired.'
          : `Re-sealed ${report.rewrapped} value(s); ${unreadable} open with neither IDBRIDGE_SECRET nor IDBRIDGE_SECRET_PREVIOUS ` +
              `and were left unchanged: ${report.unreadable.join(', ')}`,
      );
      return unreadable === 0 ? 0 : 1;
    } finally {
      database.close();
    }
  },
};

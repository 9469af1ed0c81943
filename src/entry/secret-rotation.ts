/**
 * The deployment secret against the database: a start-up check that the configured secret is the
 * one the stored values were sealed with, and the re-sealing step of a secret rotation.
 *
 * Shared by the Node and Workers entries.
 *
 * Rotation: set the new secret as IDBRIDGE_SECRET and the old one as IDBRIDGE_SECRET_PREVIOUS
 * (both open, only the new one seals), run {@link rewrapSealedValues} (`idbridge secret rewrap`),
 * then drop IDBRIDGE_SECRET_PREVIOUS once cookies sealed under it have expired.
 */
import { ConfigError, type Config } from '../config.js';
import type { Database } from '../storage/database.js';
import { SECRET_CHECK_SETTING, sealedColumns } from '../storage/sealed-value-repository.js';
import { SettingsRepository } from '../storage/settings-repository.js';
import { deploymentSecrets, SEAL_PURPOSE, SecretBox } from '../util/secret-box.js';

const CHECK_PLAINTEXT = 'idbridge/secret-check/v1';

/**
 * The configured secret does not open what the database holds sealed: the deployment secret
 * changed (or a stored value is damaged). A {@link ConfigError}, so every entry point reports it
 * as the configuration problem it is, in one sentence, instead of WebCrypto's "The operation failed
 * for an operation-specific reason" on every request that needs a key.
 */
export class SecretMismatchError extends ConfigError {
  constructor(what: string) {
    super([
      `IDBRIDGE_SECRET: does not open ${what}, so it is not the secret this database was set up with; ` +
        'start with the original secret, or rotate by setting the old one as IDBRIDGE_SECRET_PREVIOUS ' +
        'and running `idbridge secret rewrap` (docs/production.md#rotating-the-secret)',
    ]);
    this.name = 'SecretMismatchError';
  }
}

/**
 * `created`: first start (or first start of this version): the check value was written.
 * `current`: the secret matches. `previous`: only IDBRIDGE_SECRET_PREVIOUS matches (rotation in
 * progress: run `idbridge secret rewrap`).
 */
export type SecretStatus = 'created' | 'current' | 'previous';

/**
 * Check that the configured secret opens this database's sealed values; throws
 * {@link SecretMismatchError} (a ConfigError: one clear sentence) when it does not, so a changed
 * secret stops the start instead of failing later on every request that needs a key.
 */
export async function checkDeploymentSecret(config: Pick<Config, 'secret' | 'previousSecret' | 'tenant'>, db: Database, now: number): Promise<SecretStatus> {
  const settings = new SettingsRepository(db, config.tenant);
  const box = new SecretBox(deploymentSecrets(config), SEAL_PURPOSE.secretCheck);
  const stored = await settings.get(SECRET_CHECK_SETTING);
  if (stored !== null) {
    const opened = await box.openDetailed(stored).catch(() => undefined);
    if (!opened || opened.plaintext !== CHECK_PLAINTEXT) throw new SecretMismatchError('the check value sealed in the database');
    return opened.current ? 'current' : 'previous';
  }

  // No check value yet: a new database, or one created before the check existed. Then one sample
  // of each sealed column decides, so a secret changed before this version is caught too.
  let allCurrent = true;
  for (const column of sealedColumns(db, config.tenant)) {
    const columnBox = new SecretBox(deploymentSecrets(config), column.purpose);
    for (const value of await column.list(1)) {
      const opened = await columnBox.openDetailed(value.sealed).catch(() => undefined);
      if (!opened) throw new SecretMismatchError(`the value sealed in ${value.name.split('/')[0]}`);
      allCurrent &&= opened.current;
    }
  }
  // Sealed under the previous secret only: the check value comes with the rewrap.
  if (!allCurrent) return 'previous';
  const written = await settings.putIfAbsent(SECRET_CHECK_SETTING, await box.seal(CHECK_PLAINTEXT), now);
  // Another process may have written it first, under its own secret.
  const opened = await box.openDetailed(written).catch(() => undefined);
  if (!opened) throw new SecretMismatchError('the check value sealed in the database');
  return 'created';
}

export interface RewrapReport {
  /** Values re-sealed under the current secret. */
  rewrapped: number;
  /** Values that were already sealed under it. */
  current: number;
  /** Values no configured secret opens (sealed under a third secret, or damaged); left unchanged. */
  unreadable: string[];
}

/**
 * Re-seal every sealed value under the current secret (IDBRIDGE_SECRET), opening each with the
 * current or the previous one. Safe to run while servers are running (each value is replaced by a
 * compare-and-swap; one changed meanwhile was sealed by a server, so under a configured secret)
 * and to run again. The check value is re-sealed last, and only when every value could be opened.
 */
export async function rewrapSealedValues(config: Pick<Config, 'secret' | 'previousSecret' | 'tenant'>, db: Database, now: number): Promise<RewrapReport> {
  const report: RewrapReport = { rewrapped: 0, current: 0, unreadable: [] };
  for (const column of sealedColumns(db, config.tenant)) {
    const box = new SecretBox(deploymentSecrets(config), column.purpose);
    for (const value of await column.list()) {
      const opened = await box.openDetailed(value.sealed).catch(() => undefined);
      if (!opened) report.unreadable.push(value.name);
      else if (opened.current) report.current += 1;
      else if (await column.replace(value, await box.seal(opened.plaintext))) report.rewrapped += 1;
      else report.current += 1; // replaced meanwhile by a server, which seals under the current secret
    }
  }
  if (report.unreadable.length === 0) {
    const box = new SecretBox(config.secret, SEAL_PURPOSE.secretCheck);
    await new SettingsRepository(db, config.tenant).put(SECRET_CHECK_SETTING, await box.seal(CHECK_PLAINTEXT), now);
  }
  return report;
}

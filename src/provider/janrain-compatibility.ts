import type { Clock } from '../clock.js';
import { IdbridgeError } from '../errors.js';
import type { SettingsStore } from './ports.js';

const SETTING = 'aw_janrain_compatible';

/**
 * Whether the authenticating website is a stock Janrain AW: one that knows nothing of idbridge's
 * `return_token` extension. Off by default, because without the token the identity service cannot
 * tell that the browser finishing a sign-in is the one the AW authenticated (a cross-browser
 * transplant stays possible, see docs/janrain-migration.md). With it on, such postbacks are
 * accepted, the Return URL relies on the identity service's own browser binding alone, and the
 * consent page is always shown unless the relying party is trusted.
 *
 * Source of truth: `IDBRIDGE_AW_JANRAIN_COMPATIBLE` when set, otherwise the stored setting
 * (`idbridge aw janrain-compat on|off`). Only postbacks *without* a return token read it, so the
 * idbridge bridge's own sign-ins never pay for the lookup.
 */
export class JanrainCompatibility {
  constructor(
    private readonly settings: SettingsStore,
    private readonly clock: Clock,
    private readonly fixed: boolean | undefined,
  ) {}

  async enabled(): Promise<boolean> {
    if (this.fixed !== undefined) return this.fixed;
    return (await this.settings.get(SETTING)) === 'on';
  }

  /** Where the current value comes from, for `aw show`. */
  get source(): 'environment' | 'setting' {
    return this.fixed === undefined ? 'setting' : 'environment';
  }

  async set(on: boolean): Promise<void> {
    if (this.fixed !== undefined) {
      throw new IdbridgeError('conflict', 'Janrain compatibility is set by IDBRIDGE_AW_JANRAIN_COMPATIBLE; change it there.');
    }
    await this.settings.put(SETTING, on ? 'on' : 'off', this.clock.now());
  }
}

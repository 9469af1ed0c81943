import type { Clock } from '../clock.js';
import { IdbridgeError } from '../errors.js';
import { randomToken, timingSafeEqualStrings } from '../util/bytes.js';
import type { SecretBox } from '../util/secret-box.js';
import { TtlCache } from '../util/ttl-cache.js';
import type { SettingsStore } from './ports.js';

const SETTING = 'aw_api_key';

/**
 * The API key the authenticating website (bridge) presents in its postbacks. Generated on first
 * start (32 characters, 192 bits), stored encrypted under the deployment secret, rotatable.
 */
export class ApiKeyVault {
  /** Last sealed value and its plaintext: the setting is read per postback, decrypting once is enough. */
  #opened: { sealed: string; key: Promise<string> } | undefined;
  /**
   * The sealed key, re-read at most every 5 s: every postback reads it on both ends in all-in-one
   * mode. A rotation by this process applies at once; one by another process (`aw rotate`) at once
   * with `dataVersion`, otherwise within 5 s.
   */
  readonly #read: TtlCache<typeof SETTING, Promise<string | null>>;

  /**
   * @param fixedKey a key set by configuration (`IDBRIDGE_API_KEY`); it then replaces the stored
   *   one, and rotation happens in the configuration.
   * @param dataVersion changes when another process has written to the database (see `AppDeps`).
   */
  constructor(
    private readonly settings: SettingsStore,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly fixedKey?: string,
    dataVersion?: () => number,
  ) {
    this.#read = new TtlCache(clock, { ttlMs: 5_000, maxEntries: 1, dataVersion });
  }

  /** The current key, generating one if none exists yet (concurrent first starts agree on one). */
  async ensure(): Promise<string> {
    if (this.fixedKey) return this.fixedKey;
    const stored = await this.stored();
    if (stored) return this.open(stored);
    const sealed = await this.settings.putIfAbsent(SETTING, await this.box.seal(generateApiKey()), this.clock.now());
    this.#read.clear();
    return this.open(sealed);
  }

  /** Replace the key; postbacks with the old key are refused from now on. */
  async rotate(): Promise<string> {
    if (this.fixedKey) throw new IdbridgeError('conflict', 'The API key is set by IDBRIDGE_API_KEY; change it there.');
    const key = generateApiKey();
    await this.settings.put(SETTING, await this.box.seal(key), this.clock.now());
    this.#read.clear();
    return key;
  }

  /** The current key without generating one (null before the first); for the bridge's start-up probe. */
  async current(): Promise<string | null> {
    if (this.fixedKey) return this.fixedKey;
    const stored = await this.stored();
    return stored ? this.open(stored) : null;
  }

  /** Constant-time check of a presented key. */
  async matches(candidate: string): Promise<boolean> {
    if (this.fixedKey) return timingSafeEqualStrings(candidate, this.fixedKey);
    const stored = await this.stored();
    if (!stored) return false;
    return timingSafeEqualStrings(candidate, await this.open(stored));
  }

  private stored(): Promise<string | null> {
    return this.#read.load(SETTING, () => this.settings.get(SETTING));
  }

  private open(sealed: string): Promise<string> {
    if (this.#opened?.sealed !== sealed) this.#opened = { sealed, key: this.box.open(sealed) };
    return this.#opened.key;
  }
}

export function generateApiKey(): string {
  return randomToken(192); // 24 bytes → exactly 32 base64url characters
}

import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet } from 'jose';
import type { Clock } from '../../clock.js';
import { randomToken } from '../../util/bytes.js';
import type { SecretBox } from '../../util/secret-box.js';
import { TtlCache } from '../../util/ttl-cache.js';
import type { SigningKeyStore, StoredSigningKey } from './ports.js';

export type SigningAlg = 'ES256' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

export interface ActiveKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
}

/**
 * The provider's JWS keys (ES256 and RS256). Generated on first use; private JWKs sealed under the
 * deployment secret; `rotate` adds new keys and keeps the old public keys in the JWKS until every
 * token they signed has expired. Imported keys are cached per kid (the hot path signs every ID token).
 */
export class SigningKeys {
  #imported = new Map<string, Promise<CryptoKey>>();
  /** The current key per algorithm, cached for a minute (another process may rotate meanwhile). */
  readonly #current: TtlCache<SigningAlg, Promise<ActiveKey>>;
  /** The published JWKS, cached for a minute: it is fetched often. */
  readonly #jwks: TtlCache<'jwks', Promise<JSONWebKeySet>>;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    /** How long a retired key stays published: the longest lifetime of anything it signed. */
    private readonly retiredPublishSeconds: number,
  ) {
    this.#current = new TtlCache(clock, { ttlMs: 60_000, maxEntries: SIGNING_ALGS.length });
    this.#jwks = new TtlCache(clock, { ttlMs: 60_000, maxEntries: 1 });
  }

  /** The key to sign with for `alg`, creating the first one if needed. */
  active(alg: SigningAlg): Promise<ActiveKey> {
    return this.#current.load(alg, () => this.load(alg));
  }

  private async load(alg: SigningAlg): Promise<ActiveKey> {
    let current = (await this.store.published(this.clock.now())).filter((k) => k.alg === alg && k.retiredAt === null);
    if (current.length === 0) {
      await this.create(alg);
      current = (await this.store.published(this.clock.now())).filter((k) => k.alg === alg && k.retiredAt === null);
    }
    // Concurrent first starts may both create a key: the newest wins, deterministically.
    const key = current.sort((a, b) => b.createdAt - a.createdAt || a.kid.localeCompare(b.kid))[0]!;
    return { kid: key.kid, alg, privateKey: await this.privateKey(key) };
  }

  /** Public keys to publish at the JWKS endpoint (cached for a minute: it is fetched often). */
  jwks(): Promise<JSONWebKeySet> {
    return this.#jwks.load('jwks', async () => {
      for (const alg of SIGNING_ALGS) await this.active(alg);
      const keys = await this.store.published(this.clock.now());
      return { keys: keys.map((k) => k.publicJwk) };
    });
  }

  /** Add new keys for every algorithm; the previous ones stay published but no longer sign. */
  async rotate(): Promise<string[]> {
    const now = this.clock.now();
    const kids: string[] = [];
    this.#current.clear();
    for (const alg of SIGNING_ALGS) {
      const kid = await this.create(alg);
      await this.store.retire(alg, kid, now, now + this.retiredPublishSeconds * 1000);
      kids.push(kid);
    }
    this.#current.clear();
    this.#jwks.clear();
    return kids;
  }

  private async create(alg: SigningAlg): Promise<string> {
    const now = this.clock.now();
    const kid = `${alg.toLowerCase()}-${randomToken(96)}`;
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const privateJwk = await exportJWK(privateKey);
    const stored: StoredSigningKey = {
      kid,
      alg,
      publicJwk,
      privateJwk: await this.box.seal(JSON.stringify(privateJwk)),
      createdAt: now,
      retiredAt: null,
      publishUntil: null,
    };
    await this.store.insert(stored);
    return kid;
  }

  private privateKey(key: StoredSigningKey): Promise<CryptoKey> {
    let imported = this.#imported.get(key.kid);
    if (!imported) {
      imported = this.box.open(key.privateJwk).then((json) => importJWK(JSON.parse(json), key.alg) as Promise<CryptoKey>);
      this.#imported.set(key.kid, imported);
    }
    return imported;
  }
}

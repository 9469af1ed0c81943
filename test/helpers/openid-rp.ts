/**
 * The node `openid` package (a devDependency, CommonJS, untyped) as a promise-based relying party
 * for end-to-end tests. Its caches (associations, discoveries, nonces) are module-global.
 */
import { createRequire } from 'node:module';

type Callback<T> = (error: unknown, value: T) => void;

/** What `verifyAssertion` reports: `authenticated`, `claimedIdentifier`, and extension values. */
export type AssertionResult = { authenticated?: boolean; claimedIdentifier?: string } & Record<string, unknown>;

interface RawRelyingParty {
  authenticate(identifier: string, immediate: boolean, callback: Callback<string | null>): void;
  verifyAssertion(url: string, callback: Callback<AssertionResult | null | undefined>): void;
}

export interface OpenIdModule {
  RelyingParty: new (returnUrl: string, realm: string | null, stateless: boolean, strict: boolean, extensions: unknown[]) => RawRelyingParty;
  /** Options: SREG field → 'required' | anything truthy (optional). */
  SimpleRegistration: new (options: Record<string, unknown>) => unknown;
  /** Options: AX type URI → 'required' | anything else (if_available). */
  AttributeExchange: new (options: Record<string, string>) => unknown;
  loadAssociation(handle: string, callback: Callback<{ type: string; secret: string; provider: { endpoint: string } } | null>): void;
}

export const openid = createRequire(import.meta.url)('openid') as OpenIdModule;

/** Run a callback-style call; node `openid` may call back twice on HTTP errors: the first answer counts. */
export function call<T>(run: (callback: Callback<T>) => void): Promise<{ error: unknown; value: T }> {
  return new Promise((resolve) => {
    let done = false;
    run((error, value) => {
      if (done) return;
      done = true;
      resolve({ error, value });
    });
  });
}

export interface RelyingPartyOptions {
  returnUrl: string;
  realm: string;
  /** true: verify with check_authentication; false: associate (DH-SHA256) and verify locally. */
  stateless: boolean;
  extensions?: unknown[];
}

export interface VerifyOutcome {
  /** The library's error (`{ message }`), if any. */
  error: { message?: string } | undefined;
  result: AssertionResult | undefined;
  /** True only for a verified positive assertion. */
  authenticated: boolean;
}

export class OpenIdRelyingParty {
  private readonly rp: RawRelyingParty;

  constructor(readonly options: RelyingPartyOptions) {
    this.rp = new openid.RelyingParty(options.returnUrl, options.realm, options.stateless, false, options.extensions ?? []);
  }

  /** Discovery (+ association when stateful); resolves with the OP URL to send the browser to. */
  async authenticate(identifier: string, immediate = false): Promise<string> {
    const { error, value } = await call<string | null>((cb) => this.rp.authenticate(identifier, immediate, cb));
    if (error || !value) throw new Error(`openid authenticate failed: ${JSON.stringify(error)}`);
    return value;
  }

  /** Verify the URL the OP redirected the browser to. */
  async verify(assertionUrl: string): Promise<VerifyOutcome> {
    const { error, value } = await call<AssertionResult | null | undefined>((cb) => this.rp.verifyAssertion(assertionUrl, cb));
    const err = error ? (typeof error === 'object' ? (error as { message?: string }) : { message: String(error) }) : undefined;
    return { error: err, result: value ?? undefined, authenticated: !err && value?.authenticated === true };
  }
}

/** The association node `openid` keeps for a handle (null when it has none). */
export async function cachedAssociation(handle: string) {
  return (await call<{ type: string; secret: string; provider: { endpoint: string } } | null>((cb) => openid.loadAssociation(handle, cb))).value;
}

import type { Clock } from '../clock.js';
import type { VerificationPolicy } from '../config.js';
import type { CurrentPasswordCheck, PasswordAttempt, PasswordVerdict } from '../identity/account.js';
import type { Logger } from '../log.js';
import type { AuthenticationResult, UserDirectory } from '../users/user.js';
import type { StoredUser } from '../users/user-store.js';
import { DirectoryUnavailableError } from '../users/site-source.js';
import { parseDeviceEntries, type DeviceEntry, type LoginThrottle } from './login-throttle.js';
import type { BridgeSessions } from './sessions.js';

export type AccountSignInOutcome =
  | { kind: 'signed_in'; token: string; devices: DeviceEntry[] }
  | { kind: 'wrong' }
  | { kind: 'blocked' }
  | { kind: 'verify_email' }
  | { kind: 'limited'; retryAfter: number }
  | { kind: 'unavailable' };

export interface AccountSignInDeps {
  throttle: LoginThrottle;
  directory: UserDirectory;
  sessions: BridgeSessions;
  verification: VerificationPolicy;
  clock: Clock;
  logger: Logger;
}

/**
 * Signing in to the account page, and the account page's current-password check.
 *
 * Why its own sign-in: a relying party's sign-in ends in a postback to the identity service and a
 * redirect to that relying party; the account page is the bridge's own page and asserts nothing
 * to anyone, so it only needs a bridge session. Everything that protects the login form applies
 * the same way: the one login throttle (account, network and device-cookie counters), blocked
 * accounts, the email verification policy, a new session id on every sign-in.
 */
export class AccountSignIn implements CurrentPasswordCheck {
  constructor(private readonly deps: AccountSignInDeps) {}

  async signIn(identifier: string, password: string, clientIp: string, rawDevices: unknown, previousToken: string | undefined, device: string | undefined): Promise<AccountSignInOutcome> {
    const { throttle, directory, sessions, clock, logger } = this.deps;
    const devices = parseDeviceEntries(rawDevices);
    let attempt;
    try {
      attempt = await throttle.attempt<AuthenticationResult>(
        identifier,
        clientIp,
        devices,
        () => directory.authenticate(identifier, password),
        (r) => (r.ok ? 'success' : r.reason === 'invalid_credentials' ? 'failure' : 'neutral'),
      );
    } catch (error) {
      if (!(error instanceof DirectoryUnavailableError)) throw error;
      logger.log('error', 'directory_unavailable', { reason: error.reason, detail: error.detail });
      return { kind: 'unavailable' };
    }
    if (attempt.kind === 'locked') return { kind: 'limited', retryAfter: attempt.retryAfter };
    if (attempt.kind === 'busy') return { kind: 'limited', retryAfter: 1 };
    const result = attempt.result;
    if (!result.ok) return result.reason === 'blocked' ? { kind: 'blocked' } : { kind: 'wrong' };
    const trusted = await throttle.rememberDevice(devices, result.user.id, [identifier, result.user.email, result.user.username]);
    if (this.deps.verification === 'require' && !result.user.emailVerified) return { kind: 'verify_email' };
    await directory.recordLogin(result.user.id, clock.now());
    const { token } = await sessions.start(result.user.id, ['pwd'], previousToken, device);
    logger.log('info', 'account_signed_in', { user_id: result.user.id });
    return { kind: 'signed_in', token, devices: trusted };
  }

  /** {@link CurrentPasswordCheck}: the user's own password, under the same throttle as the login form. */
  async verify(user: StoredUser, password: string, attempt: PasswordAttempt): Promise<PasswordVerdict> {
    const outcome = await this.deps.throttle.attempt<AuthenticationResult>(
      user.email,
      attempt.clientIp,
      parseDeviceEntries(attempt.devices),
      () => this.deps.directory.authenticate(user.email, password),
      (r) => (r.ok ? 'success' : r.reason === 'invalid_credentials' ? 'failure' : 'neutral'),
    );
    if (outcome.kind === 'locked') return { kind: 'limited', retryAfter: outcome.retryAfter };
    if (outcome.kind === 'busy') return { kind: 'limited', retryAfter: 1 };
    // The address must still be this user's (an email change confirmed in between).
    return outcome.result.ok && outcome.result.user.id === user.id ? { kind: 'ok' } : { kind: 'wrong' };
  }
}

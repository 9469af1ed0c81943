import type { Clock } from '../clock.js';
import type { RegistrationConfig } from '../config.js';
import type { Message } from '../i18n/translate.js';
import type { Logger } from '../log.js';
import type { OutgoingMail } from '../mail/mailer.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import type { UserDirectory } from '../users/user.js';
import type { UserRevocation } from '../users/user-revocation.js';
import type { UserStore } from '../users/user-store.js';
import type { ActionLimits } from './action-limits.js';
import type { EmailTokens } from './email-tokens.js';
import { deferMail, type FlowContext } from './flow-context.js';
import { newPasswordProblem } from './password-policy.js';
import { nameOf, parseEmail, type IdentityLinks } from './registration.js';

/** No user has this id (ids are `u_` + random): the stand-in for an unknown address. */
const UNKNOWN_USER = 'u_unknown';

export type ResetRequestOutcome = { kind: 'invalid'; message: Message } | { kind: 'limited'; retryAfter: number } | { kind: 'sent' };

export type ResetOutcome =
  | { kind: 'invalid'; message: Message }
  | { kind: 'invalid_link' }
  /** Done: the new password works, every session and refresh token of the user has ended. */
  | { kind: 'reset'; userId: string; requestId: string | null };

export interface PasswordResetDeps {
  config: RegistrationConfig;
  store: UserStore;
  directory: UserDirectory;
  hasher: PasswordHasher;
  tokens: EmailTokens;
  mail: OutgoingMail;
  limits: ActionLimits;
  links: IdentityLinks;
  revocation: UserRevocation;
  clock: Clock;
  logger: Logger;
}

/**
 * Forgot / reset password (issue 11 §4). The request answers the same page in the same time for
 * any address: the work (a token, its hash, a database round trip) is done either way and the
 * mail goes out after the answer; unknown addresses get no mail. A reset ends the user's sessions
 * and tokens everywhere through {@link UserRevocation}.
 */
export class PasswordReset {
  constructor(private readonly deps: PasswordResetDeps) {}

  async request(rawEmail: string | undefined, context: FlowContext): Promise<ResetRequestOutcome> {
    const { config, limits, directory, store, tokens, mail, links, logger } = this.deps;
    const email = parseEmail(rawEmail);
    if (!email.ok) return { kind: 'invalid', message: email.message };
    // Both limits count every request, whether or not the address has an account.
    for (const [action, subject, max] of [
      ['reset-ip', context.clientIp, config.resetsPerIpPerHour],
      ['reset-address', email.email, config.resetsPerAddressPerHour],
    ] as const) {
      const limited = await limits.hit(action, subject, max);
      if (!limited.ok) {
        logger.log('warn', 'reset_limited', { by: action });
        return { kind: 'limited', retryAfter: limited.retryAfter };
      }
    }
    const found = await directory.findByEmail(email.email);
    // Looked up either way (an unknown address by an id nobody has): the same statements run.
    const user = await store.findById(found ? found.id : UNKNOWN_USER);
    if (!user || user.blocked) {
      // The statements a real request runs (an UPDATE, a token): the answer's timing tells nothing.
      await tokens.invalidateAll(UNKNOWN_USER, 'reset-password');
      await tokens.burn('reset-password');
      return { kind: 'sent' };
    }
    // A new link replaces older ones: only the latest mail works.
    await tokens.invalidateAll(user.id, 'reset-password');
    const token = await tokens.issue('reset-password', user.id, user.email, config.resetTtlSeconds, context.requestId);
    const values = { link: links.resetPassword(token, context.locale), expiresInMinutes: Math.round(config.resetTtlSeconds / 60), ...nameOf(user) };
    if (user.passwordHash === null) {
      // No password (connector-only): the mail names the providers; its link can set one.
      deferMail(context, logger, 'reset-password-no-password', () =>
        mail.send(user.email, 'reset-password-no-password', context.locale, { ...values, providers: [] }),
      );
    } else {
      deferMail(context, logger, 'reset-password', () => mail.send(user.email, 'reset-password', context.locale, values));
    }
    logger.log('info', 'reset_requested', { user_id: user.id });
    return { kind: 'sent' };
  }

  /** Whether a reset link is (still) usable, to show its form or say it is not. */
  async usable(token: string | undefined): Promise<boolean> {
    return (await this.deps.tokens.peek(token, 'reset-password')) !== null;
  }

  /**
   * Set the new password. The password is checked before the link is used, so a refused password
   * leaves the link working; the link is then used by one conditional UPDATE (a second submit,
   * a replay: `invalid_link`), and only then is the hash written.
   */
  async reset(token: string | undefined, password: string, confirmation: string): Promise<ResetOutcome> {
    const { config, tokens, store, hasher, revocation, clock, logger } = this.deps;
    const problem = newPasswordProblem(password, config.passwordMinLength);
    if (problem) return { kind: 'invalid', message: problem };
    if (password !== confirmation) return { kind: 'invalid', message: { id: 'problem.password.mismatch' } };
    if (!(await tokens.peek(token, 'reset-password'))) return { kind: 'invalid_link' };
    const hash = await hasher.hash(password);
    const record = await tokens.consume(token, 'reset-password');
    if (!record) return { kind: 'invalid_link' };
    const user = await store.findById(record.userId);
    if (!user) return { kind: 'invalid_link' };
    const now = clock.now();
    // setPassword, not the silent re-hash: a reset is a change the platform hears about (user.updated).
    await store.setPassword(user.id, hash, now);
    // The link reached the address: that confirms it, if it still is the account's.
    if (!user.emailVerified && user.email === record.email) await store.confirmEmail(user.id, user.email, now);
    await tokens.invalidateAll(user.id, 'reset-password');
    await revocation.revokeAll(user.id);
    logger.log('info', 'password_reset', { user_id: user.id });
    return { kind: 'reset', userId: user.id, requestId: record.requestId };
  }
}

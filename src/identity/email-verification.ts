import type { Clock } from '../clock.js';
import type { RegistrationConfig } from '../config.js';
import type { Message } from '../i18n/translate.js';
import type { Logger } from '../log.js';
import type { DirectoryUser, UserDirectory } from '../users/user.js';
import { DuplicateUserError, type UserStore } from '../users/user-store.js';
import type { ActionLimits } from './action-limits.js';
import type { EmailTokens } from './email-tokens.js';
import type { FlowContext } from './flow-context.js';
import { parseEmail, type Registration } from './registration.js';

export type ConfirmOutcome =
  /** Confirmed: the address is the user's and verified. `requestId`: the sign-in it was asked in. */
  | { kind: 'confirmed'; user: DirectoryUser; requestId: string | null }
  /** Tampered, used or expired. */
  | { kind: 'invalid_link' }
  /** An email change whose new address another account took meanwhile. */
  | { kind: 'address_taken' };

export type EmailChangeOutcome = { kind: 'invalid'; message: Message } | { kind: 'limited'; retryAfter: number } | { kind: 'sent'; email: string };

export interface EmailVerificationDeps {
  config: RegistrationConfig;
  store: UserStore;
  directory: UserDirectory;
  tokens: EmailTokens;
  registration: Registration;
  limits: ActionLimits;
  clock: Clock;
  logger: Logger;
}

/**
 * Email verification (issue 11 §5): confirm a link, resend one (with a cooldown), and change an
 * address, which keeps the old one until the new one is confirmed.
 */
export class EmailVerification {
  constructor(private readonly deps: EmailVerificationDeps) {}

  /** Use a verification link (the POST behind the link's page: mail scanners only GET). */
  async confirm(token: string | undefined): Promise<ConfirmOutcome> {
    const { tokens, store, clock, logger } = this.deps;
    const record = await tokens.consume(token, 'verify-email');
    if (!record) return { kind: 'invalid_link' };
    const user = await store.findById(record.userId);
    if (!user) return { kind: 'invalid_link' };
    try {
      await store.confirmEmail(user.id, record.email, clock.now());
    } catch (error) {
      if (error instanceof DuplicateUserError) return { kind: 'address_taken' };
      throw error;
    }
    logger.log('info', 'email_verified', { user_id: user.id, changed: record.email !== user.email });
    const { passwordHash: _omit, ...rest } = user;
    return { kind: 'confirmed', user: { ...rest, email: record.email, emailVerified: true, profile: { ...rest.profile, email: record.email } }, requestId: record.requestId };
  }

  /**
   * Send a new link to an unconfirmed address. The caller shows the same answer whatever
   * happened (sent, cooling down, no such account), so it reveals nothing; limited per network.
   */
  async resend(rawEmail: string | undefined, context: FlowContext): Promise<{ kind: 'invalid'; message: Message } | { kind: 'limited'; retryAfter: number } | { kind: 'done' }> {
    const { config, limits, directory, tokens, registration, clock } = this.deps;
    const email = parseEmail(rawEmail);
    if (!email.ok) return { kind: 'invalid', message: email.message };
    const limited = await limits.hit('resend-ip', context.clientIp, config.resetsPerIpPerHour);
    if (!limited.ok) return { kind: 'limited', retryAfter: limited.retryAfter };
    const last = await tokens.lastSentAt(email.email, 'verify-email');
    if (last !== null && clock.now() - last < config.resendCooldownSeconds * 1000) return { kind: 'done' };
    const user = await directory.findByEmail(email.email);
    if (user && !user.emailVerified && (await this.deps.store.findById(user.id))) {
      await registration.sendVerification(user, email.email, context);
    } else {
      await tokens.burn('verify-email');
    }
    return { kind: 'done' };
  }

  /**
   * Start changing a user's address (the account page, the Users API): the new address gets a
   * verification link; the account keeps its old address until that link is used
   * ({@link confirm}). An address another account has is answered "sent" too, without a mail,
   * so the form cannot probe for accounts.
   */
  async requestEmailChange(userId: string, rawEmail: string, context: FlowContext): Promise<EmailChangeOutcome> {
    const { config, limits, store, directory, registration, tokens } = this.deps;
    const email = parseEmail(rawEmail);
    if (!email.ok) return { kind: 'invalid', message: email.message };
    const user = await store.findById(userId);
    if (!user) return { kind: 'invalid', message: { id: 'problem.account.gone' } };
    if (user.email === email.email) return { kind: 'invalid', message: { id: 'problem.email.unchanged' } };
    const limited = await limits.hit('email-change', userId, config.resetsPerAddressPerHour);
    if (!limited.ok) return { kind: 'limited', retryAfter: limited.retryAfter };
    const taken = await directory.findByEmail(email.email);
    const { passwordHash: _omit, ...current } = user;
    if (taken) await tokens.burn('verify-email');
    else await registration.sendVerification(current, email.email, context);
    return { kind: 'sent', email: email.email };
  }
}

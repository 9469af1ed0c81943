import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { RegistrationConfig } from '../config.js';
import { IdbridgeError } from '../errors.js';
import type { Message } from '../i18n/translate.js';
import type { Logger } from '../log.js';
import type { OutgoingMail } from '../mail/mailer.js';
import { createUser } from '../users/create-user.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import type { DirectoryUser, UserDirectory } from '../users/user.js';
import type { UserStore } from '../users/user-store.js';
import type { ActionLimits } from './action-limits.js';
import type { EmailTokens } from './email-tokens.js';
import { deferMail, type FlowContext } from './flow-context.js';
import { newPasswordProblem } from './password-policy.js';

/** The most an address may be (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_FULLNAME_LENGTH = 256;

/**
 * Where a bridge-side link goes: the bridge's own pages (identity/links built by the app). The
 * link carries the mail's `locale`, so the page behind it speaks the mail's language.
 */
export interface IdentityLinks {
  verifyEmail(token: string, locale: string): string;
  resetPassword(token: string, locale: string): string;
}

/** What the sign-up form sent, unparsed. */
export interface SignUpInput {
  email: string | undefined;
  password: string | undefined;
  fullname: string | undefined;
}

/** Per-field messages for the form (message ids, translated by the page), keyed by input name. */
export type FieldErrors = Partial<Record<'email' | 'password' | 'fullname', Message>>;

export type SignUpOutcome =
  /** Bad input: the form again with these messages; nothing was stored. */
  | { kind: 'invalid'; errors: FieldErrors }
  | { kind: 'limited'; retryAfter: number }
  /**
   * "We sent you a link": a new account waiting for its address to be confirmed, or an address
   * that already had an account (its owner gets a mail instead). The same page either way.
   */
  | { kind: 'check_mail'; email: string }
  /** A new account that may sign in before confirming (policy allow/assert): continue the sign-in. */
  | { kind: 'signed_up'; user: DirectoryUser };

export interface RegistrationDeps {
  config: RegistrationConfig;
  store: UserStore;
  directory: UserDirectory;
  hasher: PasswordHasher;
  tokens: EmailTokens;
  mail: OutgoingMail;
  limits: ActionLimits;
  links: IdentityLinks;
  clock: Clock;
  logger: Logger;
}

const emailSchema = z.email().max(MAX_EMAIL_LENGTH);

/** Validate an address as the forms accept it (trimmed, lower-cased), or say what is wrong (a message id). */
export function parseEmail(raw: string | undefined): { ok: true; email: string } | { ok: false; message: Message } {
  const value = (raw ?? '').trim();
  if (!value) return { ok: false, message: { id: 'problem.email.missing' } };
  if (value.length > MAX_EMAIL_LENGTH) return { ok: false, message: { id: 'problem.email.tooLong', values: { count: MAX_EMAIL_LENGTH } } };
  if (!emailSchema.safeParse(value).success) return { ok: false, message: { id: 'problem.email.invalid' } };
  return { ok: true, email: value.toLowerCase() };
}

/**
 * Sign-up (issue 11 §1, §10): validate, limit, create the account in the built-in table and send
 * the verification link. An address that already has an account is answered exactly like a new
 * one ("check your mail") and costs the same (a password hash, a token row); its owner is mailed
 * a reset link (or a new verification link, when the address was never confirmed) instead, so
 * the form reveals nothing about who has an account.
 */
export class Registration {
  constructor(private readonly deps: RegistrationDeps) {}

  async signUp(input: SignUpInput, context: FlowContext): Promise<SignUpOutcome> {
    const { config, limits, directory, hasher, tokens, store, clock, logger } = this.deps;
    const errors: FieldErrors = {};
    const email = parseEmail(input.email);
    if (!email.ok) errors.email = email.message;
    const password = input.password ?? '';
    const passwordProblem = newPasswordProblem(password, config.passwordMinLength);
    if (passwordProblem) errors.password = passwordProblem;
    const fullname = (input.fullname ?? '').trim();
    if (fullname.length > MAX_FULLNAME_LENGTH) errors.fullname = { id: 'problem.fullname.tooLong', values: { count: MAX_FULLNAME_LENGTH } };
    // eslint-disable-next-line no-control-regex
    else if (/[\u0000-\u001f\u007f]/.test(fullname)) errors.fullname = { id: 'problem.fullname.characters' };
    if (!email.ok || Object.keys(errors).length > 0) return { kind: 'invalid', errors };

    // Per network (mass sign-ups) and per address (mail bombing an address, known or not).
    for (const [action, subject, max] of [
      ['signup-ip', context.clientIp, config.signupsPerIpPerHour],
      ['signup-address', email.email, config.resetsPerAddressPerHour],
    ] as const) {
      const limited = await limits.hit(action, subject, max);
      if (!limited.ok) {
        logger.log('warn', 'signup_limited', { request_id: context.requestId, by: action });
        return { kind: 'limited', retryAfter: limited.retryAfter };
      }
    }

    const existing = await directory.findByEmail(email.email);
    if (existing) {
      // The same work as a new account: one password hash, one token row.
      await hasher.burn(password);
      await this.mailOwner(existing, context);
      logger.log('info', 'signup_existing_address', { request_id: context.requestId });
      return { kind: 'check_mail', email: email.email };
    }
    let user: DirectoryUser;
    try {
      user = await createUser(
        // The sign-up's page language becomes the account's `language`: later mails that no page
        // asked for (the Users API, an email change) go out in it too.
        { email: email.email, password, ...(fullname ? { fullname } : {}), language: context.locale, emailVerified: false },
        { store, hasher, now: clock.now() },
      );
    } catch (error) {
      // Two sign-ups for one address at once: the loser is told what the winner was.
      if (error instanceof IdbridgeError && error.code === 'conflict') return { kind: 'check_mail', email: email.email };
      throw error;
    }
    await this.sendVerification(user, email.email, context);
    logger.log('info', 'signup_created', { request_id: context.requestId, user_id: user.id });
    if (config.verification === 'require') return { kind: 'check_mail', email: email.email };
    return { kind: 'signed_up', user };
  }

  /**
   * Issue a verification link for `email` (the user's address, or the new one of a change) and
   * mail it, in `locale`: by default the language of the page that asked (the user is at it).
   */
  async sendVerification(user: DirectoryUser, email: string, context: FlowContext, locale = context.locale): Promise<void> {
    const { tokens, config, mail, links, logger } = this.deps;
    const token = await tokens.issue('verify-email', user.id, email, config.verificationTtlSeconds, context.requestId);
    const values = { link: links.verifyEmail(token, locale), expiresInMinutes: Math.round(config.verificationTtlSeconds / 60), ...nameOf(user) };
    deferMail(context, logger, 'verify-email', () => mail.send(email, 'verify-email', locale, values));
  }

  /**
   * Someone signed up with this account's address: tell its owner how to get in instead. The
   * person at the page may not be the owner, so the owner's own `language` wins when set.
   */
  private async mailOwner(owner: DirectoryUser, context: FlowContext): Promise<void> {
    const { tokens, config, mail, links, logger, store } = this.deps;
    const locale = owner.profile.language ?? context.locale;
    if (!owner.emailVerified) {
      await this.sendVerification(owner, owner.email, context, locale);
      return;
    }
    const stored = await store.findById(owner.id);
    if (!stored) {
      // A site account not in the built-in table: idbridge cannot reset it; the row's cost only.
      await tokens.burn('reset-password');
      return;
    }
    const token = await tokens.issue('reset-password', owner.id, owner.email, config.resetTtlSeconds, context.requestId);
    const values = { link: links.resetPassword(token, locale), expiresInMinutes: Math.round(config.resetTtlSeconds / 60), ...nameOf(owner) };
    deferMail(context, logger, 'reset-password', () => mail.send(owner.email, 'reset-password', locale, values));
  }
}

export function nameOf(user: DirectoryUser): { name?: string } {
  const name = user.profile.fullname ?? user.profile.nickname;
  return name ? { name } : {};
}

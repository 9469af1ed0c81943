import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { UserRevocation } from '../users/user-revocation.js';
import type { StoredUser, UserStore } from '../users/user-store.js';
import { MAX_PASSWORD_LENGTH } from '../users/password-hasher.js';
import type { EmailTokens } from './email-tokens.js';
import type { EmailVerification } from './email-verification.js';
import type { FlowContext } from './flow-context.js';
import { newPasswordIssue } from './password-policy.js';
import type { PasswordReset } from './password-reset.js';
import type { ProfileStore } from './ports.js';
import { offeredFields, profileValue, validateProfile, type ProfileFieldError, type ProfileModel } from './profile-model.js';
import { parseEmail } from './registration.js';

/** How long after the password was last checked a session counts as a recent sign-in. */
export const RECENT_SIGN_IN_MS = 15 * 60 * 1000;

/**
 * Why an account form was refused, per field, as a message code the page translates
 * (`account.error.<code>`). Field names are the form's input names.
 */
export interface AccountFieldError {
  field: string;
  code: AccountErrorCode;
}

export type AccountErrorCode =
  | 'current_empty'
  | 'current_too_long'
  | 'current_wrong'
  | 'password_empty'
  | 'password_too_short'
  | 'password_too_long'
  | 'password_common'
  | 'password_same'
  | 'confirm_mismatch'
  | 'email_empty'
  | 'email_too_long'
  | 'email_invalid'
  | 'email_same'
  | 'confirm_email_mismatch'
  | 'reauth_needed';

/** The outcome of a form: done, refused with errors tied to fields, or limited (too many attempts). */
export type AccountOutcome<T = object> =
  | ({ kind: 'done' } & T)
  | { kind: 'invalid'; errors: AccountFieldError[] }
  | { kind: 'limited'; retryAfter: number };

/** The session of the browser using the account page. */
export interface AccountSession {
  /** The session token (the cookie's value): kept when everything else is revoked. */
  token: string;
  userId: string;
  /** When the password (or another method) was last checked for this session. */
  authTime: number;
}

/** A session as the account page lists it. */
export interface AccountSessionSummary {
  ref: string;
  createdAt: number;
  lastUsedAt: number;
  device: string | null;
  current: boolean;
}

/** The bridge's sessions as the account page needs them (bridge/sessions.ts). */
export interface AccountSessions {
  listFor(userId: string, currentToken: string): Promise<AccountSessionSummary[]>;
  endByRef(userId: string, ref: string): Promise<boolean>;
  /** End every session of the user but the one of `exceptToken`. */
  endAllFor(userId: string, exceptToken: string): Promise<void>;
}

/** Who is typing a password, for the login throttle: the client network and this browser's device cookie. */
export interface PasswordAttempt {
  clientIp: string;
  /** The device cookie's entries (opaque here; the throttle reads them). */
  devices: readonly unknown[];
}

export type PasswordVerdict = { kind: 'ok' } | { kind: 'wrong' } | { kind: 'limited'; retryAfter: number };

/**
 * The current-password check of the account page. It goes through the login throttle (failures
 * count towards the same locks as the login form's, a locked account is refused), so the account
 * page is no way around the sign-in protection.
 */
export interface CurrentPasswordCheck {
  verify(user: StoredUser, password: string, attempt: PasswordAttempt): Promise<PasswordVerdict>;
}

export interface AccountDeps {
  store: UserStore;
  /** Where profile values are written (idbridge's table, or a site user's directory link). */
  profiles: ProfileStore;
  passwords: CurrentPasswordCheck;
  sessions: AccountSessions;
  revocation: UserRevocation;
  hasher: { hash(password: string): Promise<string> };
  tokens: EmailTokens;
  verification: EmailVerification;
  reset: PasswordReset;
  /** Deletes the user through the Users API's write path (revocation incl. consents, delete, audit). */
  deleteUser: (userId: string) => Promise<void>;
  model: ProfileModel;
  passwordMinLength: number;
  clock: Clock;
  logger: Logger;
}

/** What the account page shows. */
export interface AccountOverview {
  user: StoredUser;
  hasPassword: boolean;
  /** An email change waiting for its confirmation link, if any. */
  pendingEmail: string | null;
  sessions: AccountSessionSummary[];
  /** Profile values by field name (the visible fields of the model). */
  profile: Record<string, string>;
}

/**
 * The account page (issue 11 §6): change the password, the email address and the profile, end
 * sessions, delete the account. Every change validates everything first and stores nothing on bad
 * input; sensitive changes need the current password (or, for an account without one, a recent
 * sign-in).
 */
export class Account {
  constructor(private readonly deps: AccountDeps) {}

  /** The user behind a session, when it still has a usable row in idbridge's own table. */
  async user(session: AccountSession): Promise<StoredUser | null> {
    const user = await this.deps.store.findById(session.userId);
    return user && !user.blocked ? user : null;
  }

  async overview(user: StoredUser, session: AccountSession): Promise<AccountOverview> {
    const pending = await this.deps.tokens.latestUsableFor(user.id, 'verify-email');
    const profile: Record<string, string> = {};
    for (const field of this.visibleFields()) profile[field.name] = profileValue(user, field);
    return {
      user,
      hasPassword: user.passwordHash !== null,
      pendingEmail: pending && pending.email !== user.email ? pending.email : null,
      sessions: await this.deps.sessions.listFor(user.id, session.token),
      profile,
    };
  }

  /** Whether the account has profile fields to edit. */
  hasProfileFields(): boolean {
    return this.visibleFields().length > 0;
  }

  /**
   * Change the password: the current one is required and checked under the login throttle; the
   * new one passes the sign-up policy. Afterwards every other session ends and every token is
   * revoked; this browser stays signed in.
   */
  async changePassword(user: StoredUser, session: AccountSession, input: { current?: string; password?: string; confirm?: string }, attempt: PasswordAttempt): Promise<AccountOutcome> {
    const { hasher, store, tokens, revocation, clock, logger } = this.deps;
    if (user.passwordHash === null) return { kind: 'invalid', errors: [{ field: 'current', code: 'current_wrong' }] };
    const current = input.current ?? '';
    const password = input.password ?? '';
    const errors: AccountFieldError[] = [];
    const currentProblem = this.currentProblem(current);
    if (currentProblem) errors.push({ field: 'current', code: currentProblem });
    const issue = newPasswordIssue(password, this.deps.passwordMinLength);
    if (issue) errors.push({ field: 'password', code: `password_${issue}` });
    else if (password === current) errors.push({ field: 'password', code: 'password_same' });
    else if (password !== (input.confirm ?? '')) errors.push({ field: 'confirm', code: 'confirm_mismatch' });
    if (errors.length > 0) return { kind: 'invalid', errors };
    const verdict = await this.deps.passwords.verify(user, current, attempt);
    if (verdict.kind !== 'ok') return verdict.kind === 'limited' ? verdict : { kind: 'invalid', errors: [{ field: 'current', code: 'current_wrong' }] };
    await store.setPassword(user.id, await hasher.hash(password), clock.now());
    // Reset links mailed before now would set a password over this one: they stop working.
    await tokens.invalidateAll(user.id, 'reset-password');
    await revocation.revokeAll(user.id, { keepBridgeSession: session.token });
    logger.log('info', 'account_password_changed', { user_id: user.id });
    return { kind: 'done' };
  }

  /**
   * An account without a password (created by an upstream connector, invited): mail it a link to
   * set one. The reset flow's own limits apply (per address and network).
   */
  async sendSetPasswordLink(user: StoredUser, context: FlowContext): Promise<AccountOutcome> {
    const outcome = await this.deps.reset.request(user.email, context);
    if (outcome.kind === 'limited') return outcome;
    if (outcome.kind === 'invalid') return { kind: 'invalid', errors: [{ field: 'email', code: 'email_invalid' }] };
    return { kind: 'done' };
  }

  /**
   * Start an email change: the new address gets a confirmation link and the account keeps its old
   * address until it is used. Needs the current password (or a recent sign-in without one). An
   * address another account has is answered like any other (no mail), so this probes nothing.
   */
  async changeEmail(
    user: StoredUser,
    session: AccountSession,
    input: { email?: string; current?: string },
    attempt: PasswordAttempt,
    context: FlowContext,
  ): Promise<AccountOutcome<{ email: string }>> {
    const errors: AccountFieldError[] = [];
    const raw = (input.email ?? '').trim();
    const email = parseEmail(raw);
    if (!raw) errors.push({ field: 'email', code: 'email_empty' });
    else if (raw.length > 254) errors.push({ field: 'email', code: 'email_too_long' });
    else if (!email.ok) errors.push({ field: 'email', code: 'email_invalid' });
    else if (email.email === user.email) errors.push({ field: 'email', code: 'email_same' });
    const reauth = await this.reauthenticate(user, session, input.current, attempt, errors);
    if (reauth) return reauth;
    const outcome = await this.deps.verification.requestEmailChange(user.id, raw, context);
    if (outcome.kind === 'limited') return outcome;
    if (outcome.kind === 'invalid') return { kind: 'invalid', errors: [{ field: 'email', code: 'email_invalid' }] };
    this.deps.logger.log('info', 'account_email_change_requested', { user_id: user.id });
    return { kind: 'done', email: outcome.email };
  }

  /**
   * Save the profile form: every visible field of the model is validated on the server first
   * (`validateProfile`); nothing is stored unless all of them pass, then one write stores the
   * values and empties the fields the user cleared.
   */
  async saveProfile(user: StoredUser, input: Readonly<Record<string, unknown>>, locale: string): Promise<{ kind: 'done' } | { kind: 'invalid'; errors: ProfileFieldError[]; values: Record<string, string> }> {
    const fields = this.visibleFields();
    if (fields.length === 0) return { kind: 'done' }; // nothing to edit: no write
    const result = validateProfile(this.deps.model, input, locale, { fields });
    if (!result.ok) return { kind: 'invalid', errors: result.errors, values: result.values };
    const standard: Record<string, string> = {};
    const custom: Record<string, string> = {};
    const cleared: string[] = [];
    for (const field of fields) {
      const value = result.values[field.name] ?? '';
      if (value === '' || (field.type === 'checkbox' && value === 'false')) cleared.push(field.name);
      else if (field.standard) standard[field.name] = value;
      else custom[field.name] = value;
    }
    // Every optional field was on the form: completion need not offer it again.
    const offered = [...new Set([...offeredFields(user), ...fields.filter((f) => f.requirement === 'optional').map((f) => f.name)])];
    await this.deps.profiles.saveProfile(user.id, { standard, custom, offered, cleared }, this.deps.clock.now());
    this.deps.logger.log('info', 'account_profile_saved', { user_id: user.id });
    return { kind: 'done' };
  }

  /** End one of the user's other sessions (`ref` from the overview), or all others (`'others'`). */
  async endSessions(user: StoredUser, session: AccountSession, which: string): Promise<boolean> {
    if (which === 'others') {
      await this.deps.sessions.endAllFor(user.id, session.token);
      return true;
    }
    return this.deps.sessions.endByRef(user.id, which);
  }

  /**
   * Delete the account: confirmed by the current password (or, without one, by typing the email
   * address after a recent sign-in). Deletion runs the Users API's path: every session, token and
   * consent is revoked first, then the row is deleted and the audit entry written.
   */
  async deleteAccount(user: StoredUser, session: AccountSession, input: { confirm?: string }, attempt: PasswordAttempt): Promise<AccountOutcome> {
    const confirm = input.confirm ?? '';
    if (user.passwordHash !== null) {
      const problem = this.currentProblem(confirm);
      if (problem) return { kind: 'invalid', errors: [{ field: 'confirm', code: problem }] };
      const verdict = await this.deps.passwords.verify(user, confirm, attempt);
      if (verdict.kind === 'limited') return verdict;
      if (verdict.kind === 'wrong') return { kind: 'invalid', errors: [{ field: 'confirm', code: 'current_wrong' }] };
    } else {
      if (confirm.trim().toLowerCase() !== user.email) return { kind: 'invalid', errors: [{ field: 'confirm', code: 'confirm_email_mismatch' }] };
      if (!this.recent(session)) return { kind: 'invalid', errors: [{ field: 'confirm', code: 'reauth_needed' }] };
    }
    await this.deps.deleteUser(user.id);
    this.deps.logger.log('info', 'account_deleted', { user_id: user.id });
    return { kind: 'done' };
  }

  private visibleFields() {
    return this.deps.model.fields.filter((f) => f.requirement !== 'hidden');
  }

  private currentProblem(current: string): AccountErrorCode | undefined {
    if (current.length === 0) return 'current_empty';
    if (current.length > MAX_PASSWORD_LENGTH) return 'current_too_long';
    return undefined;
  }

  private recent(session: AccountSession): boolean {
    return this.deps.clock.now() - session.authTime <= RECENT_SIGN_IN_MS;
  }

  /**
   * The re-authentication of a sensitive change, after the form's own checks (`errors`): the
   * current password, or a recent sign-in for an account without one. Returns the refusal, or
   * undefined to go on. The password is checked only when the rest of the form is valid, so a
   * typo elsewhere costs no throttle attempt.
   */
  private async reauthenticate(
    user: StoredUser,
    session: AccountSession,
    current: string | undefined,
    attempt: PasswordAttempt,
    errors: AccountFieldError[],
  ): Promise<AccountOutcome<never> | undefined> {
    if (user.passwordHash === null) {
      if (!this.recent(session)) errors.push({ field: 'current', code: 'reauth_needed' });
      return errors.length > 0 ? { kind: 'invalid', errors } : undefined;
    }
    const problem = this.currentProblem(current ?? '');
    if (problem) errors.push({ field: 'current', code: problem });
    if (errors.length > 0) return { kind: 'invalid', errors };
    const verdict = await this.deps.passwords.verify(user, current!, attempt);
    if (verdict.kind === 'limited') return verdict;
    if (verdict.kind === 'wrong') return { kind: 'invalid', errors: [{ field: 'current', code: 'current_wrong' }] };
    return undefined;
  }
}

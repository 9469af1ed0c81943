import type { Message } from '../i18n/translate.js';
import { MAX_PASSWORD_LENGTH } from '../users/password-hasher.js';
import { COMMON_PASSWORDS } from './data/common-passwords.js';

let common: Set<string> | undefined;

/** The shipped list as a set, built on first use and kept for the process (or Worker isolate). */
function commonPasswords(): Set<string> {
  common ??= new Set(COMMON_PASSWORDS.split('\n'));
  return common;
}

/** True when `password` is on the shipped list of common (breached) passwords, ignoring case. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.toLowerCase());
}

/** Why a new password is refused, as a code (pages that translate their messages), or undefined. */
export type NewPasswordIssue = 'empty' | 'too_short' | 'too_long' | 'common';

/** The policy of {@link newPasswordProblem} as a code. */
export function newPasswordIssue(password: string, minLength: number): NewPasswordIssue | undefined {
  if (password.length === 0) return 'empty';
  if (password.length < minLength) return 'too_short';
  if (password.length > MAX_PASSWORD_LENGTH) return 'too_long';
  if (isCommonPassword(password)) return 'common';
  return undefined;
}

/**
 * Why a new password (sign-up, reset) is refused, as a message id for the form (the handler
 * translates it), or undefined when it is acceptable. NIST SP 800-63B: a minimum length and a check against known-breached
 * passwords, no composition rules.
 */
export function newPasswordProblem(password: string, minLength: number): Message | undefined {
  if (password.length === 0) return { id: 'problem.password.missing' };
  if (password.length < minLength) return { id: 'problem.password.tooShort', values: { count: minLength } };
  if (password.length > MAX_PASSWORD_LENGTH) return { id: 'problem.password.tooLong', values: { count: MAX_PASSWORD_LENGTH } };
  if (isCommonPassword(password)) return { id: 'problem.password.common' };
  return undefined;
}

import { attributeWireName, type AttributeName } from '../users/profile.js';
import { userAttributes } from '../users/user-attributes.js';
import type { DirectoryUser } from '../users/user.js';

export interface PostbackInput {
  apiKey: string;
  requestId: string;
  user: DirectoryUser;
  requestedAttributes: readonly AttributeName[];
  /** When the password was checked (ms) and how (RFC 8176), for OIDC auth_time / amr. */
  authTime?: number;
  amr?: readonly string[];
  /** The authentication context an upstream connector reported (absent after a password). */
  acr?: string;
  noPrompt: boolean;
  /** Also appended to the Return URL redirect: binds the finishing browser to this postback. */
  returnToken: string;
}

/**
 * The form of Janrain step 4: `api_key`, `request_id`, `username`, `no_prompt` and exactly those
 * requested `sreg_*` values the user has — never the whole user row.
 *
 * `username` carries the user's stable opaque id, not the login name or email: the identity
 * service derives the claimed identifier from it, and that must never change or reveal the email.
 */
export function buildPostbackForm(input: PostbackInput): URLSearchParams {
  const form = new URLSearchParams();
  form.set('api_key', input.apiKey);
  form.set('request_id', input.requestId);
  form.set('username', input.user.id);
  form.set('no_prompt', input.noPrompt ? 'true' : 'false');
  form.set('return_token', input.returnToken);
  // idbridge extension of step 4: when the user authenticated, for OIDC auth_time / amr / max_age.
  if (input.authTime !== undefined) form.set('auth_time', String(Math.floor(input.authTime / 1000)));
  if (input.amr && input.amr.length > 0) form.set('amr', input.amr.join(' '));
  if (input.acr) form.set('acr', input.acr);
  const values = userAttributes(input.user);
  for (const field of input.requestedAttributes) {
    const value = values[field];
    if (value) form.set(attributeWireName(field), value);
  }
  return form;
}

/** Realms listed as trusted skip the consent prompt (exact string match, no wildcard widening). */
export function isTrustedRealm(realm: string | null, trusted: readonly string[]): boolean {
  return realm !== null && trusted.includes(realm);
}

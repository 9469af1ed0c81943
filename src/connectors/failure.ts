/**
 * Why an upstream sign-in failed, as a stable code (logged, and asserted by tests) with a message
 * fit for the user. Never carries upstream response bodies or tokens.
 */
export type ConnectorFailureReason =
  | 'unknown_connector'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'upstream_denied'
  | 'invalid_callback'
  | 'invalid_id_token'
  | 'missing_claim'
  | 'acr_too_low'
  | 'email_unverified'
  | 'email_taken'
  | 'already_linked'
  | 'no_password'
  | 'link_proof_failed';

const MESSAGES: Record<ConnectorFailureReason, (label: string) => string> = {
  unknown_connector: () => 'This sign-in option is not available.',
  upstream_unavailable: (l) => `${l} cannot be reached right now. Please try again in a moment, or sign in another way.`,
  upstream_timeout: (l) => `${l} did not answer in time. Please try again in a moment, or sign in another way.`,
  upstream_error: (l) => `${l} could not complete the sign-in. Please try again, or sign in another way.`,
  upstream_denied: (l) => `The sign-in with ${l} was cancelled. You can try again or sign in another way.`,
  invalid_callback: (l) => `The answer from ${l} could not be verified. Please start the sign-in again.`,
  invalid_id_token: (l) => `The answer from ${l} could not be verified. Please start the sign-in again.`,
  missing_claim: (l) => `${l} did not share the information this site needs to sign you in.`,
  acr_too_low: (l) => `${l} did not confirm the sign-in method this site requires. Please try again with the required method.`,
  email_unverified: (l) => `${l} has not confirmed your email address, so it cannot be linked to an account here. Please sign in with your password.`,
  email_taken: (l) => `An account with your ${l} email address already exists. Sign in with your password, then link ${l} from your account.`,
  already_linked: (l) => `This ${l} account is already linked to another account here.`,
  no_password: (l) => `Your account here has no password to confirm the link with ${l}. Please sign in another way.`,
  link_proof_failed: (l) => `Too many wrong passwords. Please start the sign-in with ${l} again.`,
};

export class ConnectorFailure extends Error {
  constructor(
    readonly reason: ConnectorFailureReason,
    /** Log-only detail (an upstream error code, a library's check that failed); never shown. */
    readonly detail?: string,
  ) {
    super(`connector sign-in failed: ${reason}`);
    this.name = 'ConnectorFailure';
  }
}

/** The message the user sees for `reason` with the connector `label`. */
export function failureMessage(reason: ConnectorFailureReason, label: string): string {
  return MESSAGES[reason](label);
}

/** The catalogue message for `reason` (src/i18n: `connector.failure.<reason>`), for pages in the user's language. */
export function failureMessageId(reason: ConnectorFailureReason, label: string): { id: `connector.failure.${ConnectorFailureReason}`; values: { provider: string } } {
  return { id: `connector.failure.${reason}`, values: { provider: label } };
}

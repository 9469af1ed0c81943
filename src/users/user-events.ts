/**
 * The change notifications a user write produces (Users API webhooks). Every write of the
 * built-in user table records its event in the webhook outbox in the same transaction as the
 * change (`storage/`), so a notification is never lost nor sent for a change that did not happen.
 */
export const USER_EVENT_TYPES = ['user.created', 'user.updated', 'user.deleted', 'user.login', 'user.email_verified', 'user.blocked'] as const;
export type UserEventType = (typeof USER_EVENT_TYPES)[number];

export function isUserEventType(value: string): value is UserEventType {
  return (USER_EVENT_TYPES as readonly string[]).includes(value);
}

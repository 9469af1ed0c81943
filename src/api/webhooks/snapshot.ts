import type { SregProfile } from '../../users/profile.js';
import type { DirectoryUser } from '../../users/user.js';
import { toUserResource, type UserResource } from '../user-resource.js';

const PROFILE_FIELDS = ['nickname', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone'] as const;

/**
 * The User resource a webhook carries, rendered from the outbox snapshot (the user row's columns
 * as `storage/user-writes.ts` selects them, plus `has_password`; never the hash) by the Users
 * API's own {@link toUserResource}, so the wire shape is the one the API returns. Null when the
 * snapshot is not a user row (it always is, unless someone edited the outbox by hand): the event
 * still goes out with its id and type, and never blocks the user's queue.
 */
export function snapshotResource(tenant: string, snapshot: Record<string, unknown>): UserResource | null {
  const text = (key: string) => (typeof snapshot[key] === 'string' && snapshot[key] !== '' ? (snapshot[key] as string) : null);
  const number = (key: string) => (typeof snapshot[key] === 'number' ? (snapshot[key] as number) : null);
  const flag = (key: string) => snapshot[key] === 1 || snapshot[key] === true;
  const id = text('id');
  const email = text('email');
  const createTime = number('create_time');
  if (id === null || email === null || createTime === null) return null;
  const profile: SregProfile = { email };
  for (const field of PROFILE_FIELDS) {
    const value = text(field);
    if (value !== null) (profile as Record<string, string>)[field] = value;
  }
  const user: DirectoryUser = {
    id,
    email,
    username: text('username'),
    emailVerified: flag('email_verified'),
    blocked: flag('blocked'),
    profile,
    attributes: stringEntries(snapshot['attributes']),
    phone: text('phone'),
    customerId: text('customer_id'),
    externalId: text('external_id'),
    loginsCount: number('logins_count') ?? 0,
    loginTime: number('login_time'),
    createTime,
    updateTime: number('update_time') ?? createTime,
  };
  return toUserResource(user, tenant, flag('has_password'));
}

/** The custom-field object as the repository reads it: string values only. */
function stringEntries(value: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

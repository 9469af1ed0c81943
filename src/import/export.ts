/**
 * `idbridge users export`: one user → one JSONL record in the import's own field names
 * (`row.ts`), so an export imports back unchanged (ids and creation times included). The
 * password hash is written only when asked for; login counts and times are not part of a user's
 * data that moves (they restart with the new deployment).
 */
import type { StoredUser } from '../users/user-store.js';

export function exportRecord(user: StoredUser, options: { withHashes: boolean }): Record<string, unknown> {
  const { email: _email, ...profile } = user.profile;
  const record: Record<string, unknown> = { id: user.id, email: user.email };
  if (user.username !== null) record['username'] = user.username;
  if (options.withHashes && user.passwordHash !== null) record['password_hash'] = user.passwordHash;
  for (const [key, value] of Object.entries(profile)) if (value) record[key] = value;
  if (user.phone !== null) record['phone'] = user.phone;
  if (user.customerId !== null) record['customer'] = user.customerId;
  if (user.externalId !== null) record['external_id'] = user.externalId;
  record['email_verified'] = user.emailVerified;
  record['blocked'] = user.blocked;
  record['create_time'] = new Date(user.createTime).toISOString();
  if (Object.keys(user.attributes).length > 0) record['attributes'] = user.attributes;
  return record;
}

/**
 * The User resource of seed 002 as a webhook carries it, rendered from the outbox snapshot (the
 * user row's columns, without the password hash). Times are RFC 3339, `logins_count` is an int64
 * as a decimal string, as in the seed.
 */
export function userResource(tenant: string, snapshot: Record<string, unknown>): Record<string, unknown> {
  const time = (value: unknown) => (typeof value === 'number' ? new Date(value).toISOString() : null);
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const profile: Record<string, string> = {};
  for (const field of ['nickname', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone']) {
    const value = snapshot[field];
    if (typeof value === 'string' && value) profile[field] = value;
  }
  const attributes = snapshot['attributes'];
  return {
    tenant,
    id: text(snapshot['id']),
    customer: text(snapshot['customer_id']),
    email: text(snapshot['email']),
    create_time: time(snapshot['create_time']),
    update_time: time(snapshot['update_time']),
    logins_count: String(typeof snapshot['logins_count'] === 'number' ? snapshot['logins_count'] : 0),
    login_time: time(snapshot['login_time']),
    email_verified: snapshot['email_verified'] === 1 || snapshot['email_verified'] === true,
    blocked: snapshot['blocked'] === 1 || snapshot['blocked'] === true,
    phone: text(snapshot['phone']),
    external_id: text(snapshot['external_id']),
    username: text(snapshot['username']),
    profile,
    attributes: attributes && typeof attributes === 'object' && !Array.isArray(attributes) ? attributes : {},
  };
}

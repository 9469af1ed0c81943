import { customAttributeName, isCustomAttributeName, type Attributes } from './profile.js';
import type { DirectoryUser } from './user.js';

/** All releasable attribute values of a user, in wire formats (the bridge then sends only requested ones). */
export function userAttributes(user: DirectoryUser): Attributes {
  const out: Attributes = { ...user.profile, email_verified: user.emailVerified ? 'true' : 'false' };
  // A site user may have no email (a username-only account): then none is released.
  if (user.email) out.email = user.email;
  else delete out.email;
  if (user.phone) out.phone = user.phone;
  if (user.customerId) out.customer_id = user.customerId;
  out.updated_at = String(Math.floor(user.updateTime / 1000));
  // Custom profile fields as `x_<field>`; idbridge's own keys (`$offered`) are never attributes.
  for (const [name, value] of Object.entries(user.attributes)) {
    const wire = customAttributeName(name);
    if (value && isCustomAttributeName(wire)) out[wire] = value;
  }
  return out;
}

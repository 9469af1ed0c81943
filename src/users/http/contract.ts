/**
 * The wire shapes of the HTTP directory contract (docs/directory-http.md,
 * docs/directory-http.openapi.yaml): three POST operations with JSON bodies, and the one answer
 * shape `{ "user": User | null }`. Answers are validated here; anything else is garbage.
 */
import { z } from 'zod';
import { isAttributeName, type Attributes } from '../profile.js';
import type { SiteUserRecord } from '../site-source.js';

/** The operations, by the path under the configured base URL. */
export const OPERATIONS = {
  verify: '/verify',
  byId: '/users/by-id',
  byEmail: '/users/by-email',
} as const;

export type Operation = keyof typeof OPERATIONS;

/** Largest answer accepted: a user record is well under 1 KiB; anything near this is not one. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

const text = (max: number) => z.string().max(max);

const userSchema = z.object({
  /** The site's immutable, never-reused key for the user. */
  id: z.string().min(1).max(256),
  email: text(320).nullable().default(null),
  username: text(256).nullable().default(null),
  blocked: z.boolean().default(false),
  emailVerified: z.boolean().default(false),
  /** Attribute name → value; names idbridge does not know are ignored (a newer site, say). */
  attributes: z.record(z.string(), text(2048)).default({}),
});

/** What every operation answers with 200: a user, or null (no such user, or a wrong password). */
export const answerSchema = z.object({ user: userSchema.nullable() });

export type UserAnswer = z.output<typeof userSchema>;

/** The site's user, as the port carries it. */
export function toSiteUserRecord(user: UserAnswer): SiteUserRecord {
  const attributes: Attributes = {};
  for (const [name, value] of Object.entries(user.attributes)) {
    if (isAttributeName(name)) attributes[name] = value;
  }
  return { key: user.id, email: user.email, username: user.username, blocked: user.blocked, emailVerified: user.emailVerified, attributes };
}

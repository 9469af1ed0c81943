import { z } from 'zod';
import { IdbridgeError, invalidFields } from '../errors.js';
import { randomToken } from '../util/bytes.js';
import { MAX_PASSWORD_LENGTH, type PasswordHasher } from './password-hasher.js';
import type { DirectoryUser } from './user.js';
import { DuplicateUserError, type UserStore } from './user-store.js';

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();

/** An IANA time zone name this runtime knows (`Europe/Berlin`). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A calendar date `YYYY-MM-DD` that exists (no 31 February). */
export function isCalendarDate(value: string): boolean {
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/**
 * The patterns and lengths of {@link newUserInput}, named so that the import's fast path
 * (`import/row.ts`) checks rows with the very same rules; a table test there holds the two to
 * identical results.
 */
export const USER_RULES = {
  emailMax: 254,
  username: /^[A-Za-z0-9._-]{1,64}$/,
  country: /^[A-Za-z]{2}$/,
  language: /^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$/,
  phone: /^\+?[0-9 ()-]{4,32}$/,
  /** What the stored phone number keeps: the separators go. */
  phoneSeparators: /[ ()-]/g,
  textMax: { nickname: 64, fullname: 256, postcode: 32, customerId: 128, externalId: 128 },
} as const;

/** Input accepted when creating a user (CLI, admin API, import); values in SREG formats. */
export const newUserInput = z.object({
  email: z.email().max(USER_RULES.emailMax).transform((v) => v.toLowerCase()),
  password: z.string().min(8, 'must be at least 8 characters').max(MAX_PASSWORD_LENGTH),
  username: z
    .string()
    .trim()
    .regex(USER_RULES.username, 'must be 1-64 letters, digits, ".", "_" or "-"')
    .transform((v) => v.toLowerCase())
    .refine((v) => !v.includes('@'), 'must not look like an email address')
    .optional(),
  nickname: optionalText(USER_RULES.textMax.nickname),
  fullname: optionalText(USER_RULES.textMax.fullname),
  dob: z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD').optional(),
  gender: z.enum(['M', 'F']).optional(),
  postcode: optionalText(USER_RULES.textMax.postcode),
  country: z
    .string()
    .regex(USER_RULES.country, 'must be an ISO 3166-1 alpha-2 code')
    .transform((v) => v.toUpperCase())
    .optional(),
  language: z
    .string()
    .regex(USER_RULES.language, 'must be an ISO 639 language code')
    .optional(),
  timezone: z.string().refine(isTimeZone, 'must be an IANA time zone name').optional(),
  phone: z
    .string()
    .regex(USER_RULES.phone, 'must be a phone number')
    .transform((v) => v.replace(USER_RULES.phoneSeparators, ''))
    .optional(),
  customerId: optionalText(USER_RULES.textMax.customerId),
  externalId: optionalText(USER_RULES.textMax.externalId),
  emailVerified: z.boolean().default(false),
  blocked: z.boolean().default(false),
});

export type NewUserInput = z.input<typeof newUserInput>;

/** Field names as the user JSON (the seed's user model) spells them; the rest are spelt alike. */
const WIRE_NAMES: Record<string, string> = { customerId: 'customer', externalId: 'external_id', emailVerified: 'email_verified' };

/** Validate, hash the password and insert a user. Throws IdbridgeError (`invalid_request`, `conflict`). */
export async function createUser(
  input: NewUserInput,
  deps: { store: UserStore; hasher: PasswordHasher; now: number },
): Promise<DirectoryUser> {
  const parsed = newUserInput.safeParse(input);
  if (!parsed.success) throw invalidFields(parsed.error.issues, WIRE_NAMES, 'user');
  const v = parsed.data;
  const id = `u_${randomToken(128)}`;
  try {
    await deps.store.insert({
      id,
      email: v.email,
      username: v.username ?? null,
      passwordHash: await deps.hasher.hash(v.password),
      profile: {
        nickname: v.nickname,
        fullname: v.fullname,
        dob: v.dob,
        gender: v.gender,
        postcode: v.postcode,
        country: v.country,
        language: v.language,
        timezone: v.timezone,
      },
      phone: v.phone ?? null,
      customerId: v.customerId ?? null,
      externalId: v.externalId ?? null,
      emailVerified: v.emailVerified,
      blocked: v.blocked,
      createTime: deps.now,
    });
  } catch (error) {
    if (error instanceof DuplicateUserError) throw new IdbridgeError('conflict', error.message);
    throw error;
  }
  const user = await deps.store.findById(id);
  const { passwordHash: _omit, ...rest } = user!;
  return rest;
}

/**
 * The User resource of the Users API: one set of zod definitions that is at once the request
 * validation, the mapping to and from the stored row (`DirectoryUser` / `UserChanges`) and the
 * OpenAPI document (through @hono/zod-openapi). The wire shape is the seed's User model (tenant,
 * id, customer, email, create_time, update_time, logins_count as an int64 decimal string,
 * login_time, email_verified, blocked) plus phone (E.164), external_id, username, the standard
 * SREG profile fields and the operator's custom attributes.
 */
import { z } from '@hono/zod-openapi';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import type { FieldIssue } from '../errors.js';
import { isCalendarDate, isTimeZone } from '../users/create-user.js';
import { MAX_PASSWORD_LENGTH } from '../users/password-hasher.js';
import type { DirectoryUser, } from '../users/user.js';
import type { NewUser } from '../users/user-store.js';
import type { UserChanges } from './ports.js';

/**
 * The phone number in E.164 (`+4930123456`), or undefined when it is not a possible number.
 * Without a leading `+`, `region` (ISO 3166-1 alpha-2) says which country's national format it is.
 */
export function toE164(input: string, region?: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input, region ? (region.toUpperCase() as CountryCode) : undefined);
  return parsed && parsed.isPossible() ? parsed.number : undefined;
}

const text = (max: number) => z.string().trim().min(1).max(max);

/** Field definitions shared by the resource, the create body and the patch body. */
const fields = {
  email: z
    .email()
    .max(254)
    .transform((v) => v.toLowerCase())
    .openapi({ description: 'The email address of the user (stored lower-cased; unique per tenant).', example: 'ada@example.com' }),
  username: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"')
    .refine((v) => !v.includes('@'), 'must not look like an email address')
    .transform((v) => v.toLowerCase())
    .openapi({ description: 'Sign-in name besides the email (unique per tenant).', example: 'ada' }),
  phone: z
    .string()
    .max(32)
    .transform((v, ctx) => {
      const e164 = toE164(v);
      if (!e164) {
        ctx.addIssue({ code: 'custom', message: 'must be a phone number in international format (+ and country code)' });
        return z.NEVER;
      }
      return e164;
    })
    .openapi({ description: 'Phone number; normalised to E.164.', example: '+493012345678' }),
  customer: text(128).openapi({ description: "The customer's ID of the user in the tenant's scope (unique per tenant).", example: 'C-1001' }),
  external_id: text(128).openapi({ description: 'An id of the user in another system (unique per tenant).', example: 'crm-42' }),
  email_verified: z.boolean().openapi({ description: 'A flag indicating if the user email is verified.' }),
};

/** Standard profile fields (SREG 1.1 formats). */
export const ProfileSchema = z
  .object({
    nickname: text(64),
    fullname: text(256),
    dob: z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD'),
    gender: z.enum(['M', 'F']),
    postcode: text(32),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
      .transform((v) => v.toUpperCase()),
    language: z.string().regex(/^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be an ISO 639 language code'),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone name'),
  })
  .partial()
  .strict()
  .openapi('Profile', { description: 'Standard profile fields (SREG 1.1 formats).' });

export const PROFILE_FIELDS = ['nickname', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** Custom attribute names: lower-case identifiers (so never `__proto__` or `constructor`). */
const attributeName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'attribute names are 1-64 of a-z, 0-9, "_", starting with a letter');

export const AttributesSchema = z
  .record(attributeName, z.string().max(2048))
  .refine((v) => Object.keys(v).length <= 100, 'at most 100 attributes')
  .openapi('Attributes', { description: "The operator's custom profile fields (config file `profile`), as strings.", example: { loyalty_tier: 'gold' } });

/**
 * Checks custom attributes beyond their shape (which fields exist, their formats): pluggable, so
 * the configurable profile model can be plugged in by the app factory. Returns the problems, with
 * paths relative to the attributes object.
 */
export type AttributeValidator = (attributes: Readonly<Record<string, string>>) => FieldIssue[];

/** Any attribute of the right shape is accepted when no profile model is configured. */
export const acceptAnyAttributes: AttributeValidator = () => [];

const dateTime = z.iso.datetime({ offset: true });

/** The User resource as served. */
export const UserSchema = z
  .object({
    tenant: z.string().openapi({ description: "The user's tenant." }),
    id: z.string().openapi({ description: "The identity provider's ID of the user (opaque, never reused).", example: 'u_AbC' }),
    customer: z.string().nullable().openapi({ description: "The customer's ID of the user in the tenant's scope; null when not set." }),
    email: z.string().openapi({ description: 'The email address of the user.' }),
    create_time: dateTime.openapi({ description: 'The timestamp of creation (RFC 3339).' }),
    update_time: dateTime.openapi({ description: 'The timestamp of last update (RFC 3339).' }),
    logins_count: z
      .string()
      .regex(/^(0|[1-9][0-9]{0,18})$/)
      .openapi({ format: 'int64', description: 'The count of logins (int64 as a decimal string).', example: '3' }),
    login_time: dateTime.nullable().openapi({ description: 'The timestamp of the last login; null before the first.' }),
    email_verified: z.boolean().openapi({ description: 'A flag indicating if the user email is verified.' }),
    blocked: z.boolean().openapi({ description: 'A flag indicating if the user is blocked.' }),
    phone: z.string().nullable().openapi({ description: 'Phone number in E.164.' }),
    external_id: z.string().nullable().openapi({ description: 'An id of the user in another system.' }),
    username: z.string().nullable().openapi({ description: 'Sign-in name besides the email.' }),
    profile: z
      .object(Object.fromEntries(PROFILE_FIELDS.map((f) => [f, z.string().optional()])) as Record<ProfileField, z.ZodOptional<z.ZodString>>)
      .openapi({ description: 'Standard profile fields the user has.' }),
    attributes: z.record(z.string(), z.string()).openapi({ description: 'Custom profile fields.' }),
    has_password: z.boolean().openapi({ description: 'Whether the account has a password (false: invited or connector-only).' }),
  })
  .openapi('User');

export type UserResource = z.infer<typeof UserSchema>;

/** POST /users. At most one of `password` and `password_hash`; neither sends a set-password invitation. */
export const UserCreateSchema = z
  .object({
    email: fields.email,
    password: z
      .string()
      .min(8, 'must be at least 8 characters')
      .max(MAX_PASSWORD_LENGTH)
      .optional()
      .openapi({ description: 'A password to set (hashed with the configured KDF; never stored or logged in clear).' }),
    password_hash: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .openapi({
        description:
          'A pre-hashed password in any format the site-database verifiers understand (bcrypt, argon2, PBKDF2, Django, phpass, …). Kept as it is and upgraded to the configured KDF at the first sign-in.',
      }),
    send_invitation: z
      .boolean()
      .optional()
      .openapi({ description: 'Without a password: send the set-password mail (default true). Ignored with a password.' }),
    locale: z
      .string()
      .regex(/^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
      .optional()
      .openapi({ description: 'Language of the invitation mail (default: the profile language, else the default).' }),
    username: fields.username.optional(),
    phone: fields.phone.optional(),
    customer: fields.customer.optional(),
    external_id: fields.external_id.optional(),
    email_verified: fields.email_verified.optional(),
    blocked: z.boolean().optional().openapi({ description: 'Create the account blocked.' }),
    profile: ProfileSchema.optional(),
    attributes: AttributesSchema.optional(),
  })
  .strict()
  .refine((v) => !(v.password !== undefined && v.password_hash !== undefined), { message: 'give password or password_hash, not both', path: ['password_hash'] })
  .openapi('UserCreate');

export type UserCreate = z.infer<typeof UserCreateSchema>;

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/**
 * PATCH /users/{id}: a JSON Merge Patch (RFC 7396). Absent members stay; `null` clears a
 * clearable field (or a profile field / attribute); objects (`profile`, `attributes`) merge
 * member by member. Changing `email` resets `email_verified` unless the patch sets it.
 * Server-managed members (id, tenant, times, logins_count) and `blocked` (an action: it ends
 * sessions) cannot be patched.
 */
export const UserPatchSchema = z
  .object({
    email: fields.email.optional(),
    email_verified: fields.email_verified.optional(),
    username: nullable(fields.username),
    phone: nullable(fields.phone),
    customer: nullable(fields.customer),
    external_id: nullable(fields.external_id),
    profile: z
      .object({
        nickname: nullable(text(64)),
        fullname: nullable(text(256)),
        dob: nullable(z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD')),
        gender: nullable(z.enum(['M', 'F'])),
        postcode: nullable(text(32)),
        country: nullable(
          z
            .string()
            .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
            .transform((v) => v.toUpperCase()),
        ),
        language: nullable(z.string().regex(/^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be an ISO 639 language code')),
        timezone: nullable(z.string().refine(isTimeZone, 'must be an IANA time zone name')),
      })
      .strict()
      .nullable()
      .optional(),
    attributes: z.record(attributeName, z.string().max(2048).nullable()).nullable().optional(),
  })
  .strict()
  .openapi('UserPatch', { description: 'A JSON Merge Patch (RFC 7396) of the User resource.' });

export type UserPatch = z.infer<typeof UserPatchSchema>;

/** Wire names of the fields, for error messages and the audit log. */
export const WIRE_FIELD: Record<string, string> = { customerId: 'customer', externalId: 'external_id', emailVerified: 'email_verified', customer_id: 'customer' };

const iso = (ms: number) => new Date(ms).toISOString();

/** The stored user as the resource (the row → wire half of the mapping). */
export function toUserResource(user: DirectoryUser & { passwordHash?: string | null }, tenant: string, hasPassword: boolean): UserResource {
  const profile: UserResource['profile'] = {};
  for (const field of PROFILE_FIELDS) {
    const value = user.profile[field];
    if (value) profile[field] = value;
  }
  return {
    tenant,
    id: user.id,
    customer: user.customerId,
    email: user.email,
    create_time: iso(user.createTime),
    update_time: iso(user.updateTime),
    logins_count: String(Math.max(0, Math.trunc(user.loginsCount))),
    login_time: user.loginTime === null ? null : iso(user.loginTime),
    email_verified: user.emailVerified,
    blocked: user.blocked,
    phone: user.phone,
    external_id: user.externalId,
    username: user.username,
    profile,
    attributes: { ...user.attributes },
    has_password: hasPassword,
  };
}

/** The create body as a new row (wire → row), given the id, the password hash and the time. */
export function toNewUser(body: UserCreate, id: string, passwordHash: string | null, now: number): NewUser {
  const profile: NewUser['profile'] = {};
  for (const field of PROFILE_FIELDS) if (body.profile?.[field] !== undefined) profile[field] = body.profile[field];
  return {
    id,
    email: body.email,
    username: body.username ?? null,
    passwordHash,
    profile,
    attributes: body.attributes ?? {},
    phone: body.phone ?? null,
    customerId: body.customer ?? null,
    externalId: body.external_id ?? null,
    emailVerified: body.email_verified ?? false,
    blocked: body.blocked ?? false,
    createTime: now,
  };
}

/**
 * A merge patch applied to the current user (wire → row changes), with the wire names of what
 * actually changes (for the audit log). The email rule: a new email resets `email_verified` to
 * false unless the patch itself says what it is.
 */
export function toUserChanges(patch: UserPatch, current: DirectoryUser): { changes: UserChanges; fields: string[] } {
  const changes: UserChanges = {};
  const fields: string[] = [];
  if (patch.email !== undefined && patch.email !== current.email) {
    changes.email = patch.email;
    fields.push('email');
    if (patch.email_verified === undefined && current.emailVerified) {
      changes.emailVerified = false;
      fields.push('email_verified');
    }
  }
  if (patch.email_verified !== undefined && patch.email_verified !== current.emailVerified) {
    changes.emailVerified = patch.email_verified;
    fields.push('email_verified');
  }
  const scalar = <K extends 'username' | 'phone' | 'customerId' | 'externalId'>(key: K, value: string | null | undefined, wire: string) => {
    if (value === undefined || value === current[key]) return;
    changes[key] = value;
    fields.push(wire);
  };
  scalar('username', patch.username, 'username');
  scalar('phone', patch.phone, 'phone');
  scalar('customerId', patch.customer, 'customer');
  scalar('externalId', patch.external_id, 'external_id');
  if (patch.profile !== undefined) {
    const profile: NonNullable<UserChanges['profile']> = {};
    for (const field of PROFILE_FIELDS) {
      // `profile: null` clears every field (RFC 7396: null removes the member).
      const next = patch.profile === null ? null : patch.profile[field];
      if (next === undefined || (next ?? undefined) === current.profile[field]) continue;
      profile[field] = next;
      fields.push(`profile.${field}`);
    }
    if (Object.keys(profile).length > 0) changes.profile = profile;
  }
  if (patch.attributes !== undefined) {
    const merged: Record<string, string> = Object.create(null);
    if (patch.attributes !== null) {
      for (const [k, v] of Object.entries(current.attributes)) merged[k] = v;
      for (const [k, v] of Object.entries(patch.attributes)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
    }
    const names = new Set([...Object.keys(current.attributes), ...Object.keys(merged)]);
    const changed = [...names].filter((k) => current.attributes[k] !== merged[k]).sort();
    if (changed.length > 0) {
      changes.attributes = { ...merged };
      fields.push(...changed.map((k) => `attributes.${k}`));
    }
  }
  return { changes, fields };
}

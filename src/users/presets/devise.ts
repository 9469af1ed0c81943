import type { SqlPreset } from './preset.js';

/**
 * Rails with Devise: `users.encrypted_password` (bcrypt, optionally peppered), `confirmed_at`
 * (confirmable) verifies the email, `locked_at` (lockable) blocks; login by email.
 */
export const devise: SqlPreset = {
  table: 'users',
  columns: {
    id: 'id',
    email: 'email',
    passwordHash: 'encrypted_password',
    emailVerified: 'confirmed_at',
    blocked: 'locked_at',
    attributes: {},
  },
  hashFormats: ['bcrypt'],
};

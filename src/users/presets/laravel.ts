import type { SqlPreset } from './preset.js';

/** Laravel's `users`: bcrypt `$2y$`, verified when `email_verified_at` is set; login by email. */
export const laravel: SqlPreset = {
  table: 'users',
  columns: {
    id: 'id',
    email: 'email',
    passwordHash: 'password',
    emailVerified: 'email_verified_at',
    attributes: { fullname: 'name' },
  },
  hashFormats: ['bcrypt', 'argon2id', 'argon2i'],
};

import type { SqlPreset } from './preset.js';

/**
 * Django's `auth_user`: `pbkdf2_sha256$…` by default, argon2 / bcrypt / bcrypt_sha256 when the
 * site configured those hashers, `pbkdf2_sha1$` from old releases. `is_active = false` blocks.
 */
export const django: SqlPreset = {
  table: 'auth_user',
  columns: {
    id: 'id',
    email: 'email',
    username: 'username',
    passwordHash: 'password',
    active: 'is_active',
    attributes: { nickname: 'first_name' },
  },
  hashFormats: ['django-pbkdf2-sha256', 'django-pbkdf2-sha1', 'django-argon2', 'django-bcrypt', 'django-bcrypt-sha256'],
};

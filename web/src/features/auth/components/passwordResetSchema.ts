import { z } from '@/lib/validation';

// Mirrors PasswordResetRequest (src/http/auth/password_reset.rs).
export const passwordResetSchema = z.object({
  company: z
    .string()
    .check(z.trim(), z.toLowerCase(), z.minLength(1, 'Enter your company’s short name'), z.maxLength(63, 'Must be at most 63 characters')),
  email: z.string().check(z.trim(), z.minLength(1, 'Enter your email'), z.maxLength(254, 'Must be at most 254 characters')),
});

// Mirrors PasswordResetConfirm; the strength check (zxcvbn) is the server's.
export const newPasswordSchema = z.object({
  new_password: z.string().check(z.minLength(1, 'Choose a new password'), z.maxLength(1024, 'Must be at most 1024 characters')),
});

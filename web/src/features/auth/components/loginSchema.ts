import { z } from '@/lib/validation';

// Mirrors LoginRequest's server rules (src/http/auth.rs).
export const loginSchema = z.object({
  company: z
    .string()
    .check(z.trim(), z.toLowerCase(), z.minLength(1, 'Enter your company’s short name'), z.maxLength(63, 'Must be at most 63 characters')),
  email: z.string().check(z.trim(), z.minLength(1, 'Enter your email'), z.maxLength(254, 'Must be at most 254 characters')),
  password: z.string().check(z.minLength(1, 'Enter your password'), z.maxLength(1024, 'Must be at most 1024 characters')),
});

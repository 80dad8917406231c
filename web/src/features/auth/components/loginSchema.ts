import { z } from '@/lib/validation';

// Mirrors LoginRequest's server rules (src/http/auth.rs). The company is
// optional: a person of one company (or back in the one used last) needs none.
export const loginSchema = z.object({
  company: z.string().check(z.trim(), z.toLowerCase(), z.maxLength(63, 'Must be at most 63 characters')),
  email: z.string().check(z.trim(), z.minLength(1, 'Enter your email'), z.maxLength(254, 'Must be at most 254 characters')),
  password: z.string().check(z.minLength(1, 'Enter your password'), z.maxLength(1024, 'Must be at most 1024 characters')),
});

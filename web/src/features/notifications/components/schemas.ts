import { requiredText, z } from '@/lib/validation';

// Mirrors ProfileEdit and EmailChange (src/http/profile.rs); the server's 422
// errors show beside the same fields.
export const nameSchema = z.object({ name: requiredText('Name', 200) });
export const emailSchema = z.object({
  email: z.string().check(z.trim(), z.minLength(1, 'Enter your new email'), z.maxLength(254, 'Must be at most 254 characters')),
});

import { optionalText, z } from '@/lib/validation';

// Mirrors Registration (src/http/portal/registration.rs); the password's
// strength is the server's (zxcvbn), whose advice shows beside the field.
export const registrationSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1, 'Enter your name'), z.maxLength(200, 'Must be at most 200 characters')),
  email: z.string().check(z.trim(), z.minLength(1, 'Enter your email'), z.maxLength(254, 'Must be at most 254 characters')),
  phone: optionalText(z.maxLength(50, 'Must be at most 50 characters')),
  address: optionalText(z.maxLength(500, 'Must be at most 500 characters')),
  password: z.string().check(z.minLength(1, 'Choose a password'), z.maxLength(1024, 'Must be at most 1024 characters')),
  accept_terms: z.literal('on', 'Accept the terms to register'),
});

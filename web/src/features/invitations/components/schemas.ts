import { EMAIL, z } from '@/lib/validation';

// Mirrors NewInvitation's server rules (src/http/invitations.rs).
export const invitationSchema = z.object({
  email: z.string().check(z.trim(), z.maxLength(254, 'Email is too long'), z.regex(EMAIL, 'Enter a valid email address')),
  role: z.enum(['ADMIN', 'WORKER']),
});

// A new person's name and password; an existing person's password only.
export const acceptSchema = z.object({
  name: z.string().check(z.trim(), z.maxLength(200, 'Must be at most 200 characters')),
  password: z.string().check(z.maxLength(1024, 'Must be at most 1024 characters')),
});

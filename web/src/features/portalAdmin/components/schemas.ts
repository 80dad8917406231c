import { EMAIL, z } from '@/lib/validation';

// An invitation to the portal (the API's NewInvitation: an email of at most 254 characters);
// one message at a time: an empty email is only "required".
export const invitationSchema = z.object({
  email: z.string().check(
    z.trim(),
    z.minLength(1, { message: 'Email is required', abort: true }),
    z.maxLength(254, { message: 'Email is too long', abort: true }),
    z.regex(EMAIL, 'Enter a valid email address'),
  ),
});
export type InvitationValues = z.infer<typeof invitationSchema>;

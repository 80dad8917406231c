import { EMAIL, optionalText, requiredText, z } from '@/lib/validation';

// Mirrors the customers table's checks (db/migrations/0001: name 1–200,
// email and phone formats, address ≤ 500). Empty optional fields become null.
export const customerSchema = z.object({
  name: requiredText('Name', 200),
  email: optionalText(z.maxLength(254, 'Email is too long'), z.regex(EMAIL, 'Enter a valid email address')),
  phone: optionalText(z.regex(/^\+?[0-9 ()./-]{3,40}$/, 'Enter a phone number (digits, spaces, + ( ) . / -)')),
  address: optionalText(z.maxLength(500, 'Address must be at most 500 characters')),
});
export type CustomerValues = z.infer<typeof customerSchema>;

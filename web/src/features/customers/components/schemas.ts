import { EMAIL, optionalText, requiredText, z } from '@/lib/validation';

// Mirrors the customers table's checks (db/migrations/0001: name 1–200,
// email and phone formats, address ≤ 500). Empty optional fields become null.
export const customerSchema = z.object({
  name: requiredText('Name', 200),
  email: optionalText(z.maxLength(254, 'Email is too long'), z.regex(EMAIL, 'Enter a valid email address')),
  phone: optionalText(z.regex(/^\+?[0-9 ()./-]{3,40}$/, 'Enter a phone number (digits, spaces, + ( ) . / -)')),
  address: optionalText(z.maxLength(500, 'Address must be at most 500 characters')),
  // Present when the company has branches: '' shares the customer with every branch.
  branch_id: z.optional(z.pipe(z.string(), z.transform((v: string) => (v === '' ? null : v)))),
});
export type CustomerValues = z.infer<typeof customerSchema>;

// A location, as the customer page adds one (db/migrations/0020: name 1–200,
// line1 ≤ 500, city ≤ 100, postal code ≤ 20).
export const locationSchema = z.object({
  name: requiredText('Name', 200),
  line1: optionalText(z.maxLength(500, 'Street must be at most 500 characters')),
  line2: optionalText(z.maxLength(200, 'Line 2 must be at most 200 characters')),
  city: optionalText(z.maxLength(100, 'City must be at most 100 characters')),
  region: optionalText(z.maxLength(100, 'Region must be at most 100 characters')),
  postal_code: optionalText(z.maxLength(20, 'Postal code must be at most 20 characters')),
  gate_code: optionalText(z.maxLength(100, 'Gate code must be at most 100 characters')),
  access_notes: optionalText(z.maxLength(2000, 'Access notes must be at most 2000 characters')),
});
export type LocationValues = z.infer<typeof locationSchema>;

// A contact with a mobile and an email (the contact_methods checks).
export const contactSchema = z.object({
  name: requiredText('Name', 200),
  title: optionalText(z.maxLength(200, 'Title must be at most 200 characters')),
  mobile: optionalText(z.regex(/^\+?[0-9 ()./-]{3,40}$/, 'Enter a phone number (digits, spaces, + ( ) . / -)')),
  email: optionalText(z.maxLength(254, 'Email is too long'), z.regex(EMAIL, 'Enter a valid email address')),
});
export type ContactValues = z.infer<typeof contactSchema>;

// A communication log entry (db/migrations/0024: summary 1–5000).
export const communicationSchema = z.object({
  channel: z.enum(['call', 'email', 'text', 'visit']),
  direction: z.enum(['inbound', 'outbound']),
  summary: requiredText('Summary', 5000),
});
export type CommunicationValues = z.infer<typeof communicationSchema>;

import { EMAIL, optionalText, z } from '@/lib/validation';

/** A company's short name, as the companies table checks it. */
export const SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The short name the server makes of a company's name when none is given:
 * lower case, accents dropped, anything else a single hyphen.
 */
export function slugFrom(companyName: string): string {
  return companyName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

// Mirrors the server's sign-up body; whether the short name is free, and the
// password's strength (zxcvbn), are the server's to say, beside the fields.
export const signupSchema = z.object({
  company_name: z.string().check(z.trim(), z.minLength(1, 'Enter your company’s name'), z.maxLength(200, 'Must be at most 200 characters')),
  slug: optionalText(
    z.toLowerCase(),
    z.maxLength(63, 'Must be at most 63 characters'),
    z.regex(SLUG, 'Use lowercase letters, digits and hyphens, starting and ending with a letter or digit'),
  ),
  name: z.string().check(z.trim(), z.minLength(1, 'Enter your name'), z.maxLength(200, 'Must be at most 200 characters')),
  email: z.string().check(
    z.trim(),
    z.minLength(1, 'Enter your email'),
    z.maxLength(254, 'Must be at most 254 characters'),
    z.regex(EMAIL, 'Enter a valid email address'),
  ),
  password: z.string().check(z.minLength(1, 'Choose a password'), z.maxLength(1024, 'Must be at most 1024 characters')),
  accept_terms: z.literal('on', 'Accept the terms to create your company'),
  // The honeypot: people leave it empty, form-filling bots do not.
  website: z.optional(optionalText()),
});

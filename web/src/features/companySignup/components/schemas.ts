import { EMAIL, optionalText, z } from '@/lib/validation';

/** A short name a sign-up may ask for (src/http/signup.rs): room is left for the `-2` of a name taken since. */
export const SLUG_MAX = 55;
const SLUG = /^[a-z0-9]([a-z0-9-]{0,53}[a-z0-9])?$/;
const RESERVED = ['signup', 'admin', 'api', 'fieldops', 'www', 'support'];
// Letters that no Unicode decomposition turns into ASCII, as the server's transliteration spells them.
const SPELLED: Record<string, string> = { ß: 'ss', æ: 'ae', ø: 'o', œ: 'oe', ł: 'l', đ: 'd', þ: 'th' };

/**
 * The short name the server makes of a company's name when none is given
 * (requested_slug in src/http/signup.rs): transliterated, lower case, any
 * other run of characters one hyphen; "company" or "company-…" where that
 * leaves nothing or a reserved word.
 */
export function slugFrom(companyName: string): string {
  const derived = companyName
    .toLowerCase()
    .replace(/[ßæøœłđþ]/g, (letter) => SPELLED[letter] ?? letter)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
  const reserved = RESERVED.includes(derived) || derived.startsWith('signup-');
  return derived && !reserved ? derived : `company-${derived}`.replace(/-+$/, '');
}

// Mirrors the server's sign-up body; whether the short name is free, and the
// password's strength (zxcvbn), are the server's to say, beside the fields.
export const signupSchema = z.object({
  company_name: z.string().check(z.trim(), z.minLength(1, 'Enter your company’s name'), z.maxLength(200, 'Must be at most 200 characters')),
  slug: optionalText(
    z.toLowerCase(),
    z.maxLength(SLUG_MAX, `Must be at most ${SLUG_MAX} characters`),
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

import { optionalText, requiredText, z } from '@/lib/validation';

// Mirrors the server's rules for a branch (src/http/branches.rs, migration
// 0040); its 422 errors are shown beside the same fields.
export const branchSchema = z.object({
  name: requiredText('Name', 100),
  address: optionalText(z.maxLength(500, 'Address must be at most 500 characters')),
  color: z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/, 'Color must look like #1a2b3c')),
});

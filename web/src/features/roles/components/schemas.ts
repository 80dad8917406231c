import { z } from '@/lib/validation';

// Mirrors CreateRole / UpdateRole in src/http/roles.rs.
export const roleSchema = z.object({
  name: z.string().check(z.trim(), z.minLength(1, 'Name is required'), z.maxLength(80, 'Must be 1 to 80 characters')),
  description: z.string().check(z.trim(), z.maxLength(500, 'Must be at most 500 characters')),
});

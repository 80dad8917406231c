import { requiredText, z } from '@/lib/validation';

// Mirrors the server's rules for a job status (src/http/statuses.rs); its 422
// errors are shown beside the same fields.
export const statusSchema = z.object({
  name: requiredText('Name', 60),
  color: z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/, 'Color must look like #1a2b3c')),
  is_final: z.boolean(),
  requires_tasks_done: z.boolean(),
});

import { requiredText, z } from '@/lib/validation';

// Mirrors the server's rules for a note (src/http/notes.rs); its 422 errors are
// shown beside the same fields.
export const noteSchema = z.object({
  body: requiredText('Note', 5000),
  visibility: z.enum(['internal', 'customer']),
});

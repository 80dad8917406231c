import { requiredText, z } from '@/lib/validation';

// Mirrors the server's rules for a message (src/http/messages.rs); its 422
// errors are shown beside the same fields.
export const messageSchema = z.object({
  body: requiredText('Message', 5000),
  internal: z.boolean(),
});

import { requiredText, z } from '@/lib/validation';

// Mirrors the definitions' checks (db/migrations/0023_custom_fields.sql and
// src/http/custom_fields.rs); the server's 422s show beside the same fields.
export const customFieldSchema = z.object({
  key: z
    .string()
    .check(z.trim(), z.regex(/^[a-z][a-z0-9_]{0,39}$/, 'Key: a–z, 0–9 or _, starting with a letter, at most 40')),
  label: requiredText('Label', 100),
  field_type: z.enum(['text', 'number', 'date', 'boolean', 'choice']),
  options: z.array(z.string().check(z.minLength(1), z.maxLength(100, 'Each option must be at most 100 characters'))).check(
    z.maxLength(100, 'At most 100 options'),
  ),
  is_required: z.boolean(),
  visible_to_workers: z.boolean(),
  visible_to_customers: z.boolean(),
});
export type CustomFieldFormValues = z.infer<typeof customFieldSchema>;

/** Options as typed in a text area, one per line: trimmed, blank lines and repeats dropped. */
export function parseOptions(text: string): string[] {
  return [...new Set(text.split('\n').map((o) => o.trim()).filter(Boolean))];
}

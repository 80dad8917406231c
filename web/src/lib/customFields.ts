// Custom-field values between a form and the API. The database is the
// authority (it checks every value); these mirror its rules so a form can
// answer before a round trip, with the server's own field names
// (`custom_fields.<key>`), and its 422s land in the same place.
import type { z } from 'zod/mini';
import type { FieldErrors } from './api/errors';
import { zodErrors } from './forms';
import type { CustomFieldDefinition, CustomFieldValues } from './api/customFields';

/** The name of a field's input in a form, and of its errors. */
export const inputName = (key: string) => `cf.${key}`;
export const errorKey = (key: string) => `custom_fields.${key}`;

/** The fields a form offers: unarchived, in the company's order. */
export function editable(definitions: CustomFieldDefinition[] | undefined): CustomFieldDefinition[] {
  return (definitions ?? []).filter((d) => !d.is_archived).sort((a, b) => a.position - b.position || a.key.localeCompare(b.key));
}

/**
 * The values of a form's custom-field inputs (`cf.<key>`), typed; an empty
 * input is `null` (no value: the API removes it on an edit).
 */
export function readValues(
  definitions: CustomFieldDefinition[],
  raw: Record<string, string>,
): { values: Record<string, string | number | boolean | null>; errors: FieldErrors } {
  const values: Record<string, string | number | boolean | null> = {};
  const errors: FieldErrors = {};
  for (const d of definitions) {
    const text = (raw[inputName(d.key)] ?? '').trim();
    if (text === '') {
      values[d.key] = null;
      if (d.is_required) errors[errorKey(d.key)] = [`${d.label} is required`];
      continue;
    }
    if (d.field_type === 'number') {
      const n = Number(text);
      if (Number.isFinite(n)) values[d.key] = n;
      else errors[errorKey(d.key)] = [`${d.label} must be a number`];
    } else if (d.field_type === 'boolean') {
      values[d.key] = text === 'true';
    } else if (d.field_type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      errors[errorKey(d.key)] = [`${d.label} must be a date`];
    } else if (d.field_type === 'choice' && !d.options.includes(text)) {
      errors[errorKey(d.key)] = [`${d.label} must be one of its options`];
    } else if (d.field_type === 'text' && text.length > 2000) {
      errors[errorKey(d.key)] = [`${d.label} must be at most 2000 characters`];
    } else {
      values[d.key] = text;
    }
  }
  return { values, errors };
}

/**
 * When the custom fields have errors: those and the form's own (by `schema`),
 * so that every problem shows at once; otherwise null (submit as usual).
 */
export function errorsWithCustomFields(schema: z.ZodMiniType, input: unknown, custom: FieldErrors): FieldErrors | null {
  if (Object.keys(custom).length === 0) return null;
  const parsed = schema.safeParse(input);
  return { ...(parsed.success ? {} : zodErrors(parsed.error)), ...custom };
}

/** Values to create a row with: the empty ones left out. */
export function present(values: Record<string, string | number | boolean | null>): CustomFieldValues {
  const out: CustomFieldValues = {};
  for (const [key, value] of Object.entries(values)) if (value !== null) out[key] = value;
  return out;
}

/** A value as text for people. */
export function formatValue(type: string, value: unknown): string {
  if (type === 'boolean') return value === true ? 'Yes' : 'No';
  if (type === 'date' && typeof value === 'string') {
    const [y, m, d] = value.split('-').map(Number);
    if (y && m && d) return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, { timeZone: 'UTC', dateStyle: 'medium' });
  }
  return String(value);
}

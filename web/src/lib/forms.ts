// Form helpers: zod schemas validate on the client with the server's rules, and
// the server's 422 `errors` land beside the same fields.
import { useState } from 'react';
import type { z } from 'zod/mini';
import { ApiError, type FieldErrors } from './api/errors';

export function zodErrors(error: z.core.$ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : '_form';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** The values of a form as strings (checkboxes as "on" or absent). */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new FormData(form).entries()) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

export interface FormState {
  errors: FieldErrors;
  formError: string | null;
  setErrors: (errors: FieldErrors) => void;
  /** Validates; returns the parsed data, or null after showing the errors. */
  validate<S extends z.ZodMiniType>(schema: S, input: unknown): z.infer<S> | null;
  /** Shows a failed mutation: field errors beside fields, anything else on top. */
  fail(error: unknown): void;
  /** Validates `input`, then runs `save` with the parsed data; shows what fails. */
  submit<S extends z.ZodMiniType>(schema: S, input: unknown, save: (values: z.infer<S>) => Promise<void>): Promise<void>;
  reset(): void;
  /** For a form's onChange: editing a field clears its error. */
  clearEdited(event: React.FormEvent): void;
}

export function useFormState(): FormState {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const state: FormState = {
    errors,
    formError,
    setErrors,
    validate(schema, input) {
      const result = schema.safeParse(input);
      if (result.success) {
        setErrors({});
        setFormError(null);
        return result.data;
      }
      setErrors(zodErrors(result.error));
      setFormError(null);
      return null;
    },
    fail(error) {
      if (error instanceof ApiError && Object.keys(error.fieldErrors).length > 0) {
        setErrors(error.fieldErrors);
        setFormError(error.status === 422 ? 'Please correct the highlighted fields.' : error.message);
      } else {
        setErrors({});
        setFormError(error instanceof ApiError ? error.message : 'Something went wrong. Please try again.');
      }
    },
    async submit(schema, input, save) {
      const values = state.validate(schema, input);
      if (!values) return;
      try {
        await save(values);
      } catch (error) {
        state.fail(error);
      }
    },
    reset() {
      setErrors({});
      setFormError(null);
    },
    clearEdited(event) {
      const name = (event.target as { name?: unknown }).name;
      if (typeof name === 'string' && name in errors) {
        const { [name]: _cleared, ...rest } = errors;
        setErrors(rest);
      }
    },
  };
  return state;
}
